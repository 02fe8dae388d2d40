// Package peer holds what dast's benchmarks need to run their PyTorch peer scripts: Debian's
// python3-torch installed on demand, the peers' "key value" output, the scripts found from the
// working directory, the machine's load and its CPU.
package peer

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/cpu"
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

// Machine describes the CPU for a benchmark header: its model name (from /proc/cpuinfo), the
// vector extensions that decide which kernels run (AVX-512F, AVX2, FMA), the cores Go sees and
// dast's SGEMM path in this process.
func Machine(sgemmPath string) string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				model = strings.TrimSpace(val)
				break
			}
		}
	}
	var isa []string
	for _, f := range []struct {
		name string
		has  bool
	}{{"avx512f", cpu.X86.HasAVX512F}, {"avx2", cpu.X86.HasAVX2}, {"fma", cpu.X86.HasFMA}} {
		if f.has {
			isa = append(isa, f.name)
		}
	}
	if len(isa) == 0 {
		isa = append(isa, "no avx2/avx512")
	}
	return fmt.Sprintf("%s, %s/%s, ISA %s, %d CPUs; dast sgemm: %s", model, runtime.GOOS, runtime.GOARCH, strings.Join(isa, "+"), runtime.NumCPU(), sgemmPath)
}

// CPUSeconds is this process's user+system CPU time in seconds (0 if it cannot be read).
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
