package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Layout is where the environment keeps its files.
type Layout struct {
	Root  string // the repository
	State string // Root/.cache/testenv: env file, kubeconfig, logs, pids, data
}

// NewLayout returns the layout of the repository at root.
func NewLayout(root string) Layout {
	return Layout{Root: root, State: filepath.Join(root, ".cache", "testenv")}
}

func (l Layout) EnvFile() string         { return filepath.Join(l.State, "env") }
func (l Layout) pidDir() string          { return filepath.Join(l.State, "run") }
func (l Layout) logDir() string          { return filepath.Join(l.State, "logs") }
func (l Layout) dataDir(n string) string { return filepath.Join(l.State, "data", n) }

// process is a server started by up. It runs in its own session so that it
// outlives `testenv up` and so that down can signal its whole process group.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when it exits while up still runs
	err  error
}

func (l Layout) start(name, bin string, args, env []string) (*process, error) {
	for _, d := range []string{l.pidDir(), l.logDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(l.logDir(), name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = l.State
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	pidFile := filepath.Join(l.pidDir(), name+".pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return nil, err
	}
	return p, nil
}

// failed returns why p exited, with the end of its log, or nil if it runs.
func (p *process) failed() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited (%v); end of %s:\n%s", p.name, p.err, p.log, tail(p.log, 25))
	default:
		return nil
	}
}

// waitFor polls ready until it succeeds, p exits, or the timeout passes.
func (p *process) waitFor(ctx context.Context, timeout time.Duration, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		if ferr := p.failed(); ferr != nil {
			return ferr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %v; end of %s:\n%s", p.name, timeout, err, p.log, tail(p.log, 25))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends every process that up started, newest first: SIGTERM to its
// process group, then SIGKILL after a grace period. It only signals a pid
// whose command line is still one of ours, in case the pid was reused.
func Stop(l Layout, out io.Writer) error {
	entries, err := os.ReadDir(l.pidDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	type victim struct {
		name string
		pid  int
		file string
		mod  time.Time
	}
	var victims []victim
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".pid") {
			continue
		}
		file := filepath.Join(l.pidDir(), e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		info, _ := e.Info()
		if err != nil || pid <= 1 || info == nil {
			_ = os.Remove(file)
			continue
		}
		victims = append(victims, victim{strings.TrimSuffix(e.Name(), ".pid"), pid, file, info.ModTime()})
	}
	sort.Slice(victims, func(i, j int) bool { return victims[i].mod.After(victims[j].mod) })
	var errs []error
	for _, v := range victims {
		if ours(l, v.pid) {
			if err := terminate(v.pid); err != nil {
				errs = append(errs, fmt.Errorf("%s (pid %d): %w", v.name, v.pid, err))
				continue
			}
			fmt.Fprintf(out, "testenv: stopped %s (pid %d)\n", v.name, v.pid)
		}
		_ = os.Remove(v.file)
	}
	if err := stopNode(l, out); err != nil {
		errs = append(errs, fmt.Errorf("real node: %w", err))
	}
	return errors.Join(errs...)
}

// ours reports whether pid runs a binary of the cache or the testenv command.
func ours(l Layout, pid int) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	for _, s := range []string{argv0, exe} {
		if strings.HasPrefix(s, filepath.Join(l.Root, ".cache")) || filepath.Base(s) == "testenv" {
			return true
		}
	}
	return false
}

func terminate(pid int) error {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	time.Sleep(200 * time.Millisecond)
	if alive(pid) {
		return errors.New("still running after SIGKILL")
	}
	return nil
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// freePorts reserves n distinct ports on 127.0.0.1. The listeners are closed
// just before use, so another program could take one in between; up retries
// nothing, but the window is a few milliseconds.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// freePortPair finds a port p such that p and p+1 are both free, for Vault's
// dev mode, which puts its cluster listener on the next port.
func freePortPair() (int, error) {
	for range 50 {
		ps, err := freePorts(1)
		if err != nil {
			return 0, err
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ps[0]+1))
		if err == nil {
			l.Close()
			return ps[0], nil
		}
	}
	return 0, errors.New("no two consecutive free ports on 127.0.0.1")
}
