package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// LocalStore is the S3 store of make run's one local user on the sandbox's MinIO, which runs
// without the identity provider: MinIO's root and the user's keys (their policy names the
// user's bucket alone). Its port and keys are chosen by the first up and kept in the state
// directory with MinIO's data, across ups and downs: Basalt is configured from them before
// the sandbox is built (StoreEnvFile), and the user's files outlive `make run-down` as they
// did in bin/data.
type LocalStore struct {
	User       string `json:"user"` // as Basalt names the local user: its bucket is user-<User>
	Port       int    `json:"port"`
	RootSecret string `json:"rootSecret"`
	AccessKey  string `json:"accessKey"`
	SecretKey  string `json:"secretKey"`
}

func (l Layout) storeDir() string      { return filepath.Join(l.State, "store") }
func (l Layout) storeSettings() string { return filepath.Join(l.storeDir(), "settings.json") }
func (l Layout) storeData() string     { return filepath.Join(l.storeDir(), "data") }

// StoreEnvFile is what Basalt is configured from (make run sources it): the store's address
// for Basalt and for pods, its region, the local user's name and keys.
func (l Layout) StoreEnvFile() string { return filepath.Join(l.storeDir(), "store.env") }

// localUserPolicy is the canned policy of the local user's keys.
const localUserPolicy = "local-user"

// SettleLocalStore returns the local store of user (a system user name, made into Basalt's
// local user name), made by the first call and kept after: another user gets a bucket and
// keys of their own, MinIO's root and data stay. With move, a port another program has
// taken since is replaced by a free one; without, the port is kept as it is (MinIO holds it
// while the sandbox runs). It writes StoreEnvFile each time.
func SettleLocalStore(l Layout, user string, move bool) (LocalStore, error) {
	name := LocalUserName(user)
	if name == "" || len(testenv.UserBucket(name)) > 63 {
		return LocalStore{}, fmt.Errorf("-local-user %q: the bucket user-<name> needs a name of 1 to 58 letters, digits or dashes", user)
	}
	var s LocalStore
	data, err := os.ReadFile(l.storeSettings())
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &s); err != nil {
			return LocalStore{}, fmt.Errorf("%s: %w", l.storeSettings(), err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return LocalStore{}, err
	}
	changed := false
	if s.RootSecret == "" {
		s.RootSecret, changed = secret(), true
	}
	if s.User != name || s.AccessKey == "" {
		// MinIO's access keys are 3 to 20 characters: not the user's name.
		s.User, s.AccessKey, s.SecretKey, changed = name, "local-"+secret()[:12], secret(), true
	}
	if s.Port == 0 || (move && !portFree(s.Port)) {
		if s.Port, err = storePort(); err != nil {
			return LocalStore{}, err
		}
		changed = true
	}
	if err := os.MkdirAll(l.storeDir(), 0o700); err != nil {
		return LocalStore{}, err
	}
	if changed {
		data, _ := json.MarshalIndent(s, "", "  ")
		if err := writeFileAtomic(l.storeSettings(), data); err != nil {
			return LocalStore{}, err
		}
	}
	return s, writeFileAtomic(l.StoreEnvFile(), s.envFile(l))
}

// Endpoint is the store's address on the loopback, where Basalt reaches it.
func (s LocalStore) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.Port) }

func (s LocalStore) envFile(l Layout) []byte {
	var b strings.Builder
	b.WriteString("# Written by `testenv up -local-user`: the sandbox's S3 store, as Basalt and as pods reach it,\n" +
		"# and the local user's keys, which reach their bucket alone. Kept by `testenv down`, with the data.\n")
	for _, kv := range [][2]string{
		{"BASALT_TESTENV_S3_ENDPOINT", s.Endpoint()},
		// The relay of the real node's part listens there, on the same port (node.go).
		{"BASALT_TESTENV_POD_S3_ENDPOINT", "http://" + l.podNetwork().hostIP.String() + ":" + strconv.Itoa(s.Port)},
		{"BASALT_TESTENV_S3_REGION", storeRegion},
		{"BASALT_TESTENV_LOCAL_USER", s.User},
		{"BASALT_TESTENV_LOCAL_BUCKET", testenv.UserBucket(s.User)},
		{"BASALT_TESTENV_LOCAL_ACCESS_KEY", s.AccessKey},
		{"BASALT_TESTENV_LOCAL_SECRET_KEY", s.SecretKey},
	} {
		fmt.Fprintf(&b, "%s='%s'\n", kv[0], strings.ReplaceAll(kv[1], "'", `'\''`))
	}
	return []byte(b.String())
}

// storeRegion is the region of every MinIO the environment starts.
const storeRegion = "us-east-1"

// provision makes the local user's bucket, policy and keys on the running MinIO; each step
// is idempotent (a user added again gets the same secret).
func (s LocalStore) provision(ctx context.Context, root *testenv.S3Client) error {
	bucket := testenv.UserBucket(s.User)
	if err := root.PutPolicy(ctx, localUserPolicy, testenv.BucketsPolicy(bucket)); err != nil {
		return err
	}
	if err := root.MakeBucket(ctx, bucket); err != nil {
		return err
	}
	return root.AddUser(ctx, s.AccessKey, s.SecretKey, localUserPolicy)
}

// ProvisionLocalStore makes the local user's bucket and keys on the local store's MinIO of a
// running environment (an up that finds the sandbox running, perhaps for another user).
func ProvisionLocalStore(ctx context.Context, e *testenv.Env, s LocalStore) error {
	return s.provision(ctx, e.RootS3())
}

// notInName is what Basalt's local user name drops from the system's (core/internal/identity):
// anything but lower-case letters, digits and dashes.
var notInName = regexp.MustCompile(`[^a-z0-9-]+`)

// LocalUserName is the name Basalt gives a system user in local mode.
func LocalUserName(system string) string {
	return strings.Trim(notInName.ReplaceAllString(strings.ToLower(system), "-"), "-")
}

// storePort picks a free loopback port below the range the kernel hands out to outgoing
// connections, which could otherwise take it between two ups.
func storePort() (int, error) {
	low := 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 20000 {
				low = n
			}
		}
	}
	for range 200 {
		if p := 20000 + rand.IntN(low-20000); portFree(p) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port between 20000 and %d on 127.0.0.1 for the sandbox's S3 store", low)
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// writeFileAtomic writes a file readable by its owner alone, whole or not at all.
func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
