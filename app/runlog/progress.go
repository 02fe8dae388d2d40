package runlog

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Progress reports the progress of a loop of known (or, with total <= 0, unknown) length: a
// progress bar with rate and ETA when stderr is a terminal, periodic log lines otherwise.
// Its methods are safe for concurrent use.
type Progress struct {
	mu     sync.Mutex
	what   string
	total  int
	log    *zap.Logger
	bar    *progressbar.ProgressBar // nil when logging lines
	now    func() time.Time
	every  time.Duration // log at least this often ...
	step   int           // ... or every step items
	start  time.Time
	done   int
	last   time.Time // time of the last log line
	lastN  int       // done at the last log line
	fields []zap.Field
	closed bool
}

// Log-line cadence when stderr is not a terminal.
const (
	logInterval = 10 * time.Second
	logSteps    = 10 // also log every total/logSteps items
)

// NewProgress starts reporting progress over total items (iterations, images) described by
// what ("train", "eval"). Log lines go to log (nil: none).
func NewProgress(total int, what string, log *zap.Logger) *Progress {
	return newProgress(total, what, log, os.Stderr, isTerminal(os.Stderr), time.Now, logInterval)
}

func newProgress(total int, what string, log *zap.Logger, out io.Writer, terminal bool, now func() time.Time, every time.Duration) *Progress {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Progress{what: what, total: total, log: log, now: now, every: every}
	p.start = now()
	p.last = p.start
	if total > 0 {
		p.step = max(1, total/logSteps)
	}
	if terminal {
		max := total
		if max <= 0 {
			max = -1
		}
		p.bar = progressbar.NewOptions(max,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
		)
	}
	return p
}

// Add records n more items done. fields (a loss, say) replace the previous ones and are shown
// on the bar and in log lines.
func (p *Progress) Add(n int, fields ...zap.Field) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.done += n
	if len(fields) > 0 {
		p.fields = append(p.fields[:0], fields...)
	}
	if p.bar != nil {
		if len(fields) > 0 {
			p.bar.Describe(p.what + " " + formatFields(p.fields))
		}
		_ = p.bar.Add(n)
		return
	}
	now := p.now()
	if now.Sub(p.last) >= p.every || p.step > 0 && p.done-p.lastN >= p.step {
		p.logLine("progress", now)
	}
}

// Close ends the report with a final line (or a finished bar). Later calls do nothing.
func (p *Progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	p.logLine("finished", p.now())
}

// logLine logs the progress so far.
func (p *Progress) logLine(msg string, now time.Time) {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.done) / s
	}
	fs := []zap.Field{zap.String("what", p.what), zap.Int("done", p.done)}
	if p.total > 0 {
		fs = append(fs, zap.Int("total", p.total),
			zap.Float64("percent", math.Round(1000*float64(p.done)/float64(p.total))/10))
	}
	fs = append(fs, zap.Float64("it_per_s", math.Round(rate*100)/100),
		zap.Duration("elapsed", elapsed.Round(time.Second)))
	if p.total > 0 && rate > 0 && p.done < p.total && msg != "finished" {
		eta := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		fs = append(fs, zap.Duration("eta", eta.Round(time.Second)))
	}
	p.log.Info(msg, append(fs, p.fields...)...)
	p.last, p.lastN = now, p.done
}

// formatFields renders zap fields as "k=v k=v", sorted by key.
func formatFields(fields []zap.Field) string {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := enc.Fields[k]
		switch f := v.(type) {
		case float64:
			v = fmt.Sprintf("%.4g", f)
		case float32:
			v = fmt.Sprintf("%.4g", f)
		}
		parts[i] = fmt.Sprintf("%s=%v", k, v)
	}
	return strings.Join(parts, " ")
}
