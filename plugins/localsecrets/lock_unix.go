//go:build unix

package localsecrets

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/basalt-dev/basalt/sdk"
)

// lockFile takes an exclusive lock on name (created if need be), held until unlockFile or
// the process ends, even by a crash.
func lockFile(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, sdk.Errorf(sdk.ErrUnavailable, "localsecrets: %s is in use by another process", name)
		}
		return nil, fmt.Errorf("localsecrets: lock %s: %w", name, err)
	}
	return f, nil
}

func unlockFile(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}
