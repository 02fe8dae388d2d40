package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/core/runinfo"
)

func init() { commands = append(commands, newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the dast, Go and GoMLX versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printVersion(cmd.OutOrStdout())
		},
	}
}

// printVersion prints dast's module version and revision, the Go version and the linked
// GoMLX version.
func printVersion(w io.Writer) error {
	version := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	rev := runinfo.Revision()
	dirty := ""
	if rev.Dirty {
		dirty = " (dirty)"
	}
	gomlx := runinfo.ModuleVersion(runinfo.GoMLXModule)
	if gomlx == "" {
		gomlx = "not linked"
	}
	_, err := fmt.Fprintf(w, "dast %s\nrevision %s%s\ngo %s %s/%s\ngomlx %s\n",
		version, rev.Revision, dirty, runtime.Version(), runtime.GOOS, runtime.GOARCH, gomlx)
	return err
}
