package runlog

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func TestNew(t *testing.T) {
	tests := []struct {
		format, level string
		wantErr       string
		check         func(t *testing.T, out string)
	}{
		{"console", "info", "", func(t *testing.T, out string) {
			if !strings.Contains(out, "INFO\thello\t{\"k\": 3}") || strings.Contains(out, "DEBUG") {
				t.Errorf("console output %q", out)
			}
		}},
		{"json", "debug", "", func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("got %d lines, want 2: %q", len(lines), out)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
				t.Fatal(err)
			}
			if m["msg"] != "hello" || m["level"] != "info" || m["k"] != 3.0 || m["ts"] == nil {
				t.Errorf("json line %v", m)
			}
		}},
		{"json", "warn", "", func(t *testing.T, out string) {
			if out != "" {
				t.Errorf("warn level logged %q", out)
			}
		}},
		{"xml", "info", `log format "xml": want console or json`, nil},
		{"console", "loud", `log level "loud"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := New(&buf, tt.format, tt.level)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("details")
			log.Info("hello", zap.Int("k", 3))
			tt.check(t, buf.String())
		})
	}
}

func TestContext(t *testing.T) {
	if FromContext(context.Background()) == nil {
		t.Fatal("FromContext without a logger returned nil")
	}
	var buf bytes.Buffer
	log, err := New(&buf, FormatJSON, "info")
	if err != nil {
		t.Fatal(err)
	}
	FromContext(WithLogger(context.Background(), log)).Info("via context")
	if !strings.Contains(buf.String(), "via context") {
		t.Errorf("logger from context did not write: %q", buf.String())
	}
}

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestProgressLogLines(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		step      time.Duration // clock advance per reading
		adds      int
		wantLines int // progress lines before the final one
	}{
		{"by items", 100, time.Millisecond, 100, 10},
		{"by time", 1000, 4 * time.Second, 20, 6},
		{"unknown total", 0, 4 * time.Second, 20, 6},
		{"nothing done", 10, time.Second, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, _ := New(&buf, FormatJSON, "info")
			clk := &fakeClock{t: time.Unix(0, 0), step: tt.step}
			p := newProgress(tt.total, "train", log, &bytes.Buffer{}, false, clk.now, 10*time.Second)
			for i := range tt.adds {
				p.Add(1, zap.Float64("loss", float64(i)))
			}
			p.Close()
			p.Close()
			p.Add(1)
			lines := logLines(t, &buf)
			if len(lines) != tt.wantLines+1 {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), tt.wantLines+1, buf.String())
			}
			last := lines[len(lines)-1]
			if last["msg"] != "finished" || last["done"] != float64(tt.adds) || last["what"] != "train" {
				t.Errorf("final line %v", last)
			}
			if tt.wantLines > 0 {
				first := lines[0]
				if _, ok := first["loss"]; !ok {
					t.Errorf("progress line lacks the caller's fields: %v", first)
				}
				if _, ok := first["eta"]; ok != (tt.total > 0) {
					t.Errorf("eta present = %v with total %d: %v", ok, tt.total, first)
				}
			}
		})
	}
}

func TestProgressBar(t *testing.T) {
	var out, logs bytes.Buffer
	log, _ := New(&logs, FormatJSON, "info")
	p := newProgress(50, "eval", log, &out, true, time.Now, time.Second)
	for range 50 {
		p.Add(1, zap.Float64("miou", 0.5))
	}
	p.Close()
	if logs.Len() != 0 {
		t.Errorf("terminal mode logged lines: %q", logs.String())
	}
	if s := out.String(); !strings.Contains(s, "50/50") || !strings.Contains(s, "eval miou=0.5") {
		t.Errorf("bar output %q", s)
	}
}

func TestFormatFields(t *testing.T) {
	got := formatFields([]zap.Field{zap.Float64("loss", 0.123456), zap.Int("iter", 10), zap.String("phase", "st"), zap.Float64("lr", 2.5e-4)})
	if want := "iter=10 loss=0.1235 lr=0.00025 phase=st"; got != want {
		t.Errorf("formatFields = %q, want %q", got, want)
	}
}
