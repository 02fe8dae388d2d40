// Package peer holds what dast's benchmarks need to run their PyTorch peer scripts: Debian's
// python3-torch installed on demand, the peers' "key value" output, the scripts found from the
// working directory, and the machine's load.
package peer

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Python is the interpreter python3-torch belongs to (the python3 first on PATH may be another
// build without it).
const Python = "/usr/bin/python3"

// EnsureTorch imports modules (e.g. "torch, numpy") with Python and, when that fails, installs
// python3-torch with apt-get.
func EnsureTorch(modules string) error {
	if err := exec.Command(Python, "-c", "import "+modules).Run(); err == nil {
		return nil
	}
	fmt.Println("torch  not importable by", Python, "- installing python3-torch with apt-get")
	install := exec.Command("sh", "-c", "apt-get update && apt-get install -y python3-torch")
	install.Stdout, install.Stderr = os.Stderr, os.Stderr
	if err := install.Run(); err != nil {
		return fmt.Errorf("PyTorch missing and `apt-get install -y python3-torch` failed (%v): install it and rerun", err)
	}
	return nil
}

// ParseKV reads "key value" lines.
func ParseKV(out []byte) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok {
			kv[k] = strings.TrimSpace(v)
		}
	}
	return kv
}

// FindUp locates rel in the working directory or one of its parents.
func FindUp(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s not found in the working directory or above it", rel)
		}
		dir = parent
	}
}

// LoadAvg is the 1, 5 and 15 minute load averages, "unknown" where /proc/loadavg is missing.
func LoadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
