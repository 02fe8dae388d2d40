package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestWriteReadRoundTrip(t *testing.T) {
	in := map[string]Tensor{
		"/a/w":   {DType: "F32", Shape: []int{2, 3}, Data: bytes.Repeat([]byte{1, 2, 3, 4}, 6)},
		"/b":     {DType: "I64", Shape: []int{}, Data: []byte{9, 0, 0, 0, 0, 0, 0, 0}},
		"/empty": {DType: "F32", Shape: []int{0, 4}, Data: []byte{}},
	}
	meta := map[string]string{"iteration": "7", "order": "x"}
	var buf bytes.Buffer
	if err := Write(&buf, in, meta); err != nil {
		t.Fatal(err)
	}
	// The header is 8-byte aligned, as the format recommends.
	if hl := int(buf.Bytes()[0]); (8+hl)%8 != 0 {
		t.Errorf("header length %d leaves data unaligned", hl)
	}
	out, m, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if m["iteration"] != "7" || m["order"] != "x" {
		t.Errorf("meta = %v", m)
	}
	for k, want := range in {
		got, ok := out[k]
		if !ok || got.DType != want.DType || !bytes.Equal(got.Data, want.Data) || len(got.Shape) != len(want.Shape) {
			t.Errorf("%s: got %+v, want %+v", k, got, want)
		}
	}
	// Same state, same bytes.
	var again bytes.Buffer
	Write(&again, in, meta)
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("writing the same state twice gave different bytes")
	}
}

func TestReadRejectsDamage(t *testing.T) {
	var buf bytes.Buffer
	Write(&buf, map[string]Tensor{"/w": {DType: "F32", Shape: []int{4}, Data: make([]byte, 16)}}, nil)
	good := buf.Bytes()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"truncated data", good[:len(good)-4], "truncated"},
		{"header longer than file", append([]byte{255, 255, 0, 0, 0, 0, 0, 0}, good[8:]...), "does not fit"},
		{"not json", append(append([]byte{}, good[:8]...), bytes.Repeat([]byte{'x'}, len(good)-8)...), "not JSON"},
	}
	for _, tt := range tests {
		_, _, err := Read(bytes.NewReader(tt.data), int64(len(tt.data)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, map[string]Tensor{"/w": {DType: "F32", Shape: []int{2}, Data: make([]byte, 8)}}, map[string]string{"a": "b"})
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		tens, _, err := Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for name, tt := range tens {
			if numElems(tt.Shape)*elemSize(tt.DType) != len(tt.Data) {
				t.Fatalf("%s: accepted a tensor whose data does not match its shape", name)
			}
		}
	})
}

func TestSaveKeepsLastN(t *testing.T) {
	dir := t.TempDir()
	ctx := context.New()
	ctx.In("m").VariableWithValue("w", []float32{1, 2, 3})
	for _, it := range []int{10, 20, 30, 40} {
		if _, err := Save(dir, it, ctx, map[string]string{"k": "v"}, 2); err != nil {
			t.Fatal(err)
		}
	}
	all, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Iteration != 30 || all[1].Iteration != 40 {
		t.Fatalf("kept %+v, want iterations 30 and 40", all)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	last, ok, err := Latest(dir)
	if err != nil || !ok || last.Iteration != 40 {
		t.Fatalf("Latest = %+v %v %v", last, ok, err)
	}
}

// TestAttachRestoresValues saves a context, then builds the same model in a fresh context with
// the snapshot attached: the variables take the saved values, not their initializers.
func TestAttachRestoresValues(t *testing.T) {
	backend, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	model := func(ctx *context.Context, x *graph.Node) *graph.Node {
		w := ctx.Checked(false).In("m").VariableWithShape("w", shapes.Make(dtypes.Float32, 3)).ValueGraph(x.Graph())
		return graph.ReduceAllSum(graph.Mul(x, w))
	}
	ctx := context.New()
	ctx.SetRNGStateFromSeed(1)
	e := context.MustNewExec(backend, ctx, model)
	x := tensors.FromValue([]float32{1, 1, 1})
	want := e.MustExec(x)[0].Value().(float32)
	dir := t.TempDir()
	path, err := Save(dir, 5, ctx, nil, 0)
	if err != nil {
		t.Fatal(err)
	}

	snap, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := snap.Iteration(); it != 5 {
		t.Errorf("iteration %d, want 5", it)
	}
	ctx2 := context.New()
	ctx2.SetRNGStateFromSeed(999) // a different init would give a different sum
	snap.Attach(ctx2)
	e2 := context.MustNewExec(backend, ctx2, model)
	if err := e2.PreCompile(x); err != nil {
		t.Fatal(err)
	}
	if err := snap.Verify(ctx2); err != nil {
		t.Fatal(err)
	}
	if got := e2.MustExec(x)[0].Value().(float32); got != want {
		t.Errorf("restored model gives %v, want %v", got, want)
	}

	// A checkpoint of another model is rejected with the names at fault.
	ctx3 := context.New()
	snap3, _ := Open(path)
	snap3.Attach(ctx3)
	ctx3.In("other").VariableWithValue("v", []float32{0})
	err = snap3.Verify(ctx3)
	if err == nil || !strings.Contains(err.Error(), "/other/v") || !strings.Contains(err.Error(), "/m/w") {
		t.Errorf("Verify error %v, want it to name /other/v and /m/w", err)
	}
	_ = os.Remove(path)
}
