// Command dast trains and evaluates DAST-style unsupervised domain adaptation for semantic
// segmentation.
//
// Each subcommand lives in its own file whose init function appends its constructor to
// commands; main assembles them under the root command, which owns the global flags
// (--log-format, --log-level) and puts the logger into the command's context (read it with
// runlog.FromContext(cmd.Context())). Subcommands must not set PersistentPreRunE, which
// would replace the root's.
//
// Package main holds only that wiring: flags, help texts and what a command prints. The
// features behind the commands live in internal packages, one job each: load (a config, its
// plugins and components), datacheck, predict, pretrain, bootstrap, dryrun, matrixrun (the
// local and Slurm executors), reproduce, and the listings plugininfo, registryinfo and
// weightinfo.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/runlog"
)

// commands holds the subcommand constructors appended by each command file's init.
var commands []func() *cobra.Command

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status. Errors are printed to
// stderr as one line "dast: <cause>".
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return execute(ctx, newRoot(), args, stdout, stderr)
}

// execute runs root on args; see run.
func execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "dast: %s\n", oneLine(err))
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return 1
	}
	return 0
}

// newRoot builds the root command with every registered subcommand.
func newRoot() *cobra.Command {
	var logFormat, logLevel, cpuProfile string
	stopProfile := func() {}
	root := &cobra.Command{
		Use:   "dast",
		Short: "Discriminator attention and self-training for domain-adaptive segmentation",
		Long: "dast trains and evaluates unsupervised domain adaptation for semantic segmentation\n" +
			"(DAST, AAAI-21) on GoMLX. Components are chosen in YAML configs; list them with\n" +
			"'dast registry'.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			log, err := runlog.New(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			cmd.SetContext(runlog.WithLogger(cmd.Context(), log))
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					f.Close()
					return fmt.Errorf("--cpuprofile %s: %w", cpuProfile, err)
				}
				stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
			}
			return nil
		},
		PersistentPostRun: func(*cobra.Command, []string) { stopProfile() },
	}
	root.PersistentFlags().StringVar(&logFormat, "log-format", runlog.FormatConsole, "log format: console or json")
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	for _, newCmd := range commands {
		root.AddCommand(newCmd())
	}
	return root
}

// exactArgs is cobra.ExactArgs with the usage line in the error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("want %d argument(s), got %d; usage: %s", n, len(args), cmd.UseLine())
		}
		return nil
	}
}

// oneLine flattens a (possibly multi-line) error message into one line, turning cobra's
// "Did you mean this?" block into "; did you mean X?".
func oneLine(err error) string {
	var parts []string
	suggest := false
	var names []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case l == "Did you mean this?":
			suggest = true
		case suggest:
			names = append(names, l)
		default:
			parts = append(parts, l)
		}
	}
	s := strings.Join(parts, "; ")
	if len(names) > 0 {
		s += "; did you mean " + strings.Join(names, " or ") + "?"
	}
	return s
}
