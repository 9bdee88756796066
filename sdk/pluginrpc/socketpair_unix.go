//go:build unix

package pluginrpc

import (
	"net"
	"os"
	"syscall"
)

// socketPair returns the two ends of an unnamed unix stream socket pair: the host's as a
// connection, the child's as a file for exec.Cmd.ExtraFiles. Both are close-on-exec, so that
// no other child started meanwhile inherits them (ExtraFiles clears the flag for its child).
func socketPair() (host net.Conn, child *os.File, err error) {
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	hostFile := os.NewFile(uintptr(fds[0]), "basalt-plugin-channel")
	host, err = net.FileConn(hostFile)
	hostFile.Close()
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	return host, os.NewFile(uintptr(fds[1]), "basalt-plugin-channel"), nil
}
