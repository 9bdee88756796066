package main

import (
	"os"
	"os/signal"
	"syscall"
)

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// pause holds a pod's namespaces until it is told to stop. As the sandbox's
// PID 1 it also reaps the zombies that containers sharing its PID namespace
// leave behind; elsewhere it asks to adopt orphans all the same.
func pause() int {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	if os.Getpid() != 1 {
		_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	}
	for s := range signals {
		if s != syscall.SIGCHLD {
			return 0
		}
		reapChildren()
	}
	return 0
}

// reapChildren collects every exited child; several SIGCHLDs may have merged
// into the one received.
func reapChildren() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
