package sdk

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

func residual(o Options, _ int) ([]Layer, error) {
	return []Layer{Conv(o.Int("width"), 3, 1, 1).Named("a"), ReLU(), Add("a", InputName), Conv(1, 1, 1, 0)}, nil
}

func TestLayerProtoRoundTrip(t *testing.T) {
	pool := AvgPool(3, 2, 1)
	pool.CeilMode = true
	layers := []Layer{
		Conv(8, 4, 2, 1).Named("c"), LeakyReLU(0.2), Tanh(), ReLU(), Add("c", "d"), Concat(InputName, "c"),
		pool, MaxPool(2, 2, 0).From("c"), Upsample(2, true), UpsampleTo("c", false), SelfAttention(4),
		{Type: TypeInstanceNorm, Affine: true, Eps: 1e-3}, {Type: TypeConv, Out: 1, Kernel: 3, Stride: 1, Dilation: 2, SpectralNorm: true},
	}
	for _, l := range layers {
		if got := LayerFromProto(LayerToProto(l)); !reflect.DeepEqual(got, l) {
			t.Errorf("round trip of %+v = %+v", l, got)
		}
	}
}

func TestVersion1(t *testing.T) {
	for _, tt := range []struct {
		l    Layer
		want bool
	}{
		{Conv(1, 1, 1, 0), true}, {LeakyReLU(0.1), true}, {Conv(1, 1, 1, 0).Named("a"), false},
		{ReLU().From("a"), false}, {Add("a", "b"), false}, {InstanceNorm(false), false},
	} {
		if got := tt.l.Version1(); got != tt.want {
			t.Errorf("%+v.Version1() = %v, want %v", tt.l, got, tt.want)
		}
	}
}

// TestBuildOnVersion1Host: served to a host that negotiated version 1, a graph is refused
// with an error that says to upgrade dast; version 2 returns it.
func TestBuildOnVersion1Host(t *testing.T) {
	d := Discriminator{Name: "res", Build: residual, Options: []Option{{Name: "width", Type: Int, Default: 4}}}
	req := &pluginpb.BuildRequest{Name: "res", InChannels: 3}
	v1, err := NewServerVersion(1, d)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v1.Build(context.Background(), req)
	if want := `discriminator "res": layer 0 (conv "a") needs plugin protocol version 2, but this dast host speaks version 1 only: upgrade dast`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("version 1 Build error %v, want %q", err, want)
	}
	v2, err := NewServerVersion(2, d)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := v2.Build(context.Background(), req)
	if err != nil || len(resp.GetLayers()) != 4 || resp.GetLayers()[2].GetInputs()[1] != InputName {
		t.Errorf("version 2 Build = %v, %v", resp, err)
	}
	if _, err := NewServerVersion(3, d); err == nil {
		t.Error("NewServerVersion(3) succeeded")
	}
}
