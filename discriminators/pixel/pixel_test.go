package pixel

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/discriminators"
	"github.com/dast-uda/dast/registry"
)

// newConfig returns the registry's defaults changed by mutate.
func newConfig(t *testing.T, mutate func(*Config)) *Config {
	t.Helper()
	info, err := registry.Lookup("discriminator.pixel")
	if err != nil {
		t.Fatal(err)
	}
	c := info.New().(*Config)
	if mutate != nil {
		mutate(c)
	}
	return c
}

func TestValidation(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mutate  func(*Config)
		in      int
		wantErr string
	}{
		{"defaults", nil, 19, ""},
		{"no hidden layer", func(c *Config) { c.Channels = nil }, 19, "channels: need at least one hidden layer"},
		{"zero width", func(c *Config) { c.Channels = []int{8, 0} }, 19, "channels[1]: 0 is out of range"},
		{"slope", func(c *Config) { c.Slope = 1 }, 19, "slope: 1 must be in [0, 1)"},
		{"no input", nil, 0, "input channels 0 must be >= 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := model.DiscriminatorBuilder(newConfig(t, tt.mutate)).NewDiscriminator(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestForward runs the net on the pure-Go backend and compares it with the same 1x1 convs
// computed on the host from the variables' values.
func TestForward(t *testing.T) {
	const n, h, w, cin = 2, 3, 5, 4
	d, err := newConfig(t, func(c *Config) { c.Channels = []int{6, 3} }).NewDiscriminator(cin)
	if err != nil {
		t.Fatal(err)
	}
	net := d.(*discriminators.Net)
	if want := 4*6 + 6 + 6*3 + 3 + 3*1 + 1; net.NumParams(cin) != want {
		t.Errorf("NumParams = %d, want %d", net.NumParams(cin), want)
	}
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	x := make([]float32, n*h*w*cin)
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.7))
	}
	ctx := context.New().Checked(false)
	var got *tensors.Tensor
	done := make(chan error, 1)
	go func() {
		exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node { return net.Apply(ctx, x) })
		if err == nil {
			var res []*tensors.Tensor
			if res, err = exec.Exec(tensors.FromFlatDataAndDimensions(x, n, h, w, cin)); err == nil {
				got = res[0]
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("forward timed out")
	}
	if want := []int{n, h, w, 1}; !reflect.DeepEqual(got.Shape().Dimensions, want) {
		t.Fatalf("output %s, want %v", got.Shape(), want)
	}
	// Host reference: per pixel, y = W^T x + b with LeakyReLU between layers.
	vals := func(scope, name string) []float32 {
		v := ctx.In(scope).GetVariable(name)
		if v == nil {
			t.Fatalf("no variable %s/%s", scope, name)
		}
		var out []float32
		tensors.ConstFlatData(v.MustValue(), func(f []float32) { out = append(out, f...) })
		return out
	}
	var gotFlat []float32
	tensors.ConstFlatData(got, func(f []float32) { gotFlat = append(gotFlat, f...) })
	widths := []int{cin, 6, 3, 1}
	for p := range n * h * w {
		act := append([]float32(nil), x[p*cin:(p+1)*cin]...)
		for l := range 3 {
			scope := discriminators.LayerScope(l, 3)
			wt, bias := vals(scope, "weights"), vals(scope, "bias")
			next := make([]float32, widths[l+1])
			for o := range next {
				s := float64(bias[o])
				for i, a := range act {
					s += float64(a) * float64(wt[i*widths[l+1]+o])
				}
				if l < 2 && s < 0 {
					s *= 0.2
				}
				next[o] = float32(s)
			}
			act = next
		}
		if diff := math.Abs(float64(act[0] - gotFlat[p])); diff > 1e-5 {
			t.Fatalf("pixel %d: got %v, host reference %v", p, gotFlat[p], act[0])
		}
	}
}
