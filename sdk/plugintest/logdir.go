package plugintest

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// keepLog adds to logger a copy of everything the plugin logs, at any level, in the run's log
// directory when there is one (logscan.DirEnv), for the scan of make test.
func keepLog(tb testing.TB, bin string, logger hclog.Logger) hclog.Logger {
	w := logscan.Create(tb, "plugin-"+strings.TrimLeft(filepath.Base(bin), "_"))
	if w == nil {
		return logger
	}
	// The intercept logger itself writes nowhere but must accept every level: go-plugin skips
	// a plugin's lines when its logger is off.
	both := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "plugin", Output: io.Discard, Level: hclog.Trace})
	both.RegisterSink(hclog.NewSinkAdapter(&hclog.LoggerOptions{Name: "plugin", Output: w, Level: hclog.Trace}))
	both.RegisterSink(loggerSink{logger})
	return both
}

// loggerSink passes what an intercept logger accepts on to another logger, at its own level.
type loggerSink struct{ hclog.Logger }

func (s loggerSink) Accept(name string, level hclog.Level, msg string, args ...any) {
	s.Logger.ResetNamed(name).Log(level, msg, args...)
}
