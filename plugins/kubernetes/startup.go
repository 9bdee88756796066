package kubernetes

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// awaitedCluster is the cluster of a configuration with a startup (make run's sandbox, which
// Basalt serves beside while it is built): connected at the first call after the ready file
// appears, connected again when that file is replaced (the cluster set up anew, with new
// addresses and credentials), and let go when it disappears. Until then every call answers
// unavailable with the set-up's progress, so that the core serves everything else.
type awaitedCluster struct {
	s   *settings
	log *slog.Logger

	mu      sync.Mutex
	cluster *cluster
	readyAt time.Time // the ready file's modification time when cluster was connected
	// failed is the last connection that failed, for the ready file of failedFor, given
	// again to calls within retryConnectAfter instead of a new attempt each.
	failed    error
	failedFor time.Time
	failedAt  time.Time
}

// retryConnectAfter spaces the attempts to connect to a ready cluster that does not answer:
// each one may take the ping's ten seconds, and calls wait for it.
const retryConnectAfter = 2 * time.Second

// get returns the cluster once it is ready, connecting to it when needed.
func (a *awaitedCluster) get(ctx context.Context) (*cluster, error) {
	info, statErr := os.Stat(a.s.Startup.ReadyFile)
	a.mu.Lock()
	defer a.mu.Unlock()
	if statErr != nil {
		if a.cluster != nil { // stopped: its caches would only ask a server that is gone
			a.cluster.close()
			a.cluster = nil
		}
		if errors.Is(statErr, fs.ErrNotExist) {
			return nil, notReady(readProgress(a.s.Startup.ProgressFile))
		}
		return nil, sdk.Errorf(sdk.ErrUnavailable, "whether the cluster is ready cannot be read: %v", statErr)
	}
	ready := info.ModTime()
	if a.cluster != nil && ready.Equal(a.readyAt) {
		return a.cluster, nil
	}
	if a.failed != nil && ready.Equal(a.failedFor) && time.Since(a.failedAt) < retryConnectAfter {
		return nil, a.failed
	}
	c, err := dial(ctx, a.s, a.log)
	if err != nil {
		a.failed, a.failedFor, a.failedAt = err, ready, time.Now()
		return nil, err
	}
	if a.cluster != nil {
		a.cluster.close()
		a.log.Info("the cluster was set up anew: connected to it again")
	} else {
		a.log.Info("the cluster is ready: connected")
	}
	a.cluster, a.readyAt, a.failed = c, ready, nil
	return c, nil
}

func (a *awaitedCluster) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cluster != nil {
		a.cluster.close()
		a.cluster = nil
	}
}

// failedPrefix begins a progress line that says the set-up stopped.
const failedPrefix = "failed:"

// notReady is the answer of every call while the cluster is not ready, in the words of its
// set-up's last progress line ("" when it wrote none).
func notReady(progress string) error {
	switch {
	case progress == "":
		return sdk.Errorf(sdk.ErrUnavailable, "the cluster is still starting; try again in a minute")
	case strings.HasPrefix(progress, failedPrefix):
		return sdk.Errorf(sdk.ErrUnavailable, "the cluster could not be set up: %s", strings.TrimSpace(strings.TrimPrefix(progress, failedPrefix)))
	default:
		return sdk.Errorf(sdk.ErrUnavailable, "the cluster is still starting: %s; try again in a minute", progress)
	}
}

// maxProgress bounds what a progress line may put in an answer.
const maxProgress = 300

// readProgress returns the first line of the progress file, "" when there is none.
func readProgress(name string) string {
	if name == "" {
		return ""
	}
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	line = strings.TrimSpace(line)
	if len(line) > maxProgress {
		line = strings.ToValidUTF8(line[:maxProgress], "") + "…"
	}
	return line
}
