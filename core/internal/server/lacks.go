package server

import (
	"errors"
	"sync"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

// What a region may lack although it has the plugin, as /api/v1/config's regions[].lacks
// names it: the portal's account page does not ask for it there.
const (
	lackStorageCredentials = "storageCredentials" // the store hands out no keys of the user's own
	lackSecretsToken       = "secretsToken"       // the secrets store hands out no token
)

// lacks remembers what plugin instances have answered they do not hand out. A plugin answers
// sdk.ErrUnimplemented for what its kind or its configuration does not offer (local files
// have no S3 keys, the local secrets store no token), for everyone and for as long as it
// runs: after the first such answer, the configuration says so and the portal stops asking.
type lacks struct {
	known sync.Map // lack → struct{}
}

type lack struct{ instance, what string }

// note remembers that instance lacks what when err says it does not implement it.
func (l *lacks) note(instance, what string, err error) {
	if errors.Is(err, sdk.ErrUnimplemented) {
		l.known.Store(lack{instance, what}, struct{}{})
	}
}

// of lists what the region's plugins have answered they lack.
func (l *lacks) of(r config.Region) []string {
	var out []string
	for _, k := range []lack{{r.Storage, lackStorageCredentials}, {r.Secrets, lackSecretsToken}} {
		if _, ok := l.known.Load(k); ok && k.instance != "" {
			out = append(out, k.what)
		}
	}
	return out
}
