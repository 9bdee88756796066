// Package cputime reads the processor time of processes, so that benchmarks can report what
// work costs apart from how busy the machine is with other work. Linux only (getrusage and
// /proc); elsewhere it returns errors and benchmarks skip the measure.
package cputime

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on every Linux port).
const clockTick = 10 * time.Millisecond

// Of returns the processor time, user and system, that process pid has used so far; pid 0 is
// the calling process.
func Of(pid int) (time.Duration, error) {
	if pid == 0 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0, err
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: count fields after it, where
	// utime and stime are the 12th and 13th.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the command", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// Meter measures the processor time several processes spend from Start to Spent.
type Meter struct {
	pids  []int
	start []time.Duration
}

// Start begins measuring processes pids (0 is the calling process).
func Start(pids ...int) (*Meter, error) {
	m := &Meter{pids: pids}
	for _, pid := range pids {
		t, err := Of(pid)
		if err != nil {
			return nil, err
		}
		m.start = append(m.start, t)
	}
	return m, nil
}

// Spent returns, in the order of Start's pids, the processor time each process has used
// since Start.
func (m *Meter) Spent() ([]time.Duration, error) {
	spent := make([]time.Duration, len(m.pids))
	for i, pid := range m.pids {
		t, err := Of(pid)
		if err != nil {
			return nil, err
		}
		spent[i] = t - m.start[i]
	}
	return spent, nil
}
