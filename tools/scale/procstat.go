package scale

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the kernel's USER_HZ, in which /proc/<pid>/stat counts processor time; it is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// residentMB is a process's resident memory, from /proc.
func residentMB(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// procStat is what /proc/<pid>/stat says of a process: its parent and processor time.
type procStat struct {
	ppid int
	cpu  time.Duration // user and system
}

func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command's name, in parentheses, may hold spaces: fields are counted after it.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(data[end+1:]))
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return procStat{ppid: ppid, cpu: time.Duration(utime+stime) * time.Second / clockTicks}, nil
}

// cpuTime is the processor time a process has used so far.
func cpuTime(pid int) (time.Duration, error) {
	s, err := readStat(pid)
	return s.cpu, err
}

// children maps the name of each child process of pid to its id.
func children(pid int) map[string]int {
	out := map[string]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := readStat(child); err == nil && s.ppid == pid {
			if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", child)); err == nil {
				out[filepath.Base(exe)] = child
			}
		}
	}
	return out
}

// pidFile reads the process id a sandbox keeps for one of its servers (testenv's run/<name>.pid).
func pidFile(stateDir, name string) (int, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, "run", name+".pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}
