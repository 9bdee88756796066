package pluginhost

import (
	"context"
	"io"
	"log"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// slogAdapter lets go-plugin, which logs through hclog, write into the core's slog logger:
// the plugin's own JSON log lines arrive here with their level and attributes.
type slogAdapter struct {
	log  *slog.Logger
	name string
	args []any
}

func newHCLogAdapter(l *slog.Logger) hclog.Logger { return &slogAdapter{log: l} }

func (a *slogAdapter) Log(level hclog.Level, msg string, args ...any) {
	a.log.Log(context.Background(), toSlogLevel(level), msg, append(append([]any{}, a.args...), args...)...)
}

func toSlogLevel(l hclog.Level) slog.Level {
	switch {
	case l <= hclog.Debug:
		return slog.LevelDebug
	case l == hclog.Info:
		return slog.LevelInfo
	case l == hclog.Warn:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

func (a *slogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a *slogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a *slogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a *slogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a *slogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }

func (a *slogAdapter) enabled(l slog.Level) bool { return a.log.Enabled(context.Background(), l) }
func (a *slogAdapter) IsTrace() bool             { return false }
func (a *slogAdapter) IsDebug() bool             { return a.enabled(slog.LevelDebug) }
func (a *slogAdapter) IsInfo() bool              { return a.enabled(slog.LevelInfo) }
func (a *slogAdapter) IsWarn() bool              { return a.enabled(slog.LevelWarn) }
func (a *slogAdapter) IsError() bool             { return a.enabled(slog.LevelError) }
func (a *slogAdapter) ImpliedArgs() []any        { return a.args }

func (a *slogAdapter) With(args ...any) hclog.Logger {
	return &slogAdapter{log: a.log, name: a.name, args: append(append([]any{}, a.args...), args...)}
}

func (a *slogAdapter) Name() string { return a.name }

func (a *slogAdapter) Named(name string) hclog.Logger {
	if a.name != "" {
		name = a.name + "." + name
	}
	return a.ResetNamed(name)
}

func (a *slogAdapter) ResetNamed(name string) hclog.Logger {
	return &slogAdapter{log: a.log, name: name, args: a.args}
}

// The level is the slog handler's business.
func (a *slogAdapter) SetLevel(hclog.Level) {}
func (a *slogAdapter) GetLevel() hclog.Level {
	switch {
	case a.IsDebug():
		return hclog.Debug
	case a.IsInfo():
		return hclog.Info
	case a.IsWarn():
		return hclog.Warn
	}
	return hclog.Error
}

func (a *slogAdapter) StandardLogger(*hclog.StandardLoggerOptions) *log.Logger {
	return slog.NewLogLogger(a.log.Handler(), slog.LevelInfo)
}

func (a *slogAdapter) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return a.StandardLogger(nil).Writer()
}

var _ hclog.Logger = (*slogAdapter)(nil)
