package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// Relay forwards TCP connections, for each "listen=target" pair, until ctx ends: pods reach
// the host's servers, which listen on the loopback only, at the pod network bridge's address.
func Relay(ctx context.Context, pairs []string) error {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	errs := make(chan error, len(pairs))
	for _, pair := range pairs {
		listen, target, ok := strings.Cut(pair, "=")
		if !ok {
			return fmt.Errorf("relay %q: want listen=target", pair)
		}
		l, err := net.Listen("tcp", listen)
		if err != nil {
			return err
		}
		listeners = append(listeners, l)
		go func() { errs <- relayAll(l, target) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errs:
		return err
	}
}

func relayAll(l net.Listener, target string) error {
	for {
		in, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		go relayOne(in, target)
	}
}

func relayOne(in net.Conn, target string) {
	defer in.Close()
	out, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer out.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite() // pass the end of one direction on, keep the other open
		}
	}
	go pipe(out, in)
	go pipe(in, out)
	wg.Wait()
}
