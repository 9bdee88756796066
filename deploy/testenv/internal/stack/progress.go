package stack

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ProgressFile is where an up in progress says what it is doing, one line: Basalt's region
// shows it while the sandbox is built (plugins/kubernetes, startup.progressFile).
func (l Layout) ProgressFile() string { return filepath.Join(l.State, "progress") }

// Progress passes up's output on to out and keeps its last line in the progress file.
type Progress struct {
	out io.Writer
	l   Layout

	mu      sync.Mutex
	pending []byte // the start of a line not yet ended
}

// NewProgress returns the progress of an up in l writing its lines to out.
func NewProgress(l Layout, out io.Writer) *Progress {
	return &Progress{out: out, l: l}
}

func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, b...)
	if i := bytes.LastIndexByte(p.pending, '\n'); i >= 0 {
		lines := strings.Split(string(p.pending[:i]), "\n")
		p.pending = append(p.pending[:0], p.pending[i+1:]...)
		if step := progressStep(lines[len(lines)-1]); step != "" {
			_ = writeFileAtomic(p.l.ProgressFile(), []byte(step+"\n"))
		}
	}
	return p.out.Write(b)
}

// Failed records why the up stopped, as a line the region shows (failed: ...), naming the
// log that tells the rest when there is one.
func (p *Progress) Failed(err error, log string) {
	// The first line: errors that quote a log end it with a colon.
	line, _, _ := strings.Cut(err.Error(), "\n")
	line = failedPrefix + " " + strings.TrimSuffix(progressStep(line), ":")
	if log != "" {
		line += "; see " + log
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = writeFileAtomic(p.l.ProgressFile(), []byte(line+"\n"))
}

// Done removes the progress file: the env file says from now on that the environment is up.
func (p *Progress) Done() error { return RemoveProgress(p.l) }

// RemoveProgress removes the progress file of l, if any.
func RemoveProgress(l Layout) error {
	if err := os.Remove(l.ProgressFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// failedPrefix begins the progress line of an up that stopped.
const failedPrefix = "failed:"

// progressStep is an output line as a step: without the command's name, and with its
// columns' padding collapsed.
func progressStep(line string) string {
	return strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "testenv:")), " ")
}
