package weights_test

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/dast-uda/dast/backbones/resnet"
	_ "github.com/dast-uda/dast/backbones/vgg"
	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// The test files are written by testdata/make_pth.py: every kernel [O,I,KH,KW] is a strided
// view with element (o,i,y,x) = stored(o+i+y+x), every 1-D tensor 0.5.
func stored(j int) float32 { return float32((37*j)%101) / 101 }

// kernelOK checks an HWIO kernel against that pattern.
func kernelOK(t Tensor4) bool {
	kh, kw, in, o := t.shape[0], t.shape[1], t.shape[2], t.shape[3]
	for y := range kh {
		for x := range kw {
			for i := range in {
				for c := range o {
					if t.data[((y*kw+x)*in+i)*o+c] != stored(c+i+y+x) {
						return false
					}
				}
			}
		}
	}
	return true
}

type Tensor4 struct {
	shape []int
	data  []float32
}

// TestReadPyTorchFormats reads the zip and legacy files: every key of the key lists, in
// PyTorch's layout, values through sizes and strides, integer buffers without data.
func TestReadPyTorchFormats(t *testing.T) {
	tests := []struct {
		file, keys string
		prefix     string
		extra      int // keys beyond the list (DeepLab's layer5), minus the dropped ones
	}{
		{"torchvision_resnet101_tiny.pth", "torchvision_resnet101_keys.txt", "", 0},
		{"torchvision_vgg16_tiny.pth", "torchvision_vgg16_keys.txt", "", 0},
		{"torchvision_vgg16_tiny_legacy.pth", "torchvision_vgg16_keys.txt", "", 0},
		{"deeplab_resnet101_init_tiny_legacy.pth", "torchvision_resnet101_keys.txt", "Scale.", 8 - 2 - 104},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := weights.ReadPyTorch(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			list, err := weights.ReadKeyList(filepath.Join("testdata", tt.keys))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(list)+tt.extra {
				t.Errorf("%d tensors, want %d", len(got), len(list)+tt.extra)
			}
			for k, want := range list {
				g, ok := got[tt.prefix+k]
				if tt.prefix != "" && (strings.HasPrefix(k, "fc.") || strings.HasSuffix(k, "num_batches_tracked")) {
					continue
				}
				if strings.HasPrefix(k, "classifier.") { // VGG's ignored head, cut small by make_pth.py
					if !ok {
						t.Errorf("%s missing", k)
					}
					continue
				}
				if !ok || !slices.Equal(g.Shape, want.Shape) {
					t.Fatalf("%s%s: %v (present %v), want shape %v", tt.prefix, k, g.Shape, ok, want.Shape)
				}
				switch {
				case strings.HasSuffix(k, "num_batches_tracked"):
					if g.Data != nil {
						t.Errorf("%s: integer buffer with data", k)
					}
				case len(g.Shape) == 1:
					if len(g.Data) != g.Shape[0] || g.Data[0] != 0.5 || g.Data[len(g.Data)-1] != 0.5 {
						t.Errorf("%s: %d values, first %v", k, len(g.Data), g.Data[:1])
					}
				case len(g.Shape) == 4:
					hwio := weights.OIHWToHWIO(g)
					if !kernelOK(Tensor4{hwio.Shape, hwio.Data}) {
						t.Errorf("%s: values differ from the strided pattern", k)
					}
				}
			}
		})
	}
}

// segmentor builds a segmentor as a config names it, with its pretrained option set to path
// (strict: no allow_partial).
func segmentor(t *testing.T, name, path string) model.Segmentor {
	t.Helper()
	yml := fmt.Sprintf("segmentor: {name: %s, pretrained: %q}\n", name, path)
	tree, err := config.LoadFS(fstest.MapFS{"c.yaml": {Data: []byte(yml)}}, "c.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := tree.Component("segmentor", "segmentor")
	if err != nil {
		t.Fatal(err)
	}
	seg, err := mod.(model.SegmentorBuilder).NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

// withoutIntBuffers drops num_batches_tracked keys, which Convert leaves out.
func withoutIntBuffers(keys []string) []string {
	return slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return strings.HasSuffix(k, "num_batches_tracked") })
}

// TestPyTorchIntoSegmentors loads the .pth files strictly (no allow_partial) into the paper's
// ResNet-101 and VGG-16 segmentors and checks loaded kernels in HWIO; a file converted to
// safetensors (dast weights convert) maps to exactly the same set.
func TestPyTorchIntoSegmentors(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	tests := []struct {
		seg, file, arch string
		probe           [2]string // a variable scope and name to check
	}{
		{"resnet101", "torchvision_resnet101_tiny.pth", "resnet", [2]string{"/segmentor/layer3/22/conv2", "weights"}},
		{"resnet101", "deeplab_resnet101_init_tiny_legacy.pth", "resnet", [2]string{"/segmentor/layer1/0/downsample/0", "weights"}},
		{"vgg16", "torchvision_vgg16_tiny.pth", "vgg16", [2]string{"/segmentor/features/28", "weights"}},
		{"vgg16", "torchvision_vgg16_tiny_legacy.pth", "vgg16", [2]string{"/segmentor/features/0", "weights"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			seg := segmentor(t, tt.seg, path)
			ctx := context.New().Checked(false).In("segmentor")
			g := graph.NewGraph(b, "pth")
			defer g.Finalize()
			func() {
				defer func() { // a strict mismatch panics here with the full key/shape report
					if r := recover(); r != nil {
						t.Fatalf("strict load: %v", r)
					}
				}()
				seg.Predict(ctx, seg.Extract(ctx, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 33, 33, 3))))
			}()
			v := ctx.GetVariableByScopeAndName(tt.probe[0], tt.probe[1])
			if v == nil || !v.HasValue() {
				t.Fatalf("%s/%s was not loaded", tt.probe[0], tt.probe[1])
			}
			k := Tensor4{v.Shape().Dimensions, tensors.MustCopyFlatData[float32](v.MustValue())}
			if !kernelOK(k) {
				t.Errorf("%s/%s %v: values are not the file's kernel in HWIO", tt.probe[0], tt.probe[1], k.shape)
			}

			// Round trip: .pth -> .safetensors (PyTorch names and layout) -> the same set.
			arch, err := weights.ParseArch(tt.arch)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "w.safetensors")
			if _, err := weights.Convert(path, out); err != nil {
				t.Fatal(err)
			}
			a, err := weights.Load(path, arch)
			if err != nil {
				t.Fatal(err)
			}
			c, err := weights.Load(out, arch)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Names(), c.Names()) || !slices.Equal(withoutIntBuffers(a.Ignored), c.Ignored) || !slices.Equal(a.Unexpected, c.Unexpected) {
				t.Fatalf("converted set differs: %d/%d names, ignored %d/%d", len(a.Names()), len(c.Names()), len(a.Ignored), len(c.Ignored))
			}
			for _, n := range a.Names() {
				if !slices.Equal(a.Tensors[n].Shape, c.Tensors[n].Shape) || !slices.Equal(a.Tensors[n].Data, c.Tensors[n].Data) {
					t.Fatalf("%s differs after conversion", n)
				}
			}
			if _, meta, err := checkpoint.ReadFile(out); err != nil || meta["source"] != filepath.Base(path) {
				t.Errorf("converted metadata %v (%v)", meta, err)
			}
		})
	}
}

// TestReadPyTorchErrors: what is not a state dict is an error naming the file.
func TestReadPyTorchErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pth")
	if err := os.WriteFile(junk, []byte("not a pickle at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{junk, filepath.Join(dir, "missing.pth")} {
		if _, err := weights.ReadPyTorch(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file", p, err)
		}
	}
}

// FuzzReadPyTorch feeds mutated checkpoints to the reader: errors, never panics. (Before the
// length checks of checkPyTorchSizes, a mutated pickle string length made gopickle allocate
// gigabytes; under -fuzz the engine still stalls now and then on an input it does not save,
// while 7,000 random mutations of the test files run outside it each read or failed in < 2 s.)
func FuzzReadPyTorch(f *testing.F) {
	for _, name := range []string{"torchvision_vgg16_tiny_legacy.pth", "torchvision_vgg16_tiny.pth"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.pth")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		weights.ReadPyTorch(p) //nolint:errcheck // only panics matter
	})
}

// TestReadPyTorchDeclaredSizes: a storage declaring more values than the file holds for it is
// an error before anything is allocated, in both formats.
func TestReadPyTorchDeclaredSizes(t *testing.T) {
	dir := t.TempDir()
	// Zip: rewrite the archive with one storage record cut to 8 bytes.
	zr, err := zip.OpenReader(filepath.Join("testdata", "torchvision_vgg16_tiny.pth"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	cut := filepath.Join(dir, "cut.pth")
	out, err := os.Create(cut)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	done := false
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !done && strings.Contains(f.Name, "/data/") && len(b) > 8 {
			b, done = b[:8], true
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	// Legacy: the file cut short inside its last storage.
	b, err := os.ReadFile(filepath.Join("testdata", "torchvision_vgg16_tiny_legacy.pth"))
	if err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.pth")
	if err := os.WriteFile(short, b[:len(b)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cut, short} {
		_, err := weights.ReadPyTorch(p)
		if err == nil || !strings.Contains(err.Error(), "declares") || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one about a declared storage size", filepath.Base(p), err)
		}
	}
	if !done {
		t.Fatal("no storage record found to cut")
	}
}

// TestScanPickle checks the opcode walk on pickles with known bytes: its length, and a
// declared length beyond the data is an error before anything is read.
func TestScanPickle(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		n       int64
		wantErr string
	}{
		// PROTO 2, BINUNICODE "ab", BINPUT 0, STOP
		{"string", []byte{0x80, 2, 'X', 2, 0, 0, 0, 'a', 'b', 'q', 0, '.'}, 12, ""},
		// EMPTY_DICT, MARK, SHORT_BINUNICODE "k", BININT1 7, SETITEMS, STOP, trailing bytes
		{"dict", []byte{'}', '(', 0x8c, 1, 'k', 'K', 7, 'u', '.', 0xff}, 9, ""},
		// GLOBAL "collections\nOrderedDict\n", EMPTY_TUPLE, REDUCE, STOP
		{"global", append(append([]byte{'c'}, "collections\nOrderedDict\n"...), ')', 'R', '.'), 28, ""},
		{"huge string", []byte{0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', '.'}, 0, "argument of 2147483647 bytes"},
		{"huge bytes8", []byte{0x8e, 0, 0, 0, 0, 0, 0, 0, 0x10, '.'}, 0, "beyond the 10 bytes"},
		{"no stop", []byte{0x80, 2, 'N'}, 0, "0 left"},
		{"unknown opcode", []byte{0xfe, '.'}, 0, "unknown opcode 0xfe"},
	}
	for _, tt := range tests {
		n, err := weights.ScanPickle(tt.data)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || n != tt.n {
			t.Errorf("%s: %d bytes, %v; want %d", tt.name, n, err, tt.n)
		}
	}
}

// FuzzScanPickle: the opcode walk never panics and never reports more bytes than it was given.
func FuzzScanPickle(f *testing.F) {
	f.Add([]byte{0x80, 2, 'X', 2, 0, 0, 0, 'a', 'b', 'q', 0, '.'})
	f.Add(append(append([]byte{'c'}, "collections\nOrderedDict\n"...), ')', 'R', '.'))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := weights.ScanPickle(b); err == nil && (n < 1 || n > int64(len(b))) {
			t.Fatalf("%d bytes reported of %d", n, len(b))
		}
	})
}
