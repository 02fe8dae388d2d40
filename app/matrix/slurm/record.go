package slurm

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// Files of the slurm executor, under the matrix's output directory.
const (
	Dir        = "slurm"     // job scripts, job logs and the job record
	RecordFile = "jobs.json" // every job submitted, per run (Dir/RecordFile)
)

// JobRecord is one submitted job.
type JobRecord struct {
	ID      string `json:"id"`
	Attempt int    `json:"attempt"`         // 1 for the first submission of the run, then 2, ...
	Stage   string `json:"stage,omitempty"` // the stage directory (staged runs)
	After   string `json:"after,omitempty"` // the job it waits for (afterok)
	Script  string `json:"script"`          // the batch script
	Log     string `json:"log"`             // its standard output and error
	Until   string `json:"until,omitempty"` // train --until-stage
	Submit  string `json:"submitted"`       // time of submission (RFC 3339)
}

// RunRecord is one run of the matrix and its jobs, oldest first.
type RunRecord struct {
	Row  string      `json:"row"`
	Seed int64       `json:"seed"`
	Dir  string      `json:"dir"`
	Jobs []JobRecord `json:"jobs"`
}

// latest returns the jobs of the run's newest submission.
func (r *RunRecord) latest() []JobRecord {
	n := 0
	for _, j := range r.Jobs {
		n = max(n, j.Attempt)
	}
	var out []JobRecord
	for _, j := range r.Jobs {
		if j.Attempt == n {
			out = append(out, j)
		}
	}
	return out
}

// Record is the job record: Dir/RecordFile under the matrix's output directory.
type Record struct {
	Matrix  string      `json:"matrix"`
	Workdir string      `json:"workdir"` // where relative run directories resolve
	Runs    []RunRecord `json:"runs"`
}

func (f *Record) run(j matrix.Job) *RunRecord {
	for i := range f.Runs {
		if f.Runs[i].Row == j.Row.Name && f.Runs[i].Seed == j.Seed {
			return &f.Runs[i]
		}
	}
	f.Runs = append(f.Runs, RunRecord{Row: j.Row.Name, Seed: j.Seed, Dir: j.Dir})
	return &f.Runs[len(f.Runs)-1]
}

// dir resolves a run directory of the record.
func (f *Record) dir(d string) string {
	if filepath.IsAbs(d) || f.Workdir == "" {
		return d
	}
	return filepath.Join(f.Workdir, d)
}

// ReadRecord reads the job record of the matrix output directory out.
func ReadRecord(out string) (*Record, error) {
	path := filepath.Join(out, Dir, RecordFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (%s is missing: the matrix was not submitted with --executor slurm)", out, errNoRecord, path)
	}
	if err != nil {
		return nil, err
	}
	var f Record
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

func writeRecord(out string, f *Record) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(out, Dir, RecordFile), append(b, '\n'))
}

// errNoRecord marks an output directory without a Slurm job record.
var errNoRecord = errors.New("no Slurm job record")
