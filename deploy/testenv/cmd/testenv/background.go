package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/basalt-dev/basalt/deploy/testenv/internal/stack"
)

// upInBackground starts `testenv up` with args, without -detach, in a session of its own (it
// outlives make run's Ctrl-C; down stops it) with its output in up.log, and returns once that
// up has settled the local store or found the environment up: make run then configures and
// starts Basalt while the rest is built and started. It returns an error with the end of the
// log when that up stops before.
func upInBackground(l stack.Layout, args []string) error {
	if pid := stack.RunningUp(l); pid != 0 {
		fmt.Printf("testenv: an up of %s runs already (pid %d); progress in %s\n", l.State, pid, l.ProgressFile())
		return nil
	}
	if err := os.MkdirAll(l.State, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.Create(l.UpLog())
	if err != nil {
		return err
	}
	defer logf.Close()
	settled, note, err := os.Pipe()
	if err != nil {
		return err
	}
	defer settled.Close()
	// A flag given twice takes its last value; the child's note is its descriptor 3.
	cmd := exec.Command(self, append(append([]string{"up"}, args...), "-detach=false", "-settled-fd=3")...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{note}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	note.Close()
	if err != nil {
		return err
	}
	line, _ := bufio.NewReader(settled).ReadString('\n')
	if strings.TrimSpace(line) != settledLine {
		waitErr := cmd.Wait()
		data, _ := os.ReadFile(l.UpLog())
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		return fmt.Errorf("up stopped (%v); end of %s:\n%s", waitErr, l.UpLog(), strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
	fmt.Printf("testenv: up goes on in the background (pid %d); progress in %s, output in %s\n", cmd.Process.Pid, l.ProgressFile(), l.UpLog())
	return cmd.Process.Release()
}

// settledLine is what an up started by upInBackground writes on its note once settled.
const settledLine = "settled"

// settledNote is the pipe through which an up tells the up -detach that started it that the
// local store is settled; nil for an up no one waits for.
type settledNote struct{ f *os.File }

func settledNotice(fd int) *settledNote {
	if fd == 0 {
		return nil
	}
	return &settledNote{f: os.NewFile(uintptr(fd), "settled")}
}

// done says the local store is settled.
func (n *settledNote) done() {
	if n != nil && n.f != nil {
		fmt.Fprintln(n.f, settledLine)
		n.close()
	}
}

// close ends the note; when done was not called, the waiting up -detach reports a failure.
func (n *settledNote) close() {
	if n != nil && n.f != nil {
		n.f.Close()
		n.f = nil
	}
}

// log is where this up's output goes when it runs in the background, "" otherwise.
func (n *settledNote) log(l stack.Layout) string {
	if n == nil {
		return ""
	}
	return l.UpLog()
}
