// Package runinfo records what produced a run: run.json (seed, backend, code revision, Go and
// GoMLX versions, machine, start time, command line) and config.yaml (the resolved
// configuration) in the run directory.
package runinfo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dast-uda/dast/internal/atomicfile"
)

// File names written by Write.
const (
	RunFile    = "run.json"
	ConfigFile = "config.yaml"
)

// GoMLXModule is the module path whose version is recorded.
const GoMLXModule = "github.com/gomlx/gomlx"

// Info is what the caller knows about a run.
type Info struct {
	Name    string
	Seed    int64
	Backend string
	// Config is the resolved configuration (config.Tree.YAML); written to config.yaml when
	// non-nil.
	Config []byte
	// Args is the command line; nil means os.Args.
	Args []string
	// Start is the run's start time; zero means now.
	Start time.Time
}

// Record is the content of run.json.
type Record struct {
	Name         string    `json:"name,omitempty"`
	Seed         int64     `json:"seed"`
	Backend      string    `json:"backend"`
	Git          Git       `json:"git"`
	GoVersion    string    `json:"go_version"`
	GoMLXVersion string    `json:"gomlx_version"`
	OS           string    `json:"os"`
	Arch         string    `json:"arch"`
	NumCPU       int       `json:"num_cpu"`
	Hostname     string    `json:"hostname"`
	Start        time.Time `json:"start_time"`
	CommandLine  []string  `json:"command_line"`
}

// Git identifies the source code revision.
type Git struct {
	// Revision is the commit hash, or "unknown".
	Revision string `json:"revision"`
	// Dirty reports uncommitted changes to tracked files.
	Dirty bool `json:"dirty"`
	// Source says how the revision was found: "buildinfo" (stamped into the binary by go
	// build), "git" (git rev-parse in the working directory, for go run and go test) or
	// "unknown".
	Source string `json:"source"`
}

// Collect fills a Record from info and the running process.
func Collect(info Info) Record {
	args := info.Args
	if args == nil {
		args = os.Args
	}
	start := info.Start
	if start.IsZero() {
		start = time.Now()
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return Record{
		Name:         info.Name,
		Seed:         info.Seed,
		Backend:      info.Backend,
		Git:          Revision(),
		GoVersion:    runtime.Version(),
		GoMLXVersion: orUnknown(ModuleVersion(GoMLXModule)),
		OS:           runtime.GOOS,
		Arch:         runtime.GOARCH,
		NumCPU:       runtime.NumCPU(),
		Hostname:     host,
		Start:        start.UTC(),
		CommandLine:  append([]string(nil), args...),
	}
}

// Write creates dir if needed and writes config.yaml (when info.Config is non-nil) and then
// run.json, each atomically.
func Write(dir string, info Info) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("runinfo: %w", err)
	}
	b, err := json.MarshalIndent(Collect(info), "", "  ")
	if err != nil {
		return fmt.Errorf("runinfo: %w", err)
	}
	// config.yaml first: it marks a run that can be resumed, so a process killed between the
	// two writes leaves either nothing but temporary files or a resumable run.
	if info.Config != nil {
		if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), info.Config); err != nil {
			return fmt.Errorf("runinfo: %w", err)
		}
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, RunFile), append(b, '\n')); err != nil {
		return fmt.Errorf("runinfo: %w", err)
	}
	return nil
}

// Read reads dir's run.json.
func Read(dir string) (Record, error) {
	var r Record
	path := filepath.Join(dir, RunFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("runinfo: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("runinfo: %s: %w", path, err)
	}
	return r, nil
}

// Revision returns the source revision: the one stamped into the binary when there is one,
// else git's view of the working directory, else "unknown".
func Revision() Git {
	if bi, ok := debug.ReadBuildInfo(); ok {
		g := Git{Source: "buildinfo"}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				g.Revision = s.Value
			case "vcs.modified":
				g.Dirty = s.Value == "true"
			}
		}
		if g.Revision != "" {
			return g
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return Git{Revision: "unknown", Source: "unknown"}
	}
	g := Git{Revision: strings.TrimSpace(string(out)), Source: "git"}
	status, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output()
	g.Dirty = err != nil || len(strings.TrimSpace(string(status))) > 0
	return g
}

// ModuleVersion returns the version of module path linked into this binary (following a
// replace directive), or "" when it is not linked.
func ModuleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range bi.Deps {
		if m.Path == path {
			if m.Replace != nil {
				return m.Replace.Version + " (replaced by " + m.Replace.Path + ")"
			}
			return m.Version
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
