// Package matrix runs experiment matrices: rows (a config, or a config plus overrides) times
// seeds, each in its own run directory, re-runnable after a crash (finished runs are skipped,
// interrupted ones resumed), with results aggregated into JSON, CSV and a Markdown table laid
// out like the paper's tables (class columns, mIoU last). The slurm executor is package
// app/matrix/slurm; the regression gate against a stored results.json is app/matrix/gate.
package matrix

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Row is one line of the table.
type Row struct {
	Name   string   `yaml:"name"`
	Label  string   `yaml:"label"`
	Config string   `yaml:"config"`
	Set    []string `yaml:"set"`
	// Of and Stage make a derived row: it trains nothing and reports stage Stage of row Of's
	// runs (a staged method such as DAST, whose first stage is the DA method).
	Of    string `yaml:"of"`
	Stage string `yaml:"stage"`
	// Priority orders the runs: rows with a higher priority start first (long runs first keeps
	// parallel processes busy to the end); the table keeps the file's row order.
	Priority int `yaml:"priority"`
	// Slurm overrides the matrix's Slurm resources for this row's jobs (fields it sets; its
	// extra options are added to the matrix's).
	Slurm *SlurmResources `yaml:"slurm"`
}

// Derived reports whether the row reads a stage of another row's runs instead of training.
func (r Row) Derived() bool { return r.Of != "" }

// Matrix is a matrix file's `matrix:` block.
type Matrix struct {
	Name   string  `yaml:"name"`
	Seeds  []int64 `yaml:"seeds"`
	OutDir string  `yaml:"out_dir"`
	// Jobs is how many runs go at once (each in its own process) unless the command line says.
	Parallel int   `yaml:"jobs"`
	Rows     []Row `yaml:"rows"`
	// Report configures the report `dast reproduce` writes (optional).
	Report *Report `yaml:"report"`
	// Executor runs the jobs: "local" (default: processes on this machine) or "slurm" (one
	// Slurm batch job per run, per stage for staged runs); the command line's --executor wins.
	Executor string `yaml:"executor"`
	// Slurm is the resources of every job under the slurm executor (rows may override them).
	Slurm *SlurmResources `yaml:"slurm"`

	path string // the matrix file, for messages and relative configs
}

// Report names the rows a reproduction report draws from.
type Report struct {
	// Curves is the row whose runs' history.jsonl (target val) and selection.jsonl (synthetic
	// val) make the mIoU-vs-iteration figure (the paper's Figure 4).
	Curves string `yaml:"curves"`
	// Panel lists the rows whose first seed's model segments the panel's images, in column order.
	Panel []string `yaml:"panel"`
	// Attention is the row whose model's discriminator attention the panel shows.
	Attention string `yaml:"attention"`
	// Images is how many target val images the panel shows (default 4).
	Images int `yaml:"images"`
	// Baseline and Method name the rows whose mIoU difference the report states.
	Baseline string `yaml:"baseline"`
	Method   string `yaml:"method"`
}

type file struct {
	Matrix *Matrix `yaml:"matrix"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Load reads and validates a matrix file. Row configs are resolved relative to it.
func Load(path string) (*Matrix, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse validates a matrix file's bytes; path names it in errors and anchors relative configs.
func Parse(path string, b []byte) (*Matrix, error) {
	var f file
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := f.Matrix
	if m == nil {
		return nil, fmt.Errorf("%s: no matrix: block (a matrix file has matrix: {name, seeds, rows})", path)
	}
	m.path = path
	if m.Name == "" {
		m.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if !nameRE.MatchString(m.Name) {
		return nil, fmt.Errorf("%s: matrix.name %q: use letters, digits, '.', '_', '-'", path, m.Name)
	}
	if m.Parallel < 0 {
		return nil, fmt.Errorf("%s: matrix.jobs %d must be >= 0", path, m.Parallel)
	}
	if len(m.Seeds) == 0 {
		m.Seeds = []int64{1}
	}
	if err := CheckExecutor(m.Executor); err != nil {
		return nil, fmt.Errorf("%s: matrix.executor: %w", path, err)
	}
	if err := m.Slurm.validate(); err != nil {
		return nil, fmt.Errorf("%s: matrix.slurm.%w", path, err)
	}
	seen := map[int64]bool{}
	for _, s := range m.Seeds {
		if seen[s] {
			return nil, fmt.Errorf("%s: matrix.seeds: seed %d is listed twice", path, s)
		}
		seen[s] = true
	}
	if len(m.Rows) == 0 {
		return nil, fmt.Errorf("%s: matrix.rows: no rows", path)
	}
	names := map[string]bool{}
	for i := range m.Rows {
		r := &m.Rows[i]
		key := fmt.Sprintf("matrix.rows[%d]", i)
		if !nameRE.MatchString(r.Name) {
			return nil, fmt.Errorf("%s: %s.name %q: use letters, digits, '.', '_', '-'", path, key, r.Name)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("%s: %s.name %q is used twice", path, key, r.Name)
		}
		names[r.Name] = true
		if r.Label == "" {
			r.Label = r.Name
		}
		if err := r.Slurm.validate(); err != nil {
			return nil, fmt.Errorf("%s: %s.slurm.%w", path, key, err)
		}
		if r.Derived() || r.Stage != "" {
			if r.Of == "" || r.Stage == "" {
				return nil, fmt.Errorf("%s: %s: a derived row needs both of (the row) and stage (its stage)", path, key)
			}
			if r.Config != "" || len(r.Set) > 0 {
				return nil, fmt.Errorf("%s: %s: a derived row (of: %s) trains nothing: drop config and set", path, key, r.Of)
			}
			continue
		}
		if r.Config == "" {
			return nil, fmt.Errorf("%s: %s.config: missing", path, key)
		}
		if !filepath.IsAbs(r.Config) {
			r.Config = filepath.Join(filepath.Dir(path), r.Config)
		}
		if _, err := os.Stat(r.Config); err != nil {
			return nil, fmt.Errorf("%s: %s.config: %w", path, key, err)
		}
		for _, s := range r.Set {
			if !strings.Contains(s, "=") {
				return nil, fmt.Errorf("%s: %s.set: %q is not key=value", path, key, s)
			}
		}
	}
	if rep := m.Report; rep != nil {
		has := map[string]bool{}
		for _, r := range m.Rows {
			has[r.Name] = true
		}
		if rep.Images == 0 {
			rep.Images = 4
		}
		if rep.Images < 0 || rep.Images > 32 {
			return nil, fmt.Errorf("%s: matrix.report.images: %d must be in [1, 32]", path, rep.Images)
		}
		named := map[string]string{"curves": rep.Curves, "attention": rep.Attention, "baseline": rep.Baseline, "method": rep.Method}
		for i, p := range rep.Panel {
			named[fmt.Sprintf("panel[%d]", i)] = p
		}
		for _, k := range sortedKeys(named) {
			if v := named[k]; v != "" && !has[v] {
				return nil, fmt.Errorf("%s: matrix.report.%s: %q is not a row of this matrix", path, k, v)
			}
		}
	}
	for i, r := range m.Rows {
		if !r.Derived() {
			continue
		}
		found := false
		for _, o := range m.Rows {
			found = found || (o.Name == r.Of && !o.Derived())
		}
		if !found {
			return nil, fmt.Errorf("%s: matrix.rows[%d].of: %q is not a training row of this matrix", path, i, r.Of)
		}
	}
	return m, nil
}

// Path is the matrix file.
func (m *Matrix) Path() string { return m.path }

// Job is one run of the matrix: a row with a seed.
type Job struct {
	Row    Row
	Seed   int64
	Config string   // config file
	Sets   []string // overrides: the row's, the command line's, then seed and name
	Dir    string   // run directory
}

// Dir is the directory the matrix's runs and results go to: out when given, else the matrix
// file's out_dir, else runs/<matrix name>.
func (m *Matrix) Dir(out string) string {
	switch {
	case out != "":
		return out
	case m.OutDir != "":
		return m.OutDir
	}
	return filepath.Join("runs", m.Name)
}

// Jobs expands rows x seeds. extraSets (from the command line) apply to every row after the
// row's own overrides, except "ROW:key=value", which applies to row ROW only; the run
// directories go under m.Dir(outDir).
func (m *Matrix) Jobs(outDir string, extraSets []string) []Job {
	outDir = m.Dir(outDir)
	var jobs []Job
	rows := append([]Row(nil), m.Rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Priority > rows[j].Priority })
	for _, r := range rows {
		if r.Derived() {
			continue
		}
		var rowSets []string
		for _, s := range extraSets {
			if name, set, ok := rowScoped(s); !ok {
				rowSets = append(rowSets, s)
			} else if name == r.Name {
				rowSets = append(rowSets, set)
			}
		}
		for _, seed := range m.Seeds {
			sets := append(append(append([]string{}, r.Set...), rowSets...),
				fmt.Sprintf("seed=%d", seed), fmt.Sprintf("name=%s-seed%d", r.Name, seed))
			jobs = append(jobs, Job{Row: r, Seed: seed, Config: r.Config, Sets: sets,
				Dir: filepath.Join(outDir, r.Name, fmt.Sprintf("seed%d", seed))})
		}
	}
	return jobs
}

// CheckSets reports a row-scoped override ("ROW:key=value") naming no training row.
func (m *Matrix) CheckSets(sets []string) error {
	for _, s := range sets {
		name, _, ok := rowScoped(s)
		if !ok {
			continue
		}
		found := false
		for _, r := range m.Rows {
			found = found || (r.Name == name && !r.Derived())
		}
		if !found {
			return fmt.Errorf("--set %s: %q is not a training row of %s", s, name, m.path)
		}
	}
	return nil
}

// rowScoped splits a row-scoped override "ROW:key=value" into the row and "key=value".
func rowScoped(s string) (row, set string, ok bool) {
	key, _, _ := strings.Cut(s, "=")
	row, rest, ok := strings.Cut(key, ":")
	if !ok {
		return "", s, false
	}
	return row, rest + s[len(key):], true
}

// State is how far a job's run directory got.
type State int

const (
	NotStarted State = iota // no run directory
	Partial                 // a run directory without final metrics: resume it
	Done                    // metrics.json written
)

// StateOf inspects a job's run directory.
func StateOf(j Job, metricsFile, configFile string) State {
	if _, err := os.Stat(filepath.Join(j.Dir, metricsFile)); err == nil {
		return Done
	}
	if _, err := os.Stat(filepath.Join(j.Dir, configFile)); err == nil {
		return Partial
	} else if !errors.Is(err, os.ErrNotExist) {
		return Partial
	}
	return NotStarted
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
