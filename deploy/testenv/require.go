package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FileVar names an environment variable that points at an env file of an
// environment that someone else manages; Start then only reads it.
const FileVar = "BASALT_TESTENV_FILE"

var (
	once      sync.Once
	shared    *Env
	sharedErr error
)

// Require returns the running environment, starting it the first time a test
// package asks if it is not up yet. It fails t, with the reason, when the
// environment can neither be found nor started: it never skips. The
// environment outlives the test run; `make testenv-down` stops it.
func Require(t testing.TB) *Env {
	t.Helper()
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
		defer cancel()
		shared, sharedErr = Start(ctx)
	})
	if sharedErr != nil {
		t.Fatalf("testenv: %v", sharedErr)
	}
	return shared
}

// Start returns the running environment, or starts it with `testenv up`,
// building what is missing first (cold, that takes a quarter of an hour).
func Start(ctx context.Context) (*Env, error) {
	if path := os.Getenv(FileVar); path != "" {
		e, err := Load(path)
		if err != nil {
			return nil, err
		}
		return e, e.Check(ctx)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := FindRoot(wd)
	if err != nil {
		return nil, err
	}
	state := filepath.Join(root, ".cache", "testenv")
	path := filepath.Join(state, "env")
	if e, err := Load(path); err == nil && e.Check(ctx) == nil {
		return e, nil
	}
	// Test packages run in parallel: one builds and starts, the others wait
	// here and then find it up.
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(state, "start.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	if e, err := Load(path); err == nil && e.Check(ctx) == nil {
		return e, nil
	}
	bin := filepath.Join(root, ".cache", "bin", "testenv")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/testenv")
	build.Dir = filepath.Join(root, "deploy", "testenv")
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the testenv command: %v\n%s", err, out)
	}
	up := exec.CommandContext(ctx, bin, "up", "-root", root)
	up.Stdout, up.Stderr = os.Stderr, os.Stderr
	if err := up.Run(); err != nil {
		return nil, fmt.Errorf("`testenv up` failed (%v); its output is above, server logs in %s",
			err, filepath.Join(root, ".cache", "testenv", "logs"))
	}
	e, err := Load(path)
	if err != nil {
		return nil, err
	}
	return e, e.Check(ctx)
}

// FindRoot returns the repository that holds dir: the nearest ancestor with
// deploy/testenv/testenv.mk.
func FindRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "deploy", "testenv", "testenv.mk")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no deploy/testenv/testenv.mk above " + dir + "; set " + FileVar)
		}
	}
}
