package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

// Host owns every configured plugin instance.
type Host struct {
	instances map[string]*Instance
	names     []string
	since     time.Time
}

// New prepares the instances of the configured plugins without starting them.
func New(plugins map[string]config.Plugin, log *slog.Logger, metrics *Metrics) (*Host, error) {
	h := &Host{instances: make(map[string]*Instance, len(plugins)), since: time.Now()}
	var errs []error
	for name, cfg := range plugins {
		inst, err := newInstance(name, cfg, log, metrics)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h.instances[name] = inst
		h.names = append(h.names, name)
	}
	sort.Strings(h.names)
	return h, errors.Join(errs...)
}

// Start starts every plugin in parallel and returns every failure, so that one run of
// `basalt serve` reports all configuration problems at once.
func (h *Host) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(h.names))
	for n, name := range h.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[n] = h.instances[name].Start(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close stops every plugin process and waits for each to be gone.
func (h *Host) Close() {
	var wg sync.WaitGroup
	for _, inst := range h.instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.Close()
		}()
	}
	wg.Wait()
}

// Instances lists the plugin instances by name.
func (h *Host) Instances() []*Instance {
	out := make([]*Instance, len(h.names))
	for n, name := range h.names {
		out[n] = h.instances[name]
	}
	return out
}

// Since is when the host began: the plugins' measures (Instance.Calls, restarts) count from
// then, in this process only.
func (h *Host) Since() time.Time { return h.since }

// Instance returns the instance of a name, or nil.
func (h *Host) Instance(name string) *Instance { return h.instances[name] }

func (h *Host) instanceOf(name string, kind sdk.Kind) (*Instance, error) {
	inst, ok := h.instances[name]
	if !ok {
		return nil, fmt.Errorf("no plugin named %q is configured", name)
	}
	if inst.Kind != kind {
		return nil, fmt.Errorf("plugin %q is a %s plugin, not %s", name, inst.Kind, kind)
	}
	return inst, nil
}

// Storage returns the storage plugin of a name. Its calls start the process if needed and
// survive restarts.
func (h *Host) Storage(name string) (sdk.Storage, error) {
	inst, err := h.instanceOf(name, sdk.KindStorage)
	if err != nil {
		return nil, err
	}
	return storageProxy{baseProxy{inst}}, nil
}

func (h *Host) Secrets(name string) (sdk.Secrets, error) {
	inst, err := h.instanceOf(name, sdk.KindSecrets)
	if err != nil {
		return nil, err
	}
	return secretsProxy{baseProxy{inst}}, nil
}

func (h *Host) Catalog(name string) (sdk.Catalog, error) {
	inst, err := h.instanceOf(name, sdk.KindCatalog)
	if err != nil {
		return nil, err
	}
	return catalogProxy{baseProxy{inst}}, nil
}

func (h *Host) Region(name string) (sdk.Region, error) {
	inst, err := h.instanceOf(name, sdk.KindRegion)
	if err != nil {
		return nil, err
	}
	return regionProxy{baseProxy{inst}}, nil
}

// Ready reports whether every plugin is running, with the status of each.
func (h *Host) Ready() (bool, []Status) {
	ready := true
	out := make([]Status, 0, len(h.names))
	for _, inst := range h.Instances() {
		s := inst.Status()
		ready = ready && s.Running
		out = append(out, s)
	}
	return ready, out
}
