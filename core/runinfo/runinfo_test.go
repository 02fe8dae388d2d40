package runinfo

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestWriteAndRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "exp1")
	start := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	info := Info{Name: "exp1", Seed: 7, Backend: "go", Config: []byte("seed: 7\n"),
		Args: []string{"dast", "train", "-c", "x.yaml"}, Start: start}
	if err := Write(dir, info); err != nil {
		t.Fatal(err)
	}
	r, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "exp1" || r.Seed != 7 || r.Backend != "go" || !r.Start.Equal(start) ||
		strings.Join(r.CommandLine, " ") != "dast train -c x.yaml" {
		t.Errorf("record %+v", r)
	}
	if r.GoVersion != runtime.Version() || r.OS != runtime.GOOS || r.Arch != runtime.GOARCH || r.NumCPU != runtime.NumCPU() || r.Hostname == "" {
		t.Errorf("machine fields %+v", r)
	}
	if !regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64}|unknown)$`).MatchString(r.Git.Revision) {
		t.Errorf("git revision %q", r.Git.Revision)
	}
	if (r.Git.Revision == "unknown") != (r.Git.Source == "unknown") {
		t.Errorf("git %+v: revision and source disagree", r.Git)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil || string(cfg) != "seed: 7\n" {
		t.Errorf("config.yaml = %q, %v", cfg, err)
	}
}

func TestWriteWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Info{Seed: 1, Backend: "go"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); !os.IsNotExist(err) {
		t.Errorf("config.yaml written without a config: %v", err)
	}
	r, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.CommandLine) == 0 || r.Start.IsZero() {
		t.Errorf("defaults not filled: %+v", r)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); err == nil {
		t.Error("Read of an empty directory succeeded")
	}
	if err := os.WriteFile(filepath.Join(dir, RunFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), RunFile) {
		t.Errorf("Read of bad JSON: %v", err)
	}
}
