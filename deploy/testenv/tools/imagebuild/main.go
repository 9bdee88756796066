// Command imagebuild makes the sandbox's container images and runs inside one
// of them:
//
//	imagebuild image -rootfs R.tar -out DIR [-entrypoint JSON] [-cmd JSON] [-env K=V]... [-user U] [-workdir W] [-port 8888/tcp]... [-stop-signal S]
//	imagebuild pause-image -out DIR
//	imagebuild push -layout DIR -ref HOST:PORT/REPO:TAG [-ref ...]
//	imagebuild pause
//
// image writes an OCI image layout (linux/amd64) whose one layer is a root file
// system tar such as mmdebstrap's; pause-image writes one whose only file is
// this binary at /pause, started as "pause" (argv[0]) or "imagebuild pause": the
// process that holds a pod's namespaces. push copies a layout's image to a
// registry over plain HTTP.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	if filepath.Base(os.Args[0]) == "pause" {
		os.Exit(pause())
	}
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "image":
		err = imageCommand(args)
	case "pause-image":
		err = pauseImageCommand(args)
	case "push":
		err = pushCommand(ctx, args)
	case "pause":
		stop()
		os.Exit(pause())
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "imagebuild %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: imagebuild image|pause-image|push|pause [flags]")
	os.Exit(2)
}
