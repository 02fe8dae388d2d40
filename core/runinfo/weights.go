package runinfo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// MetricsFile is a run's final target-val metrics: metrics.Metrics with the weights block.
const MetricsFile = "metrics.json"

// WeightsKey is the metrics.json key that identifies a run's final weights (see Weights).
const WeightsKey = "weights"

// Weights identifies the final model weights of a run and the platform facts that decide
// whether another machine can reproduce them bit for bit: two runs of one config and seed
// whose SHA256 agree trained to identical weights.
type Weights struct {
	// SHA256 is the hex sha256 over the model variables of the final checkpoint (optimizer
	// state and RNG state left out), in name order: for each, its name, dtype, shape and
	// little-endian data (the encoding is spelled out in HashCheckpoint).
	SHA256 string `json:"sha256"`
	// Checkpoint is the checkpoint file the hash was taken of (its name in the run directory).
	Checkpoint string   `json:"checkpoint"`
	Platform   Platform `json:"platform"`
}

// Platform is what floating-point results depend on beyond the config and the seed.
type Platform struct {
	Backend string `json:"backend"` // the config's backend spec (go, xla, xla:cuda, ...)
	GOOS    string `json:"goos"`
	GOARCH  string `json:"goarch"`
	// GEMM names the matrix-product kernel: on the pure-Go backend "fastgo/<sgemm path>"
	// (avx512, avx2 or gonum, as core/backend/fastgo chose it from the CPU and DAST_SGEMM) or
	// "simplego" (GoMLX's own kernels: fastgo off or not installable); "xla" on XLA.
	GEMM  string `json:"gemm"`
	Go    string `json:"go"`
	GoMLX string `json:"gomlx"`
}

// CurrentPlatform describes this process for a run on backend spec.
func CurrentPlatform(spec string) Platform {
	return Platform{Backend: spec, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GEMM: gemmKernel(spec),
		Go: runtime.Version(), GoMLX: ModuleVersion("github.com/gomlx/gomlx")}
}

// gemmKernel names the matrix-product kernel a backend spec computes with in this process.
func gemmKernel(spec string) string {
	s, err := backend.Parse(spec)
	switch {
	case err != nil:
		return "unknown"
	case s.Kind != "go":
		return s.Kind
	}
	// backend.New installed fastgo already for a pure-Go run; Install only reports then.
	if on, _ := fastgo.Install(); on {
		return "fastgo/" + fastgo.KernelName()
	}
	return "simplego"
}

// HashCheckpoint returns the hex sha256 of the model variables (checkpoint.IsModelVariable) of
// a checkpoint file. For each variable in byte order of the names it hashes: the name, a zero
// byte, the safetensors dtype, a zero byte, the shape as decimal dimensions joined by ',', a
// zero byte, the data length as a little-endian uint64, then the data.
func HashCheckpoint(path string) (string, error) {
	tensors, _, err := checkpoint.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("hash weights: %w", err)
	}
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		if checkpoint.IsModelVariable(name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("hash weights: %s holds no model variables", path)
	}
	sort.Strings(names)
	h := sha256.New()
	var n [8]byte
	for _, name := range names {
		t := tensors[name]
		var shape []byte
		for i, d := range t.Shape {
			if i > 0 {
				shape = append(shape, ',')
			}
			shape = strconv.AppendInt(shape, int64(d), 10)
		}
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write([]byte(t.DType))
		h.Write([]byte{0})
		h.Write(shape)
		h.Write([]byte{0})
		binary.LittleEndian.PutUint64(n[:], uint64(len(t.Data)))
		h.Write(n[:])
		h.Write(t.Data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteMetrics writes metrics.json with a "weights" block (Weights) for the final checkpoint
// ckpt; without a checkpoint (a run of 0 iterations) it is the plain metrics.json. The trainer
// writes a run's with it, and dast eval too, so evaluating a run's final checkpoint writes the
// same bytes as the run.
func WriteMetrics(path string, m metrics.Metrics, ckpt, backendSpec string) error {
	if ckpt == "" {
		return metrics.WriteJSON(path, m)
	}
	sum, err := HashCheckpoint(ckpt)
	if err != nil {
		return fmt.Errorf("metrics %s: %w", path, err)
	}
	w := Weights{SHA256: sum, Checkpoint: filepath.Base(ckpt), Platform: CurrentPlatform(backendSpec)}
	plain, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("metrics %s: %w", path, err)
	}
	extra, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("metrics %s: %w", path, err)
	}
	// metrics.Metrics marshals to one object: the weights block goes in before its last brace.
	plain = bytes.TrimSpace(plain)
	if len(plain) < 2 || plain[len(plain)-1] != '}' {
		return fmt.Errorf("metrics %s: unexpected encoding %q", path, plain)
	}
	var compact bytes.Buffer
	compact.Write(plain[:len(plain)-1])
	fmt.Fprintf(&compact, ",%q:", WeightsKey)
	compact.Write(extra)
	compact.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("metrics %s: %w", path, err)
	}
	out.WriteByte('\n')
	if err := atomicfile.WriteFile(path, out.Bytes()); err != nil {
		return fmt.Errorf("metrics %s: %w", path, err)
	}
	return nil
}

// ReadWeights reads the weights block of a metrics.json file; nil when it has none.
func ReadWeights(path string) (*Weights, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Weights *Weights `json:"weights"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Weights, nil
}
