package matrixrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// childStatus keeps, for every running child training process of a matrix, what its JSON log
// last said about its progress, so the parent can print one status line for all of them.
type childStatus struct {
	mu   sync.Mutex
	jobs map[string]*childState
}

type childState struct {
	stage, what string
	done, total int
	eta         string
}

func newChildStatus() *childStatus { return &childStatus{jobs: map[string]*childState{}} }

// tap returns a writer that appends a child's output to buf and follows its progress lines.
func (c *childStatus) tap(job string, buf *bytes.Buffer) *lineTap {
	c.mu.Lock()
	c.jobs[job] = &childState{}
	c.mu.Unlock()
	return &lineTap{buf: buf, line: func(l []byte) { c.observe(job, l) }}
}

// finish forgets a job.
func (c *childStatus) finish(job string) {
	c.mu.Lock()
	delete(c.jobs, job)
	c.mu.Unlock()
}

// observe reads one JSON log line of job.
func (c *childStatus) observe(job string, line []byte) {
	var rec struct {
		Msg   string   `json:"msg"`
		Stage string   `json:"stage"`
		What  string   `json:"what"`
		Done  int      `json:"done"`
		Total int      `json:"total"`
		ETA   *float64 `json:"eta"` // seconds (zap's JSON encoding of a duration)
	}
	if json.Unmarshal(line, &rec) != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.jobs[job]
	if s == nil {
		return
	}
	switch rec.Msg {
	case "stage":
		s.stage = rec.Stage
	case "progress", "finished":
		s.what, s.done, s.total, s.eta = rec.What, rec.Done, rec.Total, ""
		if rec.ETA != nil {
			s.eta = (time.Duration(*rec.ETA) * time.Second).String()
		}
	}
}

// Line renders the running jobs: "dast/seed1 01-da train 1200/2000 eta 40s; ...".
func (c *childStatus) Line() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.jobs))
	for n := range c.jobs {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		s := c.jobs[n]
		p := n
		if s.stage != "" {
			p += " " + s.stage
		}
		switch {
		case s.what == "":
			p += " starting"
		case s.total > 0:
			p += fmt.Sprintf(" %s %d/%d", s.what, s.done, s.total)
		default:
			p += fmt.Sprintf(" %s %d", s.what, s.done)
		}
		if s.eta != "" {
			p += " eta " + s.eta
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// lineTap is an io.Writer that copies everything to buf and calls line for each complete line.
type lineTap struct {
	buf     *bytes.Buffer
	partial []byte
	line    func([]byte)
}

func (t *lineTap) Write(p []byte) (int, error) {
	t.buf.Write(p)
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.line(t.partial[:i])
		t.partial = t.partial[i+1:]
	}
	return len(p), nil
}
