//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// heldByAnother reports whether another process holds name locked, the way the localsecrets
// plugin locks its store (flock).
func heldByAnother(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
