package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Run tends services every interval until ctx ends. With leader election, only while this
// replica holds the Lease: a replica that loses it stops acting before another may start.
func (e *Engine) Run(ctx context.Context) error {
	le := e.cfg.LeaderElection
	if !le.Enabled {
		e.leader.Set(1)
		defer e.leader.Set(0)
		e.loop(ctx)
		return nil
	}
	lock, err := e.lease()
	if err != nil {
		return err
	}
	// client-go's elector reports through klog: into Basalt's log, not bare stderr.
	klog.SetSlogLogger(e.o.Log.With("component", "lifecycle-lease"))
	for ctx.Err() == nil {
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: lock, ReleaseOnCancel: true, Name: le.Name,
			LeaseDuration: le.LeaseDuration, RenewDeadline: le.RenewDeadline, RetryPeriod: le.RetryPeriod,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					e.o.Log.Info("lifecycle: this replica acts", "lease", le.Name, "identity", lock.Identity())
					e.leader.Set(1)
					e.loop(ctx)
				},
				OnStoppedLeading: func() {
					e.leader.Set(0)
					e.o.Log.Info("lifecycle: this replica stopped acting", "lease", le.Name, "identity", lock.Identity())
				},
			},
		})
		if err != nil {
			return err
		}
		elector.Run(ctx) // returns when leadership is lost or ctx ends: campaign again
	}
	return nil
}

// loop ticks at once, then every interval.
func (e *Engine) loop(ctx context.Context) {
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		if err := e.Tick(ctx); err != nil && ctx.Err() == nil {
			e.o.Log.Warn("lifecycle: a pass left services untended", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lease is the Lock replicas compete for, named by the configuration, held as this process.
func (e *Engine) lease() (*resourcelock.LeaseLock, error) {
	le := e.cfg.LeaderElection
	var rc *rest.Config
	var err error
	if le.Kubeconfig != "" {
		rc, err = clientcmd.BuildConfigFromFlags("", le.Kubeconfig)
	} else {
		rc, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("lifecycle.leader_election: the cluster holding the Lease: %w", err)
	}
	ns := le.Namespace
	if ns == "" {
		b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
		if err != nil {
			return nil, fmt.Errorf("lifecycle.leader_election.namespace is empty and Basalt does not run in a cluster: %w", err)
		}
		ns = strings.TrimSpace(string(b))
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	return &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: le.Name, Namespace: ns},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: replicaIdentity()},
	}, nil
}

// replicaIdentity names this process in the Lease: its host (the pod's name) and a random
// part, so that a restarted pod is a new holder.
func replicaIdentity() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}
