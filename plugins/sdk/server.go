package sdk

import (
	"context"
	"fmt"

	pluginpb "github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

// server implements pluginpb.DiscriminatorsServer over a list of Discriminators.
type server struct {
	pluginpb.UnimplementedDiscriminatorsServer
	byName map[string]Discriminator
	desc   *pluginpb.DescribeResponse
	// version is the negotiated protocol version: Build refuses, with an explanation, a
	// layer list that needs a later version than the host speaks.
	version int
}

// NewServer checks ds (unique non-empty names, a Build function, defaults of their option's
// type) and returns the gRPC service Serve registers. Test plugins that need their own
// go-plugin setup use it directly.
func NewServer(ds ...Discriminator) (pluginpb.DiscriminatorsServer, error) {
	return newServer(ProtocolVersion, ds...)
}

// NewServerVersion is NewServer for a host that negotiated protocol version (1 or 2).
func NewServerVersion(version int, ds ...Discriminator) (pluginpb.DiscriminatorsServer, error) {
	if version < 1 || version > ProtocolVersion {
		return nil, fmt.Errorf("protocol version %d: this SDK speaks 1 to %d", version, ProtocolVersion)
	}
	return newServer(version, ds...)
}

func newServer(version int, ds ...Discriminator) (*server, error) {
	if len(ds) == 0 {
		return nil, fmt.Errorf("no discriminators to serve")
	}
	s := &server{byName: make(map[string]Discriminator), desc: &pluginpb.DescribeResponse{}, version: version}
	for _, d := range ds {
		if d.Name == "" {
			return nil, fmt.Errorf("discriminator with an empty name")
		}
		if _, dup := s.byName[d.Name]; dup {
			return nil, fmt.Errorf("discriminator %q defined twice", d.Name)
		}
		if d.Build == nil {
			return nil, fmt.Errorf("discriminator %q: Build is nil", d.Name)
		}
		info := &pluginpb.DiscriminatorInfo{Name: d.Name, Description: d.Description}
		for _, o := range d.Options {
			v, err := ValueToProto(o.Type, o.Default)
			if err != nil {
				return nil, fmt.Errorf("discriminator %q: option %q: default: %w", d.Name, o.Name, err)
			}
			info.Options = append(info.Options, &pluginpb.OptionSpec{Name: o.Name, Type: TypeToProto(o.Type), Default: v, Doc: o.Doc})
		}
		s.byName[d.Name] = d
		s.desc.Discriminators = append(s.desc.Discriminators, info)
	}
	return s, nil
}

// Describe implements pluginpb.DiscriminatorsServer.
func (s *server) Describe(context.Context, *pluginpb.DescribeRequest) (*pluginpb.DescribeResponse, error) {
	return s.desc, nil
}

// Build implements pluginpb.DiscriminatorsServer.
func (s *server) Build(_ context.Context, req *pluginpb.BuildRequest) (*pluginpb.BuildResponse, error) {
	d, ok := s.byName[req.GetName()]
	if !ok {
		return nil, fmt.Errorf("no discriminator %q", req.GetName())
	}
	opts := make(Options, len(d.Options))
	for _, o := range d.Options {
		v, ok := req.GetOptions()[o.Name]
		if !ok {
			opts[o.Name], _ = Normalize(o.Type, o.Default)
			continue
		}
		n, err := ValueFromProto(o.Type, v)
		if err != nil {
			return nil, fmt.Errorf("option %q: %w", o.Name, err)
		}
		opts[o.Name] = n
	}
	layers, err := d.Build(opts, int(req.GetInChannels()))
	if err != nil {
		return nil, err
	}
	if s.version < 2 {
		for i, l := range layers {
			if !l.Version1() {
				return nil, fmt.Errorf("discriminator %q: layer %d (%s%s) needs plugin protocol version 2, but this dast host speaks version %d only: upgrade dast (version 1 knows a sequence of unnamed conv, relu, leaky_relu and tanh layers)",
					d.Name, i, l.Type, quoteName(l.Name), s.version)
			}
		}
	}
	resp := &pluginpb.BuildResponse{Layers: make([]*pluginpb.Layer, len(layers))}
	for i, l := range layers {
		resp.Layers[i] = LayerToProto(l)
	}
	return resp, nil
}

func quoteName(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" %q", name)
}

// LayerToProto encodes a layer.
func LayerToProto(l Layer) *pluginpb.Layer {
	return &pluginpb.Layer{Type: l.Type, OutChannels: int32(l.Out), Kernel: int32(l.Kernel), Stride: int32(l.Stride),
		Padding: int32(l.Padding), Dilation: int32(l.Dilation), Bias: l.Bias, SpectralNorm: l.SpectralNorm, Slope: l.Slope,
		Name: l.Name, Inputs: l.Inputs, CeilMode: l.CeilMode, CountIncludePad: l.CountIncludePad, Factor: int32(l.Factor),
		SizeOf: l.SizeOf, AlignCorners: l.AlignCorners, KeyChannels: int32(l.KeyChannels), Affine: l.Affine, Eps: l.Eps}
}

// LayerFromProto decodes a layer.
func LayerFromProto(p *pluginpb.Layer) Layer {
	return Layer{Type: p.GetType(), Out: int(p.GetOutChannels()), Kernel: int(p.GetKernel()), Stride: int(p.GetStride()),
		Padding: int(p.GetPadding()), Dilation: int(p.GetDilation()), Bias: p.GetBias(), SpectralNorm: p.GetSpectralNorm(), Slope: p.GetSlope(),
		Name: p.GetName(), Inputs: append([]string(nil), p.GetInputs()...), CeilMode: p.GetCeilMode(), CountIncludePad: p.GetCountIncludePad(),
		Factor: int(p.GetFactor()), SizeOf: p.GetSizeOf(), AlignCorners: p.GetAlignCorners(), KeyChannels: int(p.GetKeyChannels()),
		Affine: p.GetAffine(), Eps: p.GetEps()}
}
