package small

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func defaults() Config { return *Config{}.Module().New().(*Config) }

// build creates the segmentor's variables in a fresh context below /segmentor and returns it.
func build(t *testing.T, c Config) (root *context.Context, err error) {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	seg, err := c.NewSegmentor(19)
	if err != nil {
		return nil, err
	}
	root = context.New().Checked(false)
	g := graph.NewGraph(b, "small")
	defer g.Finalize()
	defer func() { // Use reports a strict mismatch by panicking, as GoMLX layers do
		if p := recover(); p != nil {
			root, err = nil, fmt.Errorf("%v", p)
		}
	}()
	x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 32, 64, 3))
	ctx := root.In("segmentor")
	seg.Predict(ctx, seg.Extract(ctx, x))
	return root, nil
}

// TestBuiltinEncoder checks that pretrained: builtin initialises conv1..conv7 with the embedded
// file's values and leaves the classifier to its random initializer.
func TestBuiltinEncoder(t *testing.T) {
	c := defaults()
	c.Pretrained = Builtin
	root, err := build(t, c)
	if err != nil {
		t.Fatal(err)
	}
	set, err := weights.ReadNative("builtin", encoder)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for i := 1; i <= 7; i++ {
		for _, v := range []string{nn.VarBias, nn.VarWeights} {
			want = append(want, "conv"+string(rune('0'+i))+"/"+v)
		}
	}
	if got := set.Names(); !slices.Equal(got, want) {
		t.Fatalf("embedded tensors %v, want %v", got, want)
	}
	for _, name := range want {
		scope, v, _ := strings.Cut(name, "/")
		got := tensors.MustCopyFlatData[float32](root.GetVariableByScopeAndName("/segmentor/"+scope, v).MustValue())
		if !slices.Equal(got, set.Tensors[name].Data) {
			t.Errorf("%s: variable differs from the embedded file", name)
		}
	}
	if v := root.GetVariableByScopeAndName("/segmentor/classifier/branch0", nn.VarWeights); v == nil || v.HasValue() {
		t.Error("the classifier should be left to its initializer")
	}
}

// TestBuiltinProvenance checks the provenance file beside the embedded encoder: its sha256 and
// size are the embedded bytes', its tensor list the file's.
func TestBuiltinProvenance(t *testing.T) {
	var p struct {
		SHA256  string   `json:"sha256"`
		Bytes   int      `json:"bytes"`
		Config  string   `json:"config"`
		Seed    int64    `json:"seed"`
		Tensors []string `json:"tensors"`
		Rev     string   `json:"revision"`
	}
	if err := json.Unmarshal(encoderProvenance, &p); err != nil {
		t.Fatalf("%s: %v", EncoderProvenanceFile, err)
	}
	sum := sha256.Sum256(encoder)
	if got := hex.EncodeToString(sum[:]); got != p.SHA256 || p.Bytes != len(encoder) {
		t.Errorf("embedded encoder sha256 %s (%d bytes), provenance says %s (%d bytes)", got, len(encoder), p.SHA256, p.Bytes)
	}
	set, err := weights.ReadNative("builtin", encoder)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Names(), p.Tensors) || p.Config == "" || p.Rev == "" || p.Seed == 0 {
		t.Errorf("provenance %+v does not describe the file (tensors %v)", p, set.Names())
	}
}

func TestPretrainedErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "int.safetensors")
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, map[string]checkpoint.Tensor{"conv1/bias": {DType: "I32", Shape: []int{1}, Data: make([]byte, 4)}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		edit   func(*Config)
		expect string
	}{
		{"missing file", func(c *Config) { c.Pretrained = filepath.Join(dir, "absent.safetensors") }, "absent.safetensors"},
		{"integer tensor", func(c *Config) { c.Pretrained = bad }, `"conv1/bias": dtype I32`},
		{"other widths", func(c *Config) { c.Pretrained, c.Widths = Builtin, []int{8, 16, 32} }, "shape mismatches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaults()
			tt.edit(&c)
			_, err := build(t, c)
			if err == nil || !strings.Contains(err.Error(), tt.expect) {
				t.Errorf("err = %v, want one containing %q", err, tt.expect)
			}
		})
	}
	c := defaults()
	c.Pretrained, c.Widths, c.AllowPartial = Builtin, []int{8, 16, 32}, true
	if _, err := build(t, c); err != nil {
		t.Errorf("allow_partial with other widths: %v", err)
	}
}
