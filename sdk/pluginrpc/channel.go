package pluginrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/framedcall"
	"github.com/basalt-dev/basalt/sdk/internal/wire"
	"github.com/basalt-dev/basalt/sdk/tracing"
)

// The private channel is an unnamed unix socket pair between the host and one plugin process:
// the host keeps one end and hands the other to the child as an inherited file. The plugin
// serves the same gRPC services on it as on go-plugin's socket, and the host makes its calls
// there, without TLS. Mutual TLS on go-plugin's socket keeps other local processes from
// connecting to a socket that has a name in the file system; a socket pair has no name and no
// address, so only the two processes that hold its ends can use it, and TLS would protect
// nothing while costing most of a body's streaming time. go-plugin keeps its job: the
// handshake, version negotiation, logs and the process's lifecycle.

// ChannelEnv names the environment variable that tells a plugin which inherited file
// descriptor is its private channel.
const ChannelEnv = "BASALT_PLUGIN_CHANNEL_FD"

// CallsEnv names the environment variable that tells a plugin which inherited file
// descriptor is the second socket pair of its channel, for unary calls without HTTP/2
// (sdk/internal/framedcall). gRPC spends some 100 µs of processor time per end on a small
// call, mostly handing it between goroutines; the framed calls cost a fraction of that.
// Streams stay on gRPC, and so does every call of a host that traces, whose spans and trace
// propagation come from gRPC's stats handlers.
const CallsEnv = "BASALT_PLUGIN_CALLS_FD"

// channelGreeting is what a plugin writes on its channel before go-plugin's handshake, so
// that the host knows the plugin serves there: a plugin built with an older sdk leaves the
// inherited descriptor alone, and the host keeps go-plugin's connection. callsGreeting says
// that the plugin also serves framed calls; a plugin that greets with channelGreeting
// serves every call with gRPC.
const (
	channelGreeting = "basalt-channel/1\n"
	callsGreeting   = "basalt-channel/2\n"
)

// greetingWait bounds how long the host waits for the greeting once go-plugin's handshake is
// in. The plugin writes it before its handshake line, so it is already there unless the
// plugin does not serve the channel; the wait is only a margin.
const greetingWait = 200 * time.Millisecond

// Channel is the host's end of one plugin process's private channel.
type Channel struct {
	host, calls net.Conn
	children    []*os.File // the plugin's ends, until the plugin has started

	mu     sync.Mutex
	conn   *grpc.ClientConn   // nil until Dispense finds the plugin serving
	framed *framedcall.Client // nil unless the plugin serves framed calls and the host does not trace
	closed bool
}

// NewChannel creates the private channel of the plugin that cmd will start: it adds the
// plugin's end to cmd.ExtraFiles and names it in cmd.Env, after what cmd.Env holds (pluginhost
// puts the host's environment and the tracing variables there first, and tells go-plugin to
// skip adding the host's own). Call Dispense once the plugin has started, and Close when its
// process is gone.
func NewChannel(cmd *exec.Cmd) (*Channel, error) {
	host, child, err := socketPair()
	if err != nil {
		return nil, fmt.Errorf("the plugin's private channel: %w", err)
	}
	calls, callsChild, err := socketPair()
	if err != nil {
		host.Close()
		child.Close()
		return nil, fmt.Errorf("the plugin's private channel: %w", err)
	}
	// Descriptors 0 to 2 are stdin, stdout and stderr; the extra files follow.
	cmd.ExtraFiles = append(cmd.ExtraFiles, child, callsChild)
	cmd.Env = append(cmd.Env, ChannelEnv+"="+strconv.Itoa(1+len(cmd.ExtraFiles)),
		CallsEnv+"="+strconv.Itoa(2+len(cmd.ExtraFiles)))
	return &Channel{host: host, calls: calls, children: []*os.File{child, callsChild}}, nil
}

// ClientConfig is go-plugin's client configuration for the plugin cmd starts, as a host uses
// it: gRPC only, automatic mutual TLS, DialOptions. Hosts add their own start timeout,
// checksum and environment.
func ClientConfig(cmd *exec.Cmd, logger hclog.Logger) *plugin.ClientConfig {
	return &plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: ClientPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		GRPCDialOptions:  DialOptions(),
		Logger:           logger,
	}
}

// Dispense returns the client of kind over the private channel when the plugin serves it,
// and otherwise (also on a nil Channel) the one over go-plugin's connection rpc.
func (c *Channel) Dispense(rpc plugin.ClientProtocol, kind sdk.Kind) (sdk.Plugin, error) {
	var conn grpc.ClientConnInterface
	var err error
	if c != nil {
		conn, err = c.connect()
	}
	if err != nil {
		return nil, err
	}
	if conn == nil {
		raw, err := rpc.Dispense(string(kind))
		if err != nil {
			return nil, err
		}
		return raw.(sdk.Plugin), nil
	}
	return wire.NewClient(kind, conn), nil
}

// splitConn makes unary calls as framed calls and opens streams on gRPC.
type splitConn struct {
	*framedcall.Client
	streams *grpc.ClientConn
}

func (s splitConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return s.streams.NewStream(ctx, desc, method, opts...)
}

// Active reports whether calls go over the private channel.
func (c *Channel) Active() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}

// FramedCalls reports whether unary calls go as framed calls (see CallsEnv).
func (c *Channel) FramedCalls() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.framed != nil
}

// connect reads the plugin's greeting and opens the gRPC connection over the channel, and the
// framed calls' when the plugin serves them; it returns nil when the plugin did not greet.
func (c *Channel) connect() (grpc.ClientConnInterface, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("the plugin's private channel is closed")
	}
	if c.conn != nil {
		return c.calling(), nil
	}
	// The plugin has its own copies now: without closing ours, the host would never see the
	// channel end when the plugin dies.
	c.closeChildren()
	greeting := make([]byte, len(channelGreeting))
	c.host.SetReadDeadline(time.Now().Add(greetingWait))
	_, err := io.ReadFull(c.host, greeting)
	c.host.SetReadDeadline(time.Time{})
	framed := string(greeting) == callsGreeting
	if err != nil || (!framed && string(greeting) != channelGreeting) {
		return nil, nil // an older plugin: go-plugin's connection serves
	}
	conn, err := grpc.NewClient("passthrough:///basalt-plugin-channel", channelDialOptions(c.host)...)
	if err != nil {
		return nil, fmt.Errorf("the plugin's private channel: %w", err)
	}
	conn.Connect()
	c.conn = conn
	if framed && tracing.Active() == nil {
		c.framed = framedcall.NewClient(c.calls)
	}
	return c.calling(), nil
}

// calling is the connection the plugin's client calls on.
func (c *Channel) calling() grpc.ClientConnInterface {
	if c.framed == nil {
		return c.conn
	}
	return splitConn{Client: c.framed, streams: c.conn}
}

func (c *Channel) closeChildren() {
	for _, f := range c.children {
		f.Close()
	}
	c.children = nil
}

// Close closes the channel and its gRPC connection.
func (c *Channel) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.closeChildren()
	if c.conn != nil {
		c.conn.Close()
	}
	c.calls.Close() // the framed calls' client, if any, fails its calls in flight
	return c.host.Close()
}

// channelDialOptions are DialOptions for the one connection of a private channel.
func channelDialOptions(conn net.Conn) []grpc.DialOption {
	var once sync.Once
	dial := func(context.Context, string) (net.Conn, error) {
		var got net.Conn
		once.Do(func() { got = conn })
		if got == nil {
			// A socket pair cannot be dialled again: once it broke, the plugin is gone and
			// calls fail as unavailable until the host starts a new process.
			return nil, errors.New("the plugin's private channel is closed")
		}
		return got, nil
	}
	return append(DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), // see the top of this file
		grpc.WithContextDialer(dial),
		grpc.WithIdleTimeout(0)) // going idle would close the only connection there is
}

// serveChannel serves impl as kind on the private channel the host passed, if it passed one.
// Failing that, the plugin still serves on go-plugin's socket.
func serveChannel(kind sdk.Kind, impl sdk.Plugin) {
	calls, _ := inheritedConn(CallsEnv) // a host older than framed calls passes none
	conn, err := inheritedConn(ChannelEnv)
	if conn == nil {
		if calls != nil {
			calls.Close()
		}
		if err != nil {
			Logger().Warn("no private channel", "error", err.Error())
		}
		return
	}
	greeting := channelGreeting
	if calls != nil {
		greeting = callsGreeting
	}
	if _, err := io.WriteString(conn, greeting); err != nil {
		Logger().Warn("no private channel", "error", err.Error())
		return
	}
	server := grpc.NewServer(serverOptions(nil)...)
	wire.Register(server, kind, impl)
	go server.Serve(&connListener{conn: conn, done: make(chan struct{})})
	if calls != nil {
		framed := framedcall.NewServer()
		wire.Register(framed, kind, impl)
		go framed.Serve(calls)
	}
}

// inheritedConn returns the connection on the inherited file descriptor the environment
// variable env names, nil if it names none.
func inheritedConn(env string) (net.Conn, error) {
	value := os.Getenv(env)
	if value == "" {
		return nil, nil
	}
	os.Unsetenv(env) // not for the plugin's own child processes
	fd, err := strconv.Atoi(value)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s is not a file descriptor", env)
	}
	file := os.NewFile(uintptr(fd), "basalt-plugin-channel")
	defer file.Close()
	return net.FileConn(file) // a close-on-exec copy
}

// connListener is a net.Listener that accepts one connection it already has.
type connListener struct {
	conn     net.Conn
	accepted bool
	done     chan struct{}
	once     sync.Once
}

func (l *connListener) Accept() (net.Conn, error) {
	if !l.accepted {
		l.accepted = true
		return l.conn, nil
	}
	<-l.done // the server's own goroutine: there is no second connection to wait for
	return nil, net.ErrClosed
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.conn.LocalAddr() }
