package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/registry"
)

func TestCLI(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantOut    []string // substrings of stdout
		wantStderr string   // exact stderr; "" means empty
	}{
		{args: nil, wantOut: []string{"Usage:", "registry", "version", "--log-format"}},
		{args: []string{"--help"}, wantOut: []string{"Available Commands:"}},
		{args: []string{"registry", "--help"}, wantOut: []string{"show", "dast registry [--config FILE] [flags]"}},
		{args: []string{"registry", "show", "--help"}, wantOut: []string{"dast registry show KIND NAME"}},
		{args: []string{"registry"}, wantOut: []string{"KIND", "DESCRIPTION", "segmentor", "small"}},
		{args: []string{"registry", "show", "segmentor", "small"}, wantOut: []string{"segmentor.small:", "OPTION", "widths", "[]int"}},
		{args: []string{"registry", "show", "segmentor.small"}, wantOut: []string{"widths"}},
		{args: []string{"version"}, wantOut: []string{"dast ", "revision ", "go go1.", "gomlx "}},
		{args: []string{"registry", "show", "segmentor", "smal"}, wantCode: 1,
			wantStderr: `dast: unknown segmentor "smal" (available: resnet101, resnet50, small, vgg16); did you mean "small"?` + "\n"},
		{args: []string{"registry", "show", "segmentor"}, wantCode: 1,
			wantStderr: "dast: want 2 argument(s), got 1; usage: dast registry show KIND NAME [flags]\n"},
		{args: []string{"registy"}, wantCode: 1,
			wantStderr: `dast: unknown command "registy" for "dast"; did you mean registry?` + "\n"},
		{args: []string{"--bogus"}, wantCode: 1, wantStderr: "dast: unknown flag: --bogus (see 'dast --help')\n"},
		{args: []string{"registry", "extra"}, wantCode: 1, wantStderr: `dast: unknown command "extra" for "dast registry"` + "\n"},
		{args: []string{"--log-format", "xml", "version"}, wantCode: 1, wantStderr: `dast: log format "xml": want console or json` + "\n"},
		{args: []string{"--log-level", "loud", "version"}, wantCode: 1, wantStderr: `dast: log level "loud": want debug, info, warn or error` + "\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.wantCode, errb.String())
			}
			if errb.String() != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", errb.String(), tt.wantStderr)
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

// TestRuntimeError checks a failing subcommand: one line on stderr, no usage dump, logger
// from the context in the requested format.
func TestRuntimeError(t *testing.T) {
	tests := []struct {
		err      error
		wantCode int
		wantErr  string
	}{
		{errors.New("load configs/x.yaml: train.iterationz: unknown key"), 1, "dast: load configs/x.yaml: train.iterationz: unknown key\n"},
		{errors.Join(errors.New("first"), errors.New("second")), 1, "dast: first; second\n"},
		{context.Canceled, 130, "dast: context canceled\n"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			root := newRoot()
			root.AddCommand(&cobra.Command{Use: "fail", RunE: func(cmd *cobra.Command, _ []string) error {
				runlog.FromContext(cmd.Context()).Info("about to fail", zap.Int("n", 1))
				return tt.err
			}})
			var out, errb bytes.Buffer
			code := execute(context.Background(), root, []string{"--log-format", "json", "fail"}, &out, &errb)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d", code, tt.wantCode)
			}
			lines := strings.SplitAfter(errb.String(), "\n")
			if len(lines) != 3 || lines[2] != "" {
				t.Fatalf("stderr = %q, want a log line and an error line", errb.String())
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &m); err != nil || m["msg"] != "about to fail" {
				t.Errorf("log line %q: %v", lines[0], err)
			}
			if lines[1] != tt.wantErr {
				t.Errorf("error line %q, want %q", lines[1], tt.wantErr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q, want empty (no usage dump)", out.String())
			}
		})
	}
}

func TestRegistryListsEveryModule(t *testing.T) {
	var out bytes.Buffer
	if err := listModules(&out); err != nil {
		t.Fatal(err)
	}
	for _, kind := range registry.Kinds() {
		for _, info := range registry.List(kind) {
			if !strings.Contains(out.String(), info.Name()) {
				t.Errorf("listing lacks %s", info.ID)
			}
			var show bytes.Buffer
			if err := showModule(&show, info.ID); err != nil {
				t.Errorf("show %s: %v", info.ID, err)
			}
		}
	}
}
