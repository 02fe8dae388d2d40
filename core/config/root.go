package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/config/internal/value"
)

// Block is a component block: {name: <module name>, ...options}. Tree.Component decodes it.
type Block map[string]any

// Name returns the block's name entry, or "" when it is absent or not a string.
func (b Block) Name() string {
	s, _ := b["name"].(string)
	return s
}

// Root is the fixed part of a run configuration. Component blocks stay raw; decode them with
// Tree.Component.
type Root struct {
	Name    string `koanf:"name" doc:"run name (default: the config file's stem)"`
	Seed    int64  `koanf:"seed" doc:"random seed"`
	Backend string `koanf:"backend" doc:"go | xla | xla:cuda | xla:/abs/plugin.so"`
	OutDir  string `koanf:"out_dir" doc:"parent directory of run directories"`
	Data    Data   `koanf:"data"`
	// Segmentor is the segmentor block: {name: small, ...}.
	Segmentor Block `koanf:"segmentor"`
	// Discriminators maps a role (discoverer, corrector, ...) to a discriminator block.
	Discriminators map[string]Block `koanf:"discriminators"`
	// Strategy is the training strategy block: {name: source_only, ...}.
	Strategy Block `koanf:"strategy"`
	Train    Train `koanf:"train"`
	// InitFrom names a checkpoint (a file, or a run directory's newest) whose model weights
	// start this run, e.g. a self-training round starting from the DA stage.
	InitFrom string `koanf:"init_from" doc:"checkpoint file or run directory whose model weights (not optimizer state) start the run"`
	Eval     Eval   `koanf:"eval"`
	// Plugins lists discriminator plugin executables to start (see docs/PLUGINS.md).
	Plugins []PluginRef `koanf:"plugins" doc:"discriminator plugin executables: [{path, sha256}]"`
	// PluginDirs are directories whose executable files are all started as plugins.
	PluginDirs []string `koanf:"plugin_dirs" doc:"directories whose executables are loaded as discriminator plugins"`
	// PluginTimeout bounds a plugin's start and each of its answers.
	PluginTimeout time.Duration `koanf:"plugin_timeout" doc:"time a plugin may take to start or answer"`
}

// PluginRef names one plugin executable. With SHA256 set, the file's checksum is verified
// before it is started.
type PluginRef struct {
	Path   string `koanf:"path" doc:"plugin executable (relative paths: to the working directory)"`
	SHA256 string `koanf:"sha256" doc:"expected hex SHA-256 of the executable (optional)"`
}

// DefaultPluginTimeout is the default of plugin_timeout.
const DefaultPluginTimeout = 5 * time.Second

// Data holds the dataset blocks, each {name: <dataset>, ...options}.
type Data struct {
	Source Block `koanf:"source" doc:"labelled source-domain training set"`
	Target Block `koanf:"target" doc:"unlabelled target-domain training set"`
	Val    Block `koanf:"val" doc:"target validation set"`
	// Select is the synthetic validation set that picks the snapshot self-training starts
	// from (docs/METHOD.md, "Snapshot selection"); absent: no snapshot selection.
	Select Select `koanf:"select"`
}

// Select configures snapshot selection on a synthetic validation set: held-out labelled
// source images restyled toward the target by Fourier Domain Adaptation, once per beta. A
// snapshot's score is the mean of its mIoUs over the betas; target-val labels are never used.
type Select struct {
	Source Block `koanf:"source" doc:"held-out labelled source images (not in data.source)"`
	// Style lends its images' low-frequency amplitude spectra; nil: data.target.
	Style Block     `koanf:"style" doc:"target images whose amplitude spectra restyle the source (default: data.target)"`
	Betas []float64 `koanf:"betas" doc:"FDA band sizes, each in [0, 1); the score is the mean mIoU over them"`
	// Restyle names the restyling component; nil: {name: DefaultRestyler}.
	Restyle Block `koanf:"restyle" doc:"the restyler that turns the source toward the style images, once per beta (default: fda)"`
}

// DefaultRestyler is the restyler of data.select when data.select.restyle is absent.
const DefaultRestyler = "fda"

// RestyleBlock returns data.select.restyle, or {name: DefaultRestyler} when it is absent.
func (s Select) RestyleBlock() Block {
	if s.Restyle == nil {
		return Block{"name": DefaultRestyler}
	}
	return s.Restyle
}

// Enabled reports whether a selection set is configured.
func (s Select) Enabled() bool { return s.Source != nil }

// Train holds the optimisation schedule.
type Train struct {
	Iterations  int     `koanf:"iterations" doc:"training iterations"`
	BatchSize   int     `koanf:"batch_size" doc:"images per iteration and domain"`
	LR          float64 `koanf:"lr" doc:"segmentor base learning rate (SGD)"`
	Momentum    float64 `koanf:"momentum" doc:"SGD momentum"`
	WeightDecay float64 `koanf:"weight_decay" doc:"SGD weight decay"`
	PolyPower   float64 `koanf:"poly_power" doc:"poly LR decay power"`
	PolyHorizon int     `koanf:"poly_horizon" doc:"iterations over which poly decays to 0 (0 = iterations)"`
	HeadLRMult  float64 `koanf:"head_lr_mult" doc:"learning-rate multiplier of the classifier head"`
	DiscLR      float64 `koanf:"disc_lr" doc:"discriminator learning rate (Adam)"`
	DiscBeta1   float64 `koanf:"disc_beta1" doc:"discriminator Adam beta1"`
	DiscBeta2   float64 `koanf:"disc_beta2" doc:"discriminator Adam beta2"`
	// CheckpointEvery is the checkpoint interval in iterations (0 = only at the end).
	CheckpointEvery int `koanf:"checkpoint_every" doc:"checkpoint interval in iterations (0 = only at the end)"`
	KeepCheckpoints int `koanf:"keep_checkpoints" doc:"checkpoints kept on disk"`
	LogEvery        int `koanf:"log_every" doc:"log interval in iterations"`
	EvalEvery       int `koanf:"eval_every" doc:"validation interval in iterations (0 = only at the end)"`
	// TensorBoard writes event files under <run>/tensorboard (core/tblog's Recorder).
	TensorBoard bool `koanf:"tensorboard" doc:"write TensorBoard event files to <run>/tensorboard: losses, learning rates, val mIoU and per-class IoU, selection score, val predictions and attention maps"`
}

// Horizon returns the poly schedule's length: PolyHorizon, or Iterations when it is 0.
func (t Train) Horizon() int {
	if t.PolyHorizon > 0 {
		return t.PolyHorizon
	}
	return t.Iterations
}

// Eval holds evaluation settings.
type Eval struct {
	BatchSize int `koanf:"batch_size" doc:"images per evaluation batch"`
}

// DefaultRoot returns the defaults Root decoding starts from; name is the run name.
func DefaultRoot(name string) Root {
	return Root{
		Name:    name,
		Seed:    1,
		Backend: "go",
		OutDir:  "runs",
		Train: Train{
			BatchSize:       1,
			LR:              2.5e-4,
			Momentum:        0.9,
			WeightDecay:     5e-4,
			PolyPower:       0.9,
			HeadLRMult:      10,
			DiscLR:          1e-4,
			DiscBeta1:       0.9,
			DiscBeta2:       0.99,
			CheckpointEvery: 500,
			KeepCheckpoints: 3,
			LogEvery:        50,
		},
		Data:          Data{Select: Select{Betas: []float64{0.5, 0.9}}},
		Eval:          Eval{BatchSize: 1},
		PluginTimeout: DefaultPluginTimeout,
	}
}

// Root strictly decodes the fixed part of the configuration over DefaultRoot (named after the
// config file's stem) and checks its values. Component blocks are checked to be maps with a
// name; their options are checked by Component.
//
// The Root is decoded once and shared by every caller: treat it as read-only. It is decoded
// again only when building a component has since stored a --set scalar back into the tree as
// the string its option takes (--set segmentor.label=007): the Root's copies of the blocks
// then hold what the tree holds, as the resolved YAML does.
func (t *Tree) Root() (*Root, error) {
	if t.root != nil && t.rootAt == t.rewrites {
		return t.root, nil
	}
	r, err := t.decodeRoot()
	if err != nil {
		return nil, err
	}
	t.root, t.rootAt = r, t.rewrites
	return r, nil
}

// decodeRoot is Root without the kept value.
func (t *Tree) decodeRoot() (*Root, error) {
	stem := strings.TrimSuffix(filepath.Base(t.path), filepath.Ext(t.path))
	r := DefaultRoot(stem)
	if err := t.decoder().Decode("", t.raw, reflect.ValueOf(&r).Elem()); err != nil {
		return nil, err
	}
	if err := t.check(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

var (
	runNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	sha256RE  = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// check validates r's values, naming the offending key.
func (t *Tree) check(r *Root) error {
	checks := []struct {
		ok  bool
		key string
		msg string
	}{
		{runNameRE.MatchString(r.Name), "name", fmt.Sprintf("%q is not a usable run name (letters, digits, '.', '_', '-')", r.Name)},
		{r.Backend != "", "backend", "must not be empty"},
		{r.OutDir != "", "out_dir", "must not be empty"},
		{r.Train.Iterations >= 0, "train.iterations", "must be >= 0"},
		{r.Train.BatchSize >= 1, "train.batch_size", "must be >= 1"},
		{r.Train.LR > 0, "train.lr", "must be > 0"},
		{r.Train.Momentum >= 0 && r.Train.Momentum < 1, "train.momentum", "must be in [0, 1)"},
		{r.Train.WeightDecay >= 0, "train.weight_decay", "must be >= 0"},
		{r.Train.PolyPower >= 0, "train.poly_power", "must be >= 0"},
		{r.Train.PolyHorizon >= 0, "train.poly_horizon", "must be >= 0"},
		{r.Train.HeadLRMult > 0, "train.head_lr_mult", "must be > 0"},
		{r.Train.DiscLR > 0, "train.disc_lr", "must be > 0"},
		{r.Train.DiscBeta1 >= 0 && r.Train.DiscBeta1 < 1, "train.disc_beta1", "must be in [0, 1)"},
		{r.Train.DiscBeta2 >= 0 && r.Train.DiscBeta2 < 1, "train.disc_beta2", "must be in [0, 1)"},
		{r.Train.CheckpointEvery >= 0, "train.checkpoint_every", "must be >= 0"},
		{r.Train.KeepCheckpoints >= 1, "train.keep_checkpoints", "must be >= 1"},
		{r.Train.LogEvery >= 1, "train.log_every", "must be >= 1"},
		{r.Train.EvalEvery >= 0, "train.eval_every", "must be >= 0"},
		{r.Eval.BatchSize >= 1, "eval.batch_size", "must be >= 1"},
		{r.PluginTimeout > 0, "plugin_timeout", "must be > 0"},
	}
	for _, c := range checks {
		if !c.ok {
			return t.errorf(c.key, "%s", c.msg)
		}
	}
	if r.Data.Select.Enabled() {
		if len(r.Data.Select.Betas) == 0 {
			return t.errorf("data.select.betas", "must list at least one beta")
		}
		for i, b := range r.Data.Select.Betas {
			if !(b >= 0 && b < 1) {
				return t.errorf(fmt.Sprintf("data.select.betas[%d]", i), "%v must be in [0, 1)", b)
			}
		}
		if r.Data.Select.Style == nil && r.Data.Target == nil {
			return t.errorf("data.select.style", "no style images: set data.select.style or data.target")
		}
	} else if r.Data.Select.Style != nil {
		return t.errorf("data.select.source", "missing: data.select.style is set but there are no held-out source images to restyle")
	} else if r.Data.Select.Restyle != nil {
		return t.errorf("data.select.source", "missing: data.select.restyle is set but there are no held-out source images to restyle")
	}
	for i, p := range r.Plugins {
		key := fmt.Sprintf("plugins[%d]", i)
		if p.Path == "" {
			return t.errorf(key+".path", "must not be empty")
		}
		if p.SHA256 != "" && !sha256RE.MatchString(p.SHA256) {
			return t.errorf(key+".sha256", "%q is not a hex SHA-256 (64 hex digits)", p.SHA256)
		}
	}
	for i, dir := range r.PluginDirs {
		if dir == "" {
			return t.errorf(fmt.Sprintf("plugin_dirs[%d]", i), "must not be empty")
		}
	}
	for _, path := range t.blockPaths(r) {
		b, _ := t.get(path)
		if _, ok := b.(map[string]any)["name"].(string); !ok {
			return t.errorf(value.Join(path, "name"), "missing module name")
		}
	}
	return nil
}

// blockPaths lists the paths of the component blocks present in r, sorted.
func (t *Tree) blockPaths(r *Root) []string {
	var paths []string
	add := func(path string, b Block) {
		if b != nil {
			paths = append(paths, path)
		}
	}
	add("data.source", r.Data.Source)
	add("data.target", r.Data.Target)
	add("data.val", r.Data.Val)
	add("data.select.source", r.Data.Select.Source)
	add("data.select.style", r.Data.Select.Style)
	add("data.select.restyle", r.Data.Select.Restyle)
	for _, role := range value.SortedKeys(r.Discriminators) {
		add("discriminators."+role, r.Discriminators[role])
	}
	add("segmentor", r.Segmentor)
	add("strategy", r.Strategy)
	return paths
}
