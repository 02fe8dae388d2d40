// Package runlog builds dast's structured logger (zap) and reports progress of long loops.
package runlog

import (
	"context"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"
)

// Log formats accepted by New.
const (
	FormatConsole = "console" // human-readable lines, coloured on a terminal
	FormatJSON    = "json"    // one JSON object per line
)

// New returns a logger writing to w in format (FormatConsole or FormatJSON) at level (debug,
// info, warn or error).
func New(w io.Writer, format, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	var enc zapcore.Encoder
	switch format {
	case FormatConsole:
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout("2006-01-02 15:04:05")
		cfg.EncodeLevel = zapcore.CapitalLevelEncoder
		if isTerminal(w) {
			cfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		}
		cfg.CallerKey, cfg.StacktraceKey, cfg.NameKey = "", "", ""
		enc = zapcore.NewConsoleEncoder(cfg)
	case FormatJSON:
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		cfg.CallerKey, cfg.StacktraceKey = "", ""
		enc = zapcore.NewJSONEncoder(cfg)
	default:
		return nil, fmt.Errorf("log format %q: want %s or %s", format, FormatConsole, FormatJSON)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)), nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type ctxKey struct{}

// WithLogger returns a context carrying log.
func WithLogger(ctx context.Context, log *zap.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, log)
}

// FromContext returns the logger stored by WithLogger, or a no-op logger.
func FromContext(ctx context.Context) *zap.Logger {
	if ctx != nil {
		if log, ok := ctx.Value(ctxKey{}).(*zap.Logger); ok && log != nil {
			return log
		}
	}
	return zap.NewNop()
}
