// Command stress runs many short trainings back to back on the pure-Go backend to show that
// training never hangs (GoMLX's default parallel scheduling deadlocked GAN steps on 2 cores;
// dast uses sequential op scheduling, see core/backend). Each run is a fresh process-internal
// training of -steps iterations of a config (default: the DA config, the heaviest step, with
// both discriminators); a run that does not finish within -timeout is reported as a hang and
// the command exits non-zero.
//
//	go run ./bench/cmd/stress [-runs 20] [-steps 50] [-config configs/synthetic/da.yaml] [-timeout 5m]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/modules/standard"
)

func main() {
	runs := flag.Int("runs", 20, "trainings to run")
	steps := flag.Int("steps", 50, "consecutive training steps per run")
	cfg := flag.String("config", "configs/synthetic/da.yaml", "config to train")
	timeout := flag.Duration("timeout", 5*time.Minute, "a run taking longer counts as a hang")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "dast-stress-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	for r := 1; r <= *runs; r++ {
		tree, err := config.Load(*cfg, []string{
			fmt.Sprintf("train.iterations=%d", *steps), "train.checkpoint_every=0",
			fmt.Sprintf("seed=%d", r), "data.val.size=1", fmt.Sprintf("train.log_every=%d", *steps)})
		if err != nil {
			fail(err)
		}
		setup, err := train.Assemble(tree)
		if err != nil {
			fail(err)
		}
		t0 := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := train.Run(context.Background(), setup, train.Options{RunDir: filepath.Join(tmp, fmt.Sprint(r))})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				fail(fmt.Errorf("run %d: %w", r, err))
			}
			fmt.Printf("run %2d/%d: %d steps in %.1f s\n", r, *runs, *steps, time.Since(t0).Seconds())
		case <-time.After(*timeout):
			fail(fmt.Errorf("run %d: no progress after %s: hang", r, *timeout))
		}
	}
	fmt.Printf("ok: %d runs x %d steps, no hang, %.0f s in all\n", *runs, *steps, time.Since(start).Seconds())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "stress:", err)
	os.Exit(1)
}
