package stack

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// An up records its pid while it runs (make run's runs in the background for minutes on a
// fresh clone), so that another up does not start a second one, and down stops it.
func (l Layout) upPIDFile() string { return filepath.Join(l.State, "up.pid") }

// UpLog is where an up started in the background writes its output.
func (l Layout) UpLog() string { return filepath.Join(l.State, "up.log") }

// RecordUp records the calling process as the up of l, and returns the function that
// forgets it.
func RecordUp(l Layout) (func(), error) {
	if err := os.WriteFile(l.upPIDFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return nil, err
	}
	return func() { _ = os.Remove(l.upPIDFile()) }, nil
}

// RunningUp returns the pid of the up of l that runs now, 0 when none does.
func RunningUp(l Layout) int {
	data, err := os.ReadFile(l.upPIDFile())
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 || pid == os.Getpid() || !alive(pid) || !ours(l, pid) {
		return 0
	}
	return pid
}

// StopUp asks the up of l that runs now, if any, to stop: SIGTERM to its process group (the
// builds it runs stop with it), or to it alone when it leads none. The up then stops what it
// started, and releases the lock that down waits for.
func StopUp(l Layout, out io.Writer) error {
	pid := RunningUp(l)
	if pid == 0 {
		return nil
	}
	err := syscall.Kill(-pid, syscall.SIGTERM)
	if errors.Is(err, syscall.ESRCH) {
		err = syscall.Kill(pid, syscall.SIGTERM)
	}
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping the up in progress (pid %d): %w", pid, err)
	}
	fmt.Fprintf(out, "testenv: stopping the up in progress (pid %d)\n", pid)
	return nil
}
