// Package pretrain exports the backbone of a finished pretraining run (dast pretrain): every
// segmentor variable outside the optional scopes (the task head) of the final checkpoint, as a
// safetensors file in dast's naming whose bytes depend only on the config and the platform, and
// its provenance (config, git revision, seed, sha256) as JSON beside it.
package pretrain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// Provenance is the JSON written beside an exported encoder: what made its bytes.
type Provenance struct {
	File       string   `json:"file"`
	SHA256     string   `json:"sha256"`
	Bytes      int      `json:"bytes"`
	Config     string   `json:"config"`
	Resolved   string   `json:"resolved_config"`
	Revision   string   `json:"revision"`
	Dirty      bool     `json:"dirty"`
	Seed       int64    `json:"seed"`
	Iterations int      `json:"iterations"`
	ValMIoU    float64  `json:"val_miou"`
	Platform   string   `json:"platform"`
	Tensors    []string `json:"tensors"`
	Command    string   `json:"command"`
}

// Exported is what Export wrote: the pretrained file at Path, its provenance at JSONPath.
type Exported struct {
	Path, JSONPath string
	Provenance
}

// Export writes the backbone of res, the run of setup (config names the config, command the
// command line, both for the provenance), to export (default RUN_DIR/encoder.safetensors) and
// its provenance to the same path with the extension .json.
func Export(setup *train.Setup, res *train.Result, config, command, export string) (Exported, error) {
	if export == "" {
		export = filepath.Join(res.Dir, "encoder.safetensors")
	}
	var optional []string
	if o, ok := setup.Seg.(interface{ Optional() []string }); ok {
		optional = o.Optional()
	} else {
		optional = setup.Seg.HeadScopes()
	}
	data, names, err := exportBackbone(res.Checkpoint, optional, setup.Root.Seed)
	if err != nil {
		return Exported{}, err
	}
	resolved, err := os.ReadFile(filepath.Join(res.Dir, "config.yaml"))
	if err != nil {
		return Exported{}, fmt.Errorf("pretrain: %w", err)
	}
	sum := sha256.Sum256(data)
	git := runinfo.Revision()
	p := Provenance{
		File: filepath.Base(export), SHA256: hex.EncodeToString(sum[:]), Bytes: len(data),
		Config: config, Resolved: string(resolved), Revision: git.Revision, Dirty: git.Dirty,
		Seed: setup.Root.Seed, Iterations: res.Iterations, Platform: runtime.GOOS + "/" + runtime.GOARCH,
		Tensors: names, Command: command,
	}
	if res.Metrics != nil {
		p.ValMIoU = res.Metrics.MIoU
	}
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return Exported{}, err
	}
	if err := os.MkdirAll(filepath.Dir(export), 0o755); err != nil {
		return Exported{}, fmt.Errorf("pretrain: export: %w", err)
	}
	if err := atomicfile.WriteFile(export, data); err != nil {
		return Exported{}, fmt.Errorf("pretrain: export: %w", err)
	}
	jsonPath := strings.TrimSuffix(export, filepath.Ext(export)) + ".json"
	if err := atomicfile.WriteFile(jsonPath, append(js, '\n')); err != nil {
		return Exported{}, fmt.Errorf("pretrain: provenance: %w", err)
	}
	return Exported{Path: export, JSONPath: jsonPath, Provenance: p}, nil
}

// exportBackbone reads the segmentor's variables from a checkpoint, drops the optional scopes
// (the task head) and optimizer state, and returns them as a safetensors file with names
// relative to the segmentor's scope ("conv1/weights"). The metadata holds only what
// determines the bytes' meaning, so the same weights always give the same file.
func exportBackbone(ckpt string, optional []string, seed int64) ([]byte, []string, error) {
	raw, meta, err := checkpoint.ReadFile(ckpt)
	if err != nil {
		return nil, nil, fmt.Errorf("pretrain: %w", err)
	}
	prefix := "/" + train.SegmentorScope + "/"
	out := map[string]checkpoint.Tensor{}
	var names []string
next:
	for key, t := range raw {
		rel, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		for _, o := range optional {
			if rel == o || strings.HasPrefix(rel, o+"/") {
				continue next
			}
		}
		out[rel] = t
		names = append(names, rel)
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("pretrain: %s has no variable under %s outside %v", ckpt, prefix, optional)
	}
	sort.Strings(names)
	m := map[string]string{
		"format":     "dast pretrained backbone: names relative to the segmentor scope, convolution kernels HWIO",
		"iteration":  meta["iteration"],
		"train_seed": strconv.FormatInt(seed, 10),
	}
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, out, m); err != nil {
		return nil, nil, fmt.Errorf("pretrain: %w", err)
	}
	return buf.Bytes(), names, nil
}
