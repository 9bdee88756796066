// Package pluginhost runs the configured plugins as subprocesses (hashicorp/go-plugin over
// gRPC with AutoMTLS), validates and hands them their configuration, forwards their logs,
// restarts them with backoff when they crash, and kills them all on shutdown.
package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/schemacheck"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

const (
	defaultStartTimeout = 30 * time.Second
	minBackoff          = 100 * time.Millisecond
	maxBackoff          = 30 * time.Second
	// stableAfter is how long a plugin must run before its crash count is forgiven.
	stableAfter = time.Minute
	// maxCallWait bounds how long a call waits for a restart that backoff has delayed.
	maxCallWait = 3 * time.Second
	watchPeriod = 100 * time.Millisecond
)

// Instance is one configured plugin and the process currently serving it, if any.
type Instance struct {
	Name string
	Kind sdk.Kind

	cfg        config.Plugin
	path       string
	configJSON []byte
	log        *slog.Logger
	metrics    *Metrics

	startMu sync.Mutex // one start at a time

	mu        sync.Mutex
	client    *plugin.Client
	channel   *pluginrpc.Channel // the calls' connection, closed with client
	impl      sdk.Plugin
	info      sdk.InfoResponse
	protocol  int
	startedAt time.Time
	failures  int // consecutive crashes or failed starts
	retryAt   time.Time
	lastErr   error
	restarts  int
	closed    bool
}

func newInstance(name string, cfg config.Plugin, log *slog.Logger, metrics *Metrics) (*Instance, error) {
	path, err := config.ResolvePluginPath(cfg.Path)
	if err != nil {
		return nil, &config.KeyError{Key: "plugins." + name + ".path", Problem: err.Error()}
	}
	section := cfg.Config
	if section == nil {
		section = map[string]any{}
	}
	configJSON, err := json.Marshal(section)
	if err != nil {
		return nil, &config.KeyError{Key: "plugins." + name + ".config", Problem: err.Error()}
	}
	return &Instance{
		Name: name, Kind: sdk.Kind(cfg.Kind), cfg: cfg, path: path, configJSON: configJSON,
		log: log.With("plugin", name, "kind", cfg.Kind), metrics: metrics,
	}, nil
}

// ConfigError is a plugin configuration rejected by the plugin's own schema or by Configure.
// It is permanent: restarting does not help.
type ConfigError struct {
	Plugin string
	Err    error
}

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// spawn starts the plugin's process, negotiates the protocol, checks what it is, validates its
// configuration against the schema it publishes and configures it. The calls go on the
// plugin's private channel (pluginrpc.Channel) when it serves one, else on go-plugin's
// connection.
func (i *Instance) spawn(ctx context.Context) (*plugin.Client, *pluginrpc.Channel, sdk.Plugin, sdk.InfoResponse, error) {
	var info sdk.InfoResponse
	timeout := i.cfg.StartTimeout
	if timeout == 0 {
		timeout = defaultStartTimeout
	}
	cmd := exec.Command(i.path, i.cfg.Args...)
	dieWithParent(cmd)
	cmd.Env = processEnv(i.Name, i.cfg.Env)
	channel, err := pluginrpc.NewChannel(cmd)
	if err != nil {
		i.log.Warn("calls go over go-plugin's connection", "error", err)
	}
	cc := &plugin.ClientConfig{
		HandshakeConfig:  pluginrpc.Handshake,
		VersionedPlugins: pluginrpc.ClientPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true, // cmd.Env has the allowed part of it (processEnv)
		StartTimeout:     timeout,
		Logger:           newHCLogAdapter(i.log),
		GRPCDialOptions:  pluginrpc.DialOptions(),
	}
	if i.cfg.SHA256 != "" {
		sum, _ := hex.DecodeString(i.cfg.SHA256) // validated with the configuration
		cc.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	client := plugin.NewClient(cc)
	fail := func(err error) (*plugin.Client, *pluginrpc.Channel, sdk.Plugin, sdk.InfoResponse, error) {
		client.Kill()
		channel.Close()
		return nil, nil, nil, info, err
	}
	rpc, err := client.Client()
	if err != nil {
		return fail(fmt.Errorf("starting %s: %w", i.path, err))
	}
	impl, err := channel.Dispense(rpc, i.Kind)
	if err != nil {
		return fail(fmt.Errorf("the plugin does not serve the %s kind: %w", i.Kind, err))
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	info, err = impl.Info(ctx, sdk.InfoRequest{})
	if err != nil {
		return fail(fmt.Errorf("info: %w", err))
	}
	if info.Kind != i.Kind {
		return fail(&ConfigError{i.Name, &config.KeyError{Key: "plugins." + i.Name + ".kind",
			Problem: fmt.Sprintf("%q is configured, but %s serves %q", i.Kind, i.path, info.Kind)}})
	}
	schema, err := impl.ConfigSchema(ctx, sdk.ConfigSchemaRequest{})
	if err != nil {
		return fail(fmt.Errorf("config schema: %w", err))
	}
	if err := i.checkConfig(schema.Schema); err != nil {
		return fail(err)
	}
	if _, err := impl.Configure(ctx, sdk.ConfigureRequest{Config: i.configJSON}); err != nil {
		key := "plugins." + i.Name + ".config"
		if fields := sdk.FieldsOf(err); len(fields) > 0 {
			key += "." + fields[0].Field
		}
		return fail(&ConfigError{i.Name, &config.KeyError{Key: key, Problem: err.Error()}})
	}
	return client, channel, impl, info, nil
}

func (i *Instance) checkConfig(schema []byte) error {
	key := "plugins." + i.Name + ".config"
	if len(schema) == 0 {
		return nil
	}
	compiled, err := schemacheck.Compile(i.Name+"-config.json", schema)
	if err != nil {
		return &ConfigError{i.Name, fmt.Errorf("the plugin publishes a broken configuration schema: %w", err)}
	}
	violations, err := compiled.Check(key, i.configJSON)
	if err != nil {
		return &ConfigError{i.Name, err}
	}
	if len(violations) > 0 {
		errs := make([]error, len(violations))
		for n, v := range violations {
			errs[n] = &config.KeyError{Key: v.Field, Problem: v.Rule}
		}
		return &ConfigError{i.Name, errors.Join(errs...)}
	}
	return nil
}

// Start starts the plugin now; the host calls it at start-up so that configuration errors
// stop Basalt before it serves anything.
func (i *Instance) Start(ctx context.Context) error {
	_, err := i.get(ctx)
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce
	}
	return err
}

// get returns the running plugin, starting it if it is not running.
func (i *Instance) get(ctx context.Context) (sdk.Plugin, error) {
	if impl := i.running(); impl != nil {
		return impl, nil
	}
	i.startMu.Lock()
	defer i.startMu.Unlock()
	i.mu.Lock()
	impl, closed, wait, lastErr := i.impl, i.closed, time.Until(i.retryAt), i.lastErr
	i.mu.Unlock()
	switch {
	case impl != nil:
		return impl, nil
	case closed:
		return nil, sdk.Errorf(sdk.ErrUnavailable, "plugin %q is stopped: Basalt is shutting down", i.Name)
	case wait > maxCallWait:
		return nil, sdk.Errorf(sdk.ErrUnavailable, "plugin %q is unavailable (%v); next start in %s", i.Name, lastErr, wait.Round(time.Millisecond))
	case wait > 0:
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	began := time.Now()
	client, channel, impl, info, err := i.spawn(ctx)
	i.mu.Lock()
	defer i.mu.Unlock()
	if err != nil {
		i.failures++
		i.retryAt = time.Now().Add(backoff(i.failures))
		i.lastErr = err
		i.log.Error("plugin failed to start", "error", err, "attempt", i.failures)
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, &sdk.Error{Kind: sdk.ErrUnavailable, Message: fmt.Sprintf("plugin %q could not start: %v", i.Name, err)}
	}
	if i.closed { // Close ran while we were starting
		client.Kill()
		channel.Close()
		return nil, sdk.Errorf(sdk.ErrUnavailable, "plugin %q is stopped: Basalt is shutting down", i.Name)
	}
	i.client, i.channel, i.impl, i.info, i.protocol = client, channel, impl, info, client.NegotiatedVersion()
	i.startedAt, i.lastErr = time.Now(), nil
	i.log.Info("plugin started", "path", i.path, "name", info.Name, "version", info.Version,
		"protocol", i.protocol, "pid", pid(client), "private_channel", channel.Active(), "took", time.Since(began).Round(time.Millisecond))
	go i.watch(client)
	return impl, nil
}

func (i *Instance) running() sdk.Plugin {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.impl
}

// watch notices when the process exits on its own and restarts it after a backoff, so that
// the call after a crash finds the plugin running again.
func (i *Instance) watch(client *plugin.Client) {
	for !client.Exited() {
		time.Sleep(watchPeriod)
	}
	if i.crashed(client) {
		i.restartLater()
	}
}

// crashed records that client's process died; it reports whether it is news.
func (i *Instance) crashed(client *plugin.Client) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.client != client || i.closed {
		return false
	}
	client.Kill() // reaps the process and releases its resources
	i.channel.Close()
	if time.Since(i.startedAt) > stableAfter {
		i.failures = 0
	}
	i.failures++
	i.restarts++
	i.client, i.channel, i.impl = nil, nil, nil
	i.lastErr = errors.New("the plugin process exited")
	delay := backoff(i.failures)
	i.retryAt = time.Now().Add(delay)
	i.metrics.restarts.WithLabelValues(i.Name, string(i.Kind)).Inc()
	i.log.Warn("plugin process exited; restarting", "in", delay, "restarts", i.restarts)
	return true
}

func (i *Instance) restartLater() {
	i.mu.Lock()
	wait := time.Until(i.retryAt)
	i.mu.Unlock()
	time.Sleep(wait)
	if _, err := i.get(context.Background()); err != nil {
		var ce *ConfigError
		if !errors.As(err, &ce) && !i.isClosed() {
			i.restartLater()
		}
	}
}

func (i *Instance) isClosed() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.closed
}

// after inspects the error of a call: a transport failure because the process died becomes a
// clear, retryable error and triggers the restart.
func (i *Instance) after(impl sdk.Plugin, err error) error {
	if err == nil || !errors.Is(err, sdk.ErrUnavailable) {
		return err
	}
	i.mu.Lock()
	client := i.client
	if i.impl != impl {
		client = nil // another call already saw the crash
	}
	i.mu.Unlock()
	if client != nil {
		// The reaper may lag the broken connection by a few milliseconds.
		deadline := time.Now().Add(time.Second)
		for !client.Exited() && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if !client.Exited() {
			return err // the plugin itself said unavailable: its backend is down
		}
		if i.crashed(client) {
			go i.restartLater()
		}
	}
	return &sdk.Error{Kind: sdk.ErrUnavailable, Message: fmt.Sprintf(
		"plugin %q stopped during the call and is being restarted; try again", i.Name)}
}

// Close stops the plugin's process and keeps it from being restarted.
func (i *Instance) Close() {
	i.mu.Lock()
	i.closed = true
	client, channel := i.client, i.channel
	i.client, i.channel, i.impl = nil, nil, nil
	i.mu.Unlock()
	if client != nil {
		client.Kill()
	}
	channel.Close()
}

// Status is what an administrator sees of a plugin.
type Status struct {
	Name     string   `json:"name"`
	Kind     sdk.Kind `json:"kind"`
	Path     string   `json:"path,omitempty"`
	Running  bool     `json:"running"`
	PID      int      `json:"pid,omitempty"`
	Plugin   string   `json:"plugin,omitempty"`
	Version  string   `json:"version,omitempty"`
	Protocol int      `json:"protocol,omitempty"`
	Restarts int      `json:"restarts"`
	Error    string   `json:"error,omitempty"`
	Uptime   string   `json:"uptime,omitempty"`
}

func (i *Instance) Status() Status {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := Status{Name: i.Name, Kind: i.Kind, Path: i.path, Restarts: i.restarts}
	if i.impl != nil && i.client != nil && !i.client.Exited() {
		s.Running = true
		s.PID = pid(i.client)
		s.Plugin, s.Version, s.Protocol = i.info.Name, i.info.Version, i.protocol
		s.Uptime = time.Since(i.startedAt).Round(time.Second).String()
	}
	if i.lastErr != nil {
		s.Error = i.lastErr.Error()
	}
	return s
}

// Calls is what the host measured of the plugin's calls since this process started.
func (i *Instance) Calls() CallStats { return i.metrics.callsOf(i.Name) }

// Started is when the plugin's running process started; zero when none runs.
func (i *Instance) Started() time.Time {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.impl == nil {
		return time.Time{}
	}
	return i.startedAt
}

// PID returns the process id of the running plugin, or 0.
func (i *Instance) PID() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.client == nil {
		return 0
	}
	return pid(i.client)
}

func pid(c *plugin.Client) int {
	if rc := c.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

func backoff(failures int) time.Duration {
	d := minBackoff << min(failures-1, 20)
	return min(d, maxBackoff)
}
