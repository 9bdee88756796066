package pluginhost

import (
	"os"
	"testing"

	"github.com/basalt-dev/basalt/sdk/plugintest"
)

func TestMain(m *testing.M) {
	os.Exit(plugintest.Run(m))
}
