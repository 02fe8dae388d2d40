package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/internal/atomicfile"
)

const (
	prefix = "ckpt-"
	suffix = ".safetensors"
)

// Entry is one checkpoint file of a run.
type Entry struct {
	Path      string
	Iteration int
}

// FileName is the name of the checkpoint of an iteration.
func FileName(iteration int) string { return fmt.Sprintf("%s%08d%s", prefix, iteration, suffix) }

var dtypeNames = map[dtypes.DType]string{
	dtypes.Float32: "F32", dtypes.Float64: "F64", dtypes.Int32: "I32", dtypes.Int64: "I64",
	dtypes.Uint64: "U64", dtypes.Uint32: "U32", dtypes.Uint8: "U8", dtypes.Int8: "I8", dtypes.Bool: "BOOL",
}

func dtypeFromName(name string) (dtypes.DType, bool) {
	for d, n := range dtypeNames {
		if n == name {
			return d, true
		}
	}
	return dtypes.InvalidDType, false
}

// FromTensor converts a GoMLX tensor to a safetensors entry.
func FromTensor(t *tensors.Tensor) (Tensor, error) {
	name, ok := dtypeNames[t.DType()]
	if !ok {
		return Tensor{}, fmt.Errorf("dtype %s cannot be stored", t.DType())
	}
	var data []byte
	err := t.ConstBytes(func(b []byte) { data = append([]byte(nil), b...) })
	if err != nil {
		return Tensor{}, err
	}
	return Tensor{DType: name, Shape: append([]int{}, t.Shape().Dimensions...), Data: data}, nil
}

// ToTensor converts a safetensors entry to a GoMLX tensor.
func ToTensor(t Tensor) (*tensors.Tensor, error) {
	dt, ok := dtypeFromName(t.DType)
	if !ok {
		return nil, fmt.Errorf("dtype %s is not supported", t.DType)
	}
	out := tensors.FromShape(shapes.Make(dt, t.Shape...))
	err := out.MutableBytes(func(b []byte) {
		copy(b, t.Data)
	})
	return out, err
}

// Save writes every variable of ctx and meta to dir/ckpt-<iteration>.safetensors, atomically,
// then deletes all but the newest keep checkpoints (keep <= 0 keeps all).
func Save(dir string, iteration int, ctx *context.Context, meta map[string]string, keep int) (string, error) {
	all := map[string]Tensor{}
	var err error
	ctx.EnumerateVariables(func(v *context.Variable) {
		if err != nil {
			return
		}
		val, verr := v.Value()
		if verr != nil {
			err = fmt.Errorf("variable %s: %w", v.ScopeAndName(), verr)
			return
		}
		t, terr := FromTensor(val)
		if terr != nil {
			err = fmt.Errorf("variable %s: %w", v.ScopeAndName(), terr)
			return
		}
		all[v.ScopeAndName()] = t
	})
	if err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	m := map[string]string{"iteration": strconv.Itoa(iteration)}
	for k, v := range meta {
		m[k] = v
	}
	path := filepath.Join(dir, FileName(iteration))
	if err := atomicfile.WriteMkdir(path, func(f *os.File) error { return Write(f, all, m) }); err != nil {
		return "", err
	}
	if keep > 0 {
		entries, err := List(dir)
		if err != nil {
			return path, err
		}
		for i := 0; i < len(entries)-keep; i++ {
			if err := os.Remove(entries[i].Path); err != nil {
				return path, fmt.Errorf("checkpoint: remove old %s: %w", entries[i].Path, err)
			}
		}
	}
	return path, nil
}

// List returns the checkpoints in dir, oldest first. A missing dir has none.
func List(dir string) ([]Entry, error) {
	names, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range names {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || !strings.HasSuffix(n, suffix) {
			continue
		}
		it, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(n, prefix), suffix))
		if err != nil {
			continue
		}
		out = append(out, Entry{Path: filepath.Join(dir, n), Iteration: it})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Iteration < out[j].Iteration })
	return out, nil
}

// Latest returns the newest checkpoint in dir; ok is false when there is none.
func Latest(dir string) (e Entry, ok bool, err error) {
	all, err := List(dir)
	if err != nil || len(all) == 0 {
		return Entry{}, false, err
	}
	return all[len(all)-1], true, nil
}

// Snapshot is a checkpoint read into memory. Attach it to a context with Attach before the
// graph that creates the variables is built: each variable then takes its value from the
// snapshot instead of its initializer.
type Snapshot struct {
	Path    string
	Meta    map[string]string
	tensors map[string]Tensor
	used    map[string]bool
}

// Open reads a checkpoint file.
func Open(path string) (*Snapshot, error) {
	t, m, err := ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	return &Snapshot{Path: path, Meta: m, tensors: t, used: map[string]bool{}}, nil
}

// Iteration is the training iteration the snapshot was taken at.
func (s *Snapshot) Iteration() (int, error) {
	it, err := strconv.Atoi(s.Meta["iteration"])
	if err != nil {
		return 0, fmt.Errorf("checkpoint %s: metadata has no valid iteration: %q", s.Path, s.Meta["iteration"])
	}
	return it, nil
}

// Names lists the stored variable names, sorted.
func (s *Snapshot) Names() []string {
	out := make([]string, 0, len(s.tensors))
	for k := range s.tensors {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Tensor returns one stored tensor by variable name (scope and name, "/seg/conv1/weights").
func (s *Snapshot) Tensor(name string) (Tensor, bool) {
	t, ok := s.tensors[name]
	return t, ok
}

// Attach makes ctx load its variables from the snapshot as they are created. Models must then
// create their variables through an unchecked context (ctx.Checked(false)), as dast's trainer
// does, since a loaded variable already exists when the layer asks for it.
func (s *Snapshot) Attach(ctx *context.Context) { ctx.SetLoader(s) }

// LoadVariable implements context.Loader.
func (s *Snapshot) LoadVariable(ctx *context.Context, scope, name string) (*tensors.Tensor, bool) {
	key := context.JoinScope(scope, name)
	t, ok := s.tensors[key]
	if !ok {
		return nil, false
	}
	v, err := ToTensor(t)
	if err != nil {
		panic(fmt.Errorf("checkpoint %s: variable %s: %w", s.Path, key, err))
	}
	s.used[key] = true
	return v, true
}

// DeleteVariable implements context.Loader.
func (s *Snapshot) DeleteVariable(_ *context.Context, scope, name string) error {
	delete(s.tensors, context.JoinScope(scope, name))
	return nil
}

// Verify checks, once the graph has been built, that the snapshot and ctx hold exactly the same
// variables with the same shapes: resuming from a checkpoint of another model is an error that
// lists what is missing and what is unexpected.
func (s *Snapshot) Verify(ctx *context.Context) error {
	var missing, mismatched []string
	have := map[string]bool{}
	ctx.EnumerateVariables(func(v *context.Variable) {
		key := v.ScopeAndName()
		have[key] = true
		t, ok := s.tensors[key]
		if !ok {
			missing = append(missing, key)
			return
		}
		if !shapes.Make(v.DType(), t.Shape...).Equal(v.Shape()) {
			mismatched = append(mismatched, fmt.Sprintf("%s (checkpoint %s %v, model %s)", key, t.DType, t.Shape, v.Shape()))
		}
	})
	var unexpected []string
	for k := range s.tensors {
		if !have[k] {
			unexpected = append(unexpected, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(unexpected)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(unexpected) > 0 {
		parts = append(parts, "unexpected "+strings.Join(unexpected, ", "))
	}
	if len(mismatched) > 0 {
		parts = append(parts, "shape mismatch "+strings.Join(mismatched, ", "))
	}
	if len(parts) > 0 {
		return fmt.Errorf("checkpoint %s does not match the model: %s", s.Path, strings.Join(parts, "; "))
	}
	return nil
}

// VerifyUsed checks that every variable of ctx was loaded from the snapshot (a subset of it may
// be used, as inference uses only the model's weights): a variable the snapshot lacks would
// otherwise run with its random initial value.
func (s *Snapshot) VerifyUsed(ctx *context.Context) error {
	var missing []string
	ctx.EnumerateVariables(func(v *context.Variable) {
		if !s.used[v.ScopeAndName()] {
			missing = append(missing, v.ScopeAndName())
		}
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("checkpoint %s lacks %s: it is not a checkpoint of this model", s.Path, strings.Join(missing, ", "))
	}
	return nil
}

// IsModelVariable reports whether a stored variable belongs to the model rather than to the
// training state: optimizer state lives under scopes named "*_opt" and the RNG state is
// "/#rngState".
func IsModelVariable(name string) bool {
	if name == "/#rngState" {
		return false
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(name, "/"), "/")
	return !strings.HasSuffix(first, "_opt")
}

// modelLoader hands out only model variables of a snapshot.
type modelLoader struct{ s *Snapshot }

func (l modelLoader) LoadVariable(ctx *context.Context, scope, name string) (*tensors.Tensor, bool) {
	if !IsModelVariable(context.JoinScope(scope, name)) {
		return nil, false
	}
	return l.s.LoadVariable(ctx, scope, name)
}

func (l modelLoader) DeleteVariable(ctx *context.Context, scope, name string) error {
	return l.s.DeleteVariable(ctx, scope, name)
}

// AttachModel makes ctx take its model variables (not optimizer state, not the RNG) from the
// snapshot as they are created: a run that starts from another run's weights.
func (s *Snapshot) AttachModel(ctx *context.Context) { ctx.SetLoader(modelLoader{s}) }

// VerifyModel checks, after the graph was built, that the model variables of ctx and of the
// snapshot are the same set: every trainable variable came from the snapshot and every stored
// model variable was used.
func (s *Snapshot) VerifyModel(ctx *context.Context) error {
	var fresh, unused []string
	have := map[string]bool{}
	ctx.EnumerateVariables(func(v *context.Variable) {
		name := v.ScopeAndName()
		have[name] = true
		if IsModelVariable(name) && !s.used[name] {
			fresh = append(fresh, name)
		}
	})
	for name := range s.tensors {
		if IsModelVariable(name) && !have[name] {
			unused = append(unused, name)
		}
	}
	sort.Strings(fresh)
	sort.Strings(unused)
	var parts []string
	if len(fresh) > 0 {
		parts = append(parts, "not in the checkpoint: "+strings.Join(fresh, ", "))
	}
	if len(unused) > 0 {
		parts = append(parts, "not in the model: "+strings.Join(unused, ", "))
	}
	if len(parts) > 0 {
		return fmt.Errorf("init_from %s does not match the model: %s", s.Path, strings.Join(parts, "; "))
	}
	return nil
}
