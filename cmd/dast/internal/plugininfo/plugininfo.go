// Package plugininfo renders what dast plugins list and dast plugins inspect show of loaded
// discriminator plugins: one row per discriminator, and a plugin's options and default layers.
package plugininfo

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dast-uda/dast/plugins"
	"github.com/dast-uda/dast/plugins/sdk"
)

// WriteList prints one row per discriminator of the loaded plugins.
func WriteList(w io.Writer, pls []*plugins.Plugin) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tCONFIG NAME\tDESCRIPTION\tPATH\tSHA256")
	for _, pl := range pls {
		for _, d := range pl.Discriminators {
			fmt.Fprintf(tw, "%s\t%s.%s\t%s\t%s\t%s\n", pl.Name, pl.Name, d.Name, d.Description, pl.Path, pl.SHA256[:12])
		}
	}
	return tw.Flush()
}

// WriteDetail prints a plugin's discriminators with their options and default layers.
func WriteDetail(w io.Writer, pl *plugins.Plugin) error {
	fmt.Fprintf(w, "plugin   %s\npath     %s\nsha256   %s\nprotocol %d\n", pl.Name, pl.Path, pl.SHA256, pl.Protocol)
	for _, d := range pl.Discriminators {
		fmt.Fprintf(w, "\n%s: %s\nconfig block: {name: %s.%s, options: {...}}\n\n", d.ID, d.Description, pl.Name, d.Name)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "OPTION\tTYPE\tDEFAULT\tDESCRIPTION")
		for _, o := range d.Options {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", o.Name, o.Type, o.Default, o.Doc)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, "\nlayers with the default options and 1 input channel:")
		for i, l := range d.Layers {
			fmt.Fprintf(w, "  %2d  %s\n", i, describeLayer(l))
		}
	}
	return nil
}

// describeLayer renders a layer on one line: what it computes, then, for a graph, its name
// and the layers it reads.
func describeLayer(l sdk.Layer) string {
	var b strings.Builder
	switch l.Type {
	case sdk.TypeConv:
		fmt.Fprintf(&b, "conv %dx%d -> %d, stride %d, padding %d", l.Kernel, l.Kernel, l.Out, l.Stride, l.Padding)
		if l.Dilation > 1 {
			fmt.Fprintf(&b, ", dilation %d", l.Dilation)
		}
		if !l.Bias {
			b.WriteString(", no bias")
		}
		if l.SpectralNorm {
			b.WriteString(", spectral norm")
		}
	case sdk.TypeLeakyReLU:
		fmt.Fprintf(&b, "leaky_relu %g", l.Slope)
	case sdk.TypeAvgPool, sdk.TypeMaxPool:
		fmt.Fprintf(&b, "%s %dx%d, stride %d, padding %d", l.Type, l.Kernel, l.Kernel, l.Stride, l.Padding)
		if l.CeilMode {
			b.WriteString(", ceil")
		}
		if l.Type == sdk.TypeAvgPool && !l.CountIncludePad {
			b.WriteString(", padding not counted")
		}
	case sdk.TypeUpsample:
		if l.SizeOf != "" {
			fmt.Fprintf(&b, "upsample bilinear to the size of %s", l.SizeOf)
		} else {
			fmt.Fprintf(&b, "upsample bilinear x%d", l.Factor)
		}
		if l.AlignCorners {
			b.WriteString(", align corners")
		}
	case sdk.TypeSelfAttention:
		b.WriteString("self_attention")
		if l.KeyChannels > 0 {
			fmt.Fprintf(&b, ", %d key channels", l.KeyChannels)
		}
	case sdk.TypeInstanceNorm:
		b.WriteString("instance_norm")
		if l.Affine {
			b.WriteString(", affine")
		}
		if l.Eps != 0 {
			fmt.Fprintf(&b, ", eps %g", l.Eps)
		}
	default:
		b.WriteString(l.Type)
	}
	if len(l.Inputs) > 0 {
		fmt.Fprintf(&b, " <- %s", strings.Join(l.Inputs, ", "))
	}
	if l.Name != "" {
		fmt.Fprintf(&b, "  [%s]", l.Name)
	}
	return b.String()
}
