//go:build !unix

package pluginrpc

import (
	"errors"
	"net"
	"os"
)

// socketPair has no unnamed sockets to offer here: NewChannel fails and the host keeps
// go-plugin's connection.
func socketPair() (net.Conn, *os.File, error) {
	return nil, nil, errors.New("no socket pairs on this system")
}
