package slurm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/metrics"
)

// RunStatus is where one run of a submitted matrix stands.
type RunStatus struct {
	Row  string
	Seed int64
	Dir  string
	// State is "done", "running", "pending", "failed" or "not submitted".
	State string
	Stage string   // the stage of the job the state is about (staged runs)
	JobID string   // that job
	Slurm JobState // what Slurm says of it (empty when it forgot the job)
	// Progress is the job's last progress line ("train 120/250 eta 40s"), when running.
	Progress string
	MIoU     *float64 // done
	// Error is the last error line of the failed job's log.
	Error string
}

// SlurmStatus reports each run of the matrix submitted into out.
func Status(ctx context.Context, client Client, out, metricsFile string) ([]RunStatus, error) {
	rec, err := ReadRecord(out)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rec.Runs {
		for _, j := range r.latest() {
			ids = append(ids, j.ID)
		}
	}
	states, err := client.States(ctx, ids)
	if err != nil {
		return nil, err
	}
	var res []RunStatus
	for _, r := range rec.Runs {
		s := RunStatus{Row: r.Row, Seed: r.Seed, Dir: r.Dir}
		dir := rec.dir(r.Dir)
		jobs := r.latest()
		if m, err := metrics.ReadJSON(filepath.Join(dir, metricsFile)); err == nil {
			s.State = "done"
			v := m.MIoU
			s.MIoU = &v
			res = append(res, s)
			continue
		}
		s.State = "not submitted"
		if len(jobs) > 0 {
			s.State = "failed"
		}
		for _, j := range jobs {
			st := states[j.ID]
			if st.Active() {
				s.JobID, s.Stage, s.Slurm = j.ID, j.Stage, st
				s.State = "pending"
				if st.State != "PENDING" {
					s.State = "running"
					s.Progress = lastProgress(j.Log)
				}
				break
			}
		}
		if s.State == "failed" {
			// The first job of the submission that did not finish its stage is the one that
			// failed; the ones after it were cancelled with it.
			for _, j := range jobs {
				if j.Stage != "" {
					if _, err := os.Stat(filepath.Join(dir, j.Stage, metricsFile)); err == nil {
						continue
					}
				}
				s.JobID, s.Stage, s.Slurm = j.ID, j.Stage, states[j.ID]
				s.Error = lastError(j.Log)
				break
			}
		}
		res = append(res, s)
	}
	return res, nil
}

// SlurmCancel cancels the queued and running jobs submitted into out and returns their ids.
func Cancel(ctx context.Context, client Client, out string) ([]string, error) {
	rec, err := ReadRecord(out)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rec.Runs {
		for _, j := range r.Jobs {
			ids = append(ids, j.ID)
		}
	}
	states, err := client.States(ctx, ids)
	if err != nil {
		return nil, err
	}
	var live []string
	for _, id := range ids {
		if st, ok := states[id]; ok && !terminal[st.State] {
			live = append(live, id)
		}
	}
	return live, client.Cancel(ctx, live)
}

// logRecord is the part of a dast JSON log line status reads.
type logRecord struct {
	Level string   `json:"level"`
	Msg   string   `json:"msg"`
	What  string   `json:"what"`
	Done  int      `json:"done"`
	Total int      `json:"total"`
	ETA   *float64 `json:"eta"` // seconds
	Error string   `json:"error"`
	It    int      `json:"it"`
	Of    int      `json:"of"`
}

// lastProgress is the newest progress of a job's JSON log: "train 120/250 eta 40s".
func lastProgress(path string) string {
	out := "starting"
	scanLog(path, func(line []byte) {
		var r logRecord
		if json.Unmarshal(line, &r) != nil {
			return
		}
		switch r.Msg {
		case "progress", "finished":
			out = fmt.Sprintf("%s %d", r.What, r.Done)
			if r.Total > 0 {
				out += fmt.Sprintf("/%d", r.Total)
			}
			if r.ETA != nil {
				out += " eta " + (time.Duration(*r.ETA) * time.Second).String()
			}
		case "train":
			if r.Of > 0 {
				out = fmt.Sprintf("train %d/%d", r.It, r.Of)
			}
		}
	})
	return out
}

// lastError is the last error line of a job's log (a JSON error record's message and error,
// else the last line that is not a JSON record, else the last line).
func lastError(path string) string {
	var lastErr, lastPlain, last string
	found := scanLog(path, func(line []byte) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			return
		}
		last = s
		var r logRecord
		if json.Unmarshal(line, &r) != nil {
			lastPlain = s
			return
		}
		if r.Level == "error" || r.Level == "fatal" {
			lastErr = r.Msg
			if r.Error != "" {
				lastErr += ": " + r.Error
			}
		}
	})
	switch {
	case !found:
		return "no log (" + path + "): the job never started"
	case lastPlain != "":
		return lastPlain
	case lastErr != "":
		return lastErr
	case last == "":
		return "empty log " + path
	}
	return last
}

// scanLog calls f for each line of the file at path and reports whether it could be read.
func scanLog(path string, f func([]byte)) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		f(sc.Bytes())
	}
	return true
}
