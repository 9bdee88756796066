// Command testenv builds, starts and stops Basalt's local test environment.
//
//	testenv build [part…]  build the missing components into .cache/bin
//	testenv up             build, start, configure; write .cache/testenv/env
//	                       (-detach: in the background, for make run; -local-user: its S3 store)
//	testenv down           stop every process that up started
//	testenv env            print the env file (eval-able by a shell)
//	testenv status         check that every server answers
//	testenv login-ui       the login and consent app (started by up)
//	testenv placement      the webhook placing pods on the real node (started by up)
//	testenv relay          lets pods reach MinIO and Vault (started by up)
//	testenv volumes        the provisioner of the default StorageClass (started by up)
//
// -state puts a second environment's files elsewhere than .cache/testenv:
// `make run` keeps its sandbox cluster (-only kube) in .cache/sandbox, so that
// it and the test suite's environment never stop each other.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/deploy/testenv/internal/stack"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testenv build|up|down|env|status|login-ui [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet("testenv "+cmd, flag.ExitOnError)
	root := fs.String("root", "", "the repository (default: found from the working directory)")
	redirects := fs.String("portal-redirect", os.Getenv("BASALT_PORTAL_REDIRECT_URLS"),
		"comma-separated redirect URLs of the portal's OIDC clients")
	listen := fs.String("listen", "127.0.0.1:0", "login-ui: address to listen on")
	admin := fs.String("admin", "", "login-ui: Hydra's admin URL")
	only := fs.String("only", "", "up: start only these parts (kube,node,prometheus,oidc,s3,vault,registry,mail)")
	realWorkloads := fs.String("real-workloads", stack.RealWorkloadsLabelled,
		"up: whose pods may run on the real node: labelled (namespaces labelled "+stack.RealWorkloadsLabel+"=true) or everywhere")
	registry := fs.String("registry", "", "placement: the sandbox registry (host:port)")
	cert := fs.String("cert", "", "placement: serving certificate")
	key := fs.String("key", "", "placement: serving key")
	pairs := fs.String("pairs", "", "relay: comma-separated listen=target address pairs")
	server := fs.String("server", "", "volumes: the API server's URL (its token in $BASALT_TESTENV_KUBE_TOKEN)")
	ca := fs.String("ca", "", "volumes: the API server's CA")
	dir := fs.String("dir", "", "volumes: where the volumes' directories are made")
	state := fs.String("state", "", "the state directory: env file, kubeconfig, logs (default: .cache/testenv under the root)")
	localUser := fs.String("local-user", "", "up: make MinIO the store of this system user (make run's): their bucket and keys, kept in <state>/store")
	detach := fs.Bool("detach", false, "up: go on in the background, output in <state>/up.log, once the local store is settled")
	settledFD := fs.Int("settled-fd", 0, "up: a descriptor on which to say when the local store is settled (for -detach)")
	_ = fs.Parse(args)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "login-ui":
		exit(serveLoginUI(ctx, *listen, *admin))
	case "placement":
		exit(servePlacement(ctx, *listen, *registry, *cert, *key))
	case "relay":
		exit(stack.Relay(ctx, strings.Split(*pairs, ",")))
	case "volumes":
		exit(stack.Volumes(ctx, *server, *ca, os.Getenv("BASALT_TESTENV_KUBE_TOKEN"), *dir))
	}
	l, err := layout(*root, *state)
	if err != nil {
		exit(err)
	}
	switch cmd {
	case "build":
		_, err = stack.Build(ctx, l, os.Stdout, fs.Args()...)
	case "up":
		var urls []string
		if *redirects != "" {
			urls = strings.Split(*redirects, ",")
		}
		opts := stack.Options{PortalRedirectURLs: urls, Out: os.Stdout, RealWorkloads: *realWorkloads}
		if *only != "" {
			opts.Only = strings.Split(*only, ",")
		}
		if *detach {
			err = upInBackground(l, args)
			break
		}
		err = up(ctx, l, opts, *localUser, settledNotice(*settledFD))
	case "down":
		err = down(l)
	case "env":
		var data []byte
		if data, err = os.ReadFile(l.EnvFile()); err == nil {
			os.Stdout.Write(data)
		}
	case "status":
		var e *testenv.Env
		if e, err = testenv.Load(l.EnvFile()); err == nil {
			err = e.Check(ctx)
		}
		if err == nil {
			fmt.Println("testenv: every server answers")
		}
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	exit(err)
}

// up starts the environment, saying what it does in the progress file; settled hears once
// the local store, if any, is settled (make run configures Basalt from it).
func up(ctx context.Context, l stack.Layout, opts stack.Options, localUser string, settled *settledNote) error {
	defer settled.close()
	unlock, err := lock(l)
	if err != nil {
		return err
	}
	defer unlock()
	forget, err := stack.RecordUp(l)
	if err != nil {
		return err
	}
	defer forget()
	progress := stack.NewProgress(l, os.Stdout)
	opts.Out = progress
	err = upLocked(ctx, l, opts, localUser, settled)
	if err != nil {
		progress.Failed(err, settled.log(l))
		return err
	}
	return progress.Done()
}

func upLocked(ctx context.Context, l stack.Layout, opts stack.Options, localUser string, settled *settledNote) error {
	out := opts.Out
	if e, err := testenv.Load(l.EnvFile()); err == nil {
		switch {
		case e.Setup != stack.SetupVersion:
			fmt.Fprintln(out, "testenv: the running environment was set up by an older testenv; restarting it")
		case e.Check(ctx) != nil:
			fmt.Fprintln(out, "testenv: a previous environment does not answer; stopping it")
		case localUser == "":
			settled.done()
			fmt.Fprintf(out, "testenv: already up; env file %s\n", l.EnvFile())
			return nil
		default:
			store, err := stack.SettleLocalStore(l, localUser, false)
			if err != nil {
				return err
			}
			if e.S3Endpoint != store.Endpoint() {
				fmt.Fprintln(out, "testenv: the running environment does not serve the local store; restarting it")
				break
			}
			if err := stack.ProvisionLocalStore(ctx, e, store); err != nil {
				return err
			}
			settled.done()
			fmt.Fprintf(out, "testenv: already up; env file %s\n", l.EnvFile())
			return nil
		}
	}
	if err := stack.Stop(l, out); err != nil {
		return err
	}
	if localUser != "" {
		// Nothing of the environment runs: a port taken since the last up may move.
		store, err := stack.SettleLocalStore(l, localUser, true)
		if err != nil {
			return err
		}
		opts.LocalStore = &store
	}
	settled.done()
	bins, err := stack.Build(ctx, l, out, stack.BuildFirst(opts.Only)...)
	if err != nil {
		return err
	}
	_, err = stack.Up(ctx, l, bins, opts)
	if err != nil {
		// Leave nothing half-started behind.
		if rmErr := os.Remove(l.EnvFile()); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
		return errors.Join(err, stack.Stop(l, out))
	}
	return nil
}

func down(l stack.Layout) error {
	// An up still building or starting (make run's, in the background) stops first; the lock
	// is taken once it has stopped what it had started.
	if err := stack.StopUp(l, os.Stdout); err != nil {
		return err
	}
	unlock, err := lock(l)
	if err != nil {
		return err
	}
	defer unlock()
	if err := stack.Stop(l, os.Stdout); err != nil {
		return err
	}
	if err := os.Remove(l.EnvFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := stack.RemoveProgress(l); err != nil {
		return err
	}
	fmt.Println("testenv: down")
	return stack.RemoveData(l)
}

// lock serialises up and down between concurrent callers (parallel test
// packages, a developer's shell).
func lock(l stack.Layout) (func(), error) {
	if err := os.MkdirAll(l.State, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(l.State, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func layout(root, state string) (stack.Layout, error) {
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return stack.Layout{}, err
		}
		if root, err = testenv.FindRoot(wd); err != nil {
			return stack.Layout{}, err
		}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return stack.Layout{}, err
	}
	l := stack.NewLayout(root)
	if state != "" {
		if l.State, err = filepath.Abs(state); err != nil {
			return stack.Layout{}, err
		}
	}
	return l, nil
}

func serveLoginUI(ctx context.Context, listen, admin string) error {
	if admin == "" {
		return errors.New("login-ui: -admin is required")
	}
	return serve(ctx, &http.Server{Addr: listen, Handler: stack.LoginUI(admin), ReadHeaderTimeout: 10 * time.Second}, "", "")
}

func servePlacement(ctx context.Context, listen, registry, cert, key string) error {
	if registry == "" || cert == "" || key == "" {
		return errors.New("placement: -registry, -cert and -key are required")
	}
	return serve(ctx, &http.Server{Addr: listen, Handler: stack.Placement(registry), ReadHeaderTimeout: 10 * time.Second}, cert, key)
}

// serve runs srv until ctx ends, over TLS when cert is set.
func serve(ctx context.Context, srv *http.Server, cert, key string) error {
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	var err error
	if cert != "" {
		err = srv.ListenAndServeTLS(cert, key)
	} else {
		err = srv.ListenAndServe()
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
