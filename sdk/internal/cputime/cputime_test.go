package cputime

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestMeterSeesWork checks that the meter sees this process and a child burn the processor,
// and an idle child not.
func TestMeterSeesWork(t *testing.T) {
	busy := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 5")
	idle := exec.Command("sleep", "5")
	for _, c := range []*exec.Cmd{busy, idle} {
		if err := c.Start(); err != nil {
			t.Skipf("no child process: %v", err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
	m, err := Start(0, busy.Process.Pid, idle.Process.Pid)
	if err != nil {
		t.Skipf("no processor times here: %v", err)
	}
	// On a busy machine a spin gets little of the processor: wait for the times to show up,
	// spinning, rather than for a wall-clock delay.
	deadline := time.Now().Add(30 * time.Second)
	for {
		spent, err := m.Spent()
		if err != nil {
			t.Fatal(err)
		}
		if spent[0] >= 50*time.Millisecond && spent[1] >= 2*clockTick {
			if spent[2] > clockTick {
				t.Errorf("the idle child used %v", spent[2])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s of spinning: this process used %v, the busy child %v", spent[0], spent[1])
		}
	}
}

func TestOfUnknownProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := Of(1 << 30); err == nil {
		t.Error("a process that does not exist has a processor time")
	}
}
