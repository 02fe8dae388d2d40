package main

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

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/internal/atomicfile"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newPretrainCmd) }

// defaultPretrain is the config `dast pretrain` runs without --config (embedded).
const defaultPretrain = "synthetic/pretrain.yaml"

// provenance is the JSON written beside an exported encoder: what made its bytes.
type provenance struct {
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

func newPretrainCmd() *cobra.Command {
	var cfg, out, export string
	var sets []string
	cmd := &cobra.Command{
		Use:   "pretrain [--config FILE] [--set key=value]... [--out RUN_DIR] [--export FILE.safetensors]",
		Short: "Pretrain a segmentor's backbone and export it as a pretrained file (the synthetic benchmark's ImageNet)",
		Long: "Train a config (without --config the embedded configs/synthetic/pretrain.yaml: supervised\n" +
			"training of segmentor.small on the synthetic generator's pretrain domain, randomised styles\n" +
			"and 7 categories), then export every segmentor variable outside its classifier from the\n" +
			"final checkpoint as a safetensors file in dast's naming, for segmentor.small's pretrained\n" +
			"option, with FILE.json beside it: config, git revision, seed, sha256. The bytes depend only\n" +
			"on the config and the platform: rerunning the command reproduces them.\n" +
			"The embedded encoder (pretrained: builtin) is made by\n" +
			"  dast pretrain --export backbones/small/pretrained/encoder.safetensors",
		Example: "  dast pretrain --out /tmp/pre --export /tmp/encoder.safetensors\n" +
			"  dast pretrain --set train.iterations=20 --export /tmp/tiny.safetensors",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := runlog.FromContext(cmd.Context())
			name, release := cfg, func() {}
			var tree *config.Tree
			var err error
			if cfg == "" {
				name = "configs/" + defaultPretrain + " (embedded)"
				tree, err = config.LoadFS(configs.FS, defaultPretrain, sets)
			} else {
				tree, release, err = loadTree(cmd.Context(), cfg, sets)
			}
			if err != nil {
				return err
			}
			defer release()
			setup, err := train.Assemble(tree)
			if err != nil {
				return err
			}
			res, err := train.Run(cmd.Context(), setup, train.Options{RunDir: out, Log: log, NewProgress: progressFor(log)})
			if err != nil {
				return err
			}
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
				return err
			}
			resolved, err := os.ReadFile(filepath.Join(res.Dir, "config.yaml"))
			if err != nil {
				return fmt.Errorf("pretrain: %w", err)
			}
			sum := sha256.Sum256(data)
			git := runinfo.Revision()
			p := provenance{
				File: filepath.Base(export), SHA256: hex.EncodeToString(sum[:]), Bytes: len(data),
				Config: name, Resolved: string(resolved), Revision: git.Revision, Dirty: git.Dirty,
				Seed: setup.Root.Seed, Iterations: res.Iterations, Platform: runtime.GOOS + "/" + runtime.GOARCH,
				Tensors: names, Command: "dast " + strings.Join(os.Args[1:], " "),
			}
			if res.Metrics != nil {
				p.ValMIoU = res.Metrics.MIoU
			}
			js, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(export), 0o755); err != nil {
				return fmt.Errorf("pretrain: export: %w", err)
			}
			if err := atomicfile.WriteFile(export, data); err != nil {
				return fmt.Errorf("pretrain: export: %w", err)
			}
			jsonPath := strings.TrimSuffix(export, filepath.Ext(export)) + ".json"
			if err := atomicfile.WriteFile(jsonPath, append(js, '\n')); err != nil {
				return fmt.Errorf("pretrain: provenance: %w", err)
			}
			w := cmd.OutOrStdout()
			if res.Metrics != nil {
				fmt.Fprintf(w, "run %s: %d iterations, val mIoU %.2f over %d classes\n", res.Dir, res.Iterations, res.Metrics.MIoU, res.Metrics.NumClasses)
			}
			fmt.Fprintf(w, "exported %d tensors to %s (%d bytes, sha256 %s), provenance %s\n", len(names), export, len(data), p.SHA256, jsonPath)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "pretraining config (YAML); default the embedded configs/"+defaultPretrain)
	f.StringArrayVar(&sets, "set", nil, "override a config key (repeatable)")
	f.StringVar(&out, "out", "", "run directory (default <out_dir>/<name>, numbered when taken)")
	f.StringVar(&export, "export", "", "where to write the pretrained file (default RUN_DIR/encoder.safetensors); FILE.json gets its provenance")
	return cmd
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
