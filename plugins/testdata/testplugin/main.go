// Command testplugin is the plugin the plugins package's tests start. DAST_TEST_PLUGIN_MODE
// selects its behaviour, one per failure mode; it appends its PID to the file named by
// DAST_TEST_PLUGIN_PIDFILE so tests can check that no process is left.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/dast-uda/dast/plugins/sdk"
	pluginpb "github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

// Modes.
const (
	modeOK             = "ok"
	modeCrashStart     = "crash_start"     // exits before the handshake
	modeCrashHandshake = "crash_handshake" // writes half a handshake line and exits
	modeBadCookie      = "bad_cookie"      // serves with another magic cookie
	modeBadVersion     = "bad_version"     // serves protocol version 99
	modeHangStart      = "hang_start"      // never writes the handshake
	modeHangDescribe   = "hang_describe"   // serves, but Describe never answers
	modeCrashDescribe  = "crash_describe"  // exits while answering Describe
	modeNegative       = "negative"        // a conv with -8 output channels
	modeShrink         = "shrink"          // stride chain too deep for small inputs
	modeUnknownType    = "unknown_type"    // a "batchnorm" layer
	modeGraph          = "graph"           // a residual graph (version 2), served by sdk.Serve
	modeV1Graph        = "v1_graph"        // the residual graph over a version-1 handshake
	modeV2Only         = "v2_only"         // the residual graph, offering protocol version 2 only
)

func main() {
	mode := os.Getenv("DAST_TEST_PLUGIN_MODE")
	if f := os.Getenv("DAST_TEST_PLUGIN_PIDFILE"); f != "" {
		if fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(fh, os.Getpid())
			fh.Close()
		}
	}
	switch mode {
	case modeCrashStart:
		fmt.Fprintln(os.Stderr, "testplugin: crashing at start")
		os.Exit(3)
	case modeCrashHandshake:
		fmt.Fprint(os.Stdout, "1|1|")
		fmt.Fprintln(os.Stderr, "testplugin: crashing mid-handshake")
		os.Exit(4)
	case modeHangStart:
		time.Sleep(time.Hour)
	}
	switch mode {
	case modeGraph:
		sdk.Serve(discriminator(mode))
		return
	case modeV2Only:
		srv, err := sdk.NewServerVersion(2, discriminator(mode))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  sdk.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{2: {sdk.PluginKey: &sdk.GRPCPlugin{Impl: srv}}},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	// Every other mode serves as dast's first SDK did: protocol version 1, no version list.
	srv, err := sdk.NewServer(discriminator(mode))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var impl pluginpb.DiscriminatorsServer = srv
	if mode == modeHangDescribe || mode == modeCrashDescribe {
		impl = misbehave{srv, mode}
	}
	hs := sdk.Handshake
	switch mode {
	case modeBadCookie:
		hs.MagicCookieValue = "not-the-dast-cookie"
	case modeBadVersion:
		hs.ProtocolVersion = 99
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         plugin.PluginSet{sdk.PluginKey: &sdk.GRPCPlugin{Impl: impl}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}

// misbehave wraps the server to hang or crash in Describe.
type misbehave struct {
	pluginpb.DiscriminatorsServer
	mode string
}

func (m misbehave) Describe(ctx context.Context, req *pluginpb.DescribeRequest) (*pluginpb.DescribeResponse, error) {
	if m.mode == modeCrashDescribe {
		fmt.Fprintln(os.Stderr, "testplugin: crashing in Describe")
		os.Exit(5)
	}
	time.Sleep(time.Hour)
	return nil, nil
}

// discriminator returns the test discriminator "tiny", broken as mode asks.
func discriminator(mode string) sdk.Discriminator {
	return sdk.Discriminator{
		Name:        "tiny",
		Description: "test discriminator: " + mode,
		Options: []sdk.Option{
			{Name: "width", Type: sdk.Int, Default: 4, Doc: "hidden channels"},
			{Name: "slope", Type: sdk.Float, Default: 0.2, Doc: "LeakyReLU slope"},
			{Name: "act", Type: sdk.String, Default: "leaky_relu", Doc: "hidden activation"},
		},
		Build: func(o sdk.Options, _ int) ([]sdk.Layer, error) {
			w := o.Int("width")
			act := sdk.LeakyReLU(o.Float("slope"))
			switch o.String("act") {
			case "relu":
				act = sdk.ReLU()
			case "tanh":
				act = sdk.Tanh()
			}
			layers := []sdk.Layer{sdk.Conv(w, 3, 2, 1), act, sdk.Conv(1, 3, 1, 1)}
			switch mode {
			case modeNegative:
				layers[0].Out = -8
			case modeShrink:
				layers = nil
				for range 12 {
					layers = append(layers, sdk.Conv(w, 4, 2, 0), act)
				}
				layers = append(layers, sdk.Conv(1, 1, 1, 0))
			case modeUnknownType:
				layers = append([]sdk.Layer{{Type: "batchnorm"}}, layers...)
			case modeGraph, modeV1Graph, modeV2Only:
				layers = []sdk.Layer{sdk.Conv(w, 3, 2, 1).Named("stem"), act, sdk.Conv(w, 3, 1, 1).Named("body"),
					sdk.Add("stem", "body"), sdk.Conv(1, 3, 1, 1)}
			}
			return layers, nil
		},
	}
}
