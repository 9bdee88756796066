// Package pluginbase is the part of sdk.Plugin every plugin would otherwise write again:
// Info and ConfigSchema answered from what the plugin declares, and Configure opening the
// plugin's state from the new configuration and swapping it in whole, so that a call in
// flight finishes on the state it started with.
//
// A plugin embeds a *Base and implements its kind's calls on the state Live returns:
//
//	type Store struct{ *pluginbase.Base[*state] }
//
//	func New() *Store {
//		s := &Store{}
//		s.Base = pluginbase.New(sdk.InfoResponse{Kind: sdk.KindStorage, Name: "webdav", Version: "0.1.0"}, schema, open)
//		return s
//	}
package pluginbase

import (
	"context"
	"io"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
)

// Base answers the calls every plugin kind shares. S is what one configuration opens: the
// decoded configuration and whatever the plugin builds from it (clients, open files).
type Base[S any] struct {
	info   sdk.InfoResponse
	schema *configschema.Schema
	open   func(ctx context.Context, config []byte) (S, error)

	configuring sync.Mutex // one Configure at a time

	mu         sync.RWMutex
	live       S
	configured bool
}

// New returns the base of a plugin that says info of itself (the sdk's protocol version when
// info names none), publishes schema, and opens its state with open, which receives the
// configuration section as the core sent it (schema.Decode turns it into the plugin's type).
func New[S any](info sdk.InfoResponse, schema *configschema.Schema, open func(ctx context.Context, config []byte) (S, error)) *Base[S] {
	if len(info.ProtocolVersions) == 0 {
		info.ProtocolVersions = []int{sdk.ProtocolVersion}
	}
	return &Base[S]{info: info, schema: schema, open: open}
}

func (b *Base[S]) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return b.info, nil
}

func (b *Base[S]) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: b.schema.Document()}, nil
}

// Configure opens a state from req.Config and makes it the live one. When open fails, the
// previous state, if any, stays live. When S has a Close method, the state replaced is closed
// once it is out of reach of new calls.
func (b *Base[S]) Configure(ctx context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	b.configuring.Lock()
	defer b.configuring.Unlock()
	next, err := b.open(ctx, req.Config)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	b.mu.Lock()
	old, had := b.live, b.configured
	b.live, b.configured = next, true
	b.mu.Unlock()
	if closer, ok := any(old).(io.Closer); had && ok {
		_ = closer.Close()
	}
	return sdk.ConfigureResponse{}, nil
}

// Live returns the state of the last successful Configure, or an unavailable error before
// the first.
func (b *Base[S]) Live() (S, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.configured {
		var none S
		return none, sdk.Errorf(sdk.ErrUnavailable, "the %s plugin is not configured", b.info.Name)
	}
	return b.live, nil
}
