package train_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/datasets/gta5"
)

func assemble(t *testing.T, cfg string, sets ...string) *train.Setup {
	t.Helper()
	tree, err := config.Load(cfg, sets)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	return setup
}

// TestTwoRunsOnOneDirectory starts two runs with different seeds on one directory at the
// same moment (a barrier): one trains, the other is refused, and the directory holds one
// run's files only (config, run.json, checkpoints and metrics of the same seed).
func TestTwoRunsOnOneDirectory(t *testing.T) {
	cfg := tinyConfig(t, "")
	dir := filepath.Join(t.TempDir(), "run")
	ctx := withTimeout(t, 3*time.Minute)
	setups := []*train.Setup{assemble(t, cfg, "seed=1", "train.iterations=20"), assemble(t, cfg, "seed=2", "train.iterations=20")}
	var ready, start, done sync.WaitGroup
	ready.Add(2)
	start.Add(1)
	errs := make([]error, 2)
	for i := range 2 {
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			start.Wait()
			_, errs[i] = train.Run(ctx, setups[i], train.Options{RunDir: dir})
		}()
	}
	ready.Wait()
	start.Done()
	done.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatal("both runs trained in one directory")
			}
			winner = i
			continue
		}
		var inUse *runinfo.InUseError
		if !errors.As(err, &inUse) && !strings.Contains(err.Error(), "exists and is not empty") {
			t.Errorf("run %d: %v, want the directory in use (or, had the other finished, not empty)", i, err)
		}
		t.Logf("run %d refused: %v", i, err)
	}
	if winner < 0 {
		t.Fatalf("no run trained: %v", errs)
	}
	seed := fmt.Sprint(setups[winner].Root.Seed)
	rec, err := runinfo.Read(dir)
	if err != nil || fmt.Sprint(rec.Seed) != seed {
		t.Errorf("run.json seed %d, %v; want %s", rec.Seed, err, seed)
	}
	if c := mustRead(t, filepath.Join(dir, train.ConfigFile)); !strings.Contains(c, "seed: "+seed+"\n") {
		t.Errorf("config.yaml is not seed %s's:\n%s", seed, c)
	}
	_, meta, err := checkpoint.ReadFile(filepath.Join(dir, "checkpoints", checkpoint.FileName(20)))
	if err != nil || meta["seed"] != seed {
		t.Errorf("final checkpoint seed %q, %v; want %s", meta["seed"], err, seed)
	}
}

// TestResumeOfALiveRunIsRefused: --resume of a directory whose run is still training fails at
// once naming this process, and the live run is unharmed.
func TestResumeOfALiveRunIsRefused(t *testing.T) {
	cfg := tinyConfig(t, "")
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(withTimeout(t, 3*time.Minute))
	defer cancel()
	liveErr := make(chan error, 1)
	go func() {
		_, err := train.Run(ctx, assemble(t, cfg, "train.iterations=100000"), train.Options{RunDir: dir})
		liveErr <- err
	}()
	for {
		if _, err := os.Stat(filepath.Join(dir, "checkpoints", checkpoint.FileName(2))); err == nil {
			break
		}
		select {
		case err := <-liveErr:
			t.Fatalf("the live run ended: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	_, err := train.Run(ctx, assemble(t, cfg, "train.iterations=100000"), train.Options{RunDir: dir, Resume: true})
	var inUse *runinfo.InUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() {
		t.Errorf("resume of a live run: %v, want it in use by pid %d", err, os.Getpid())
	}
	cancel()
	if err := <-liveErr; err == nil || !strings.Contains(err.Error(), "interrupted at iteration") {
		t.Errorf("live run: %v, want it interrupted by the cancel", err)
	}
	// Once the live run has returned, the resume is accepted.
	if _, err := train.Run(withTimeout(t, time.Minute), assemble(t, cfg, "train.iterations=4"), train.Options{RunDir: dir, Resume: true}); err != nil {
		t.Errorf("resume after the run stopped: %v", err)
	}
}

func TestZeroIterationsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	_, err := train.Run(withTimeout(t, time.Minute), assemble(t, tinyConfig(t, ""), "train.iterations=0"), train.Options{RunDir: dir})
	if err == nil || !strings.Contains(err.Error(), "train.iterations: 0: nothing to train") || !strings.Contains(err.Error(), config.SetSource) {
		t.Errorf("0 iterations: %v, want a refusal naming the key and --set", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run created its directory: %v", err)
	}
}

// TestKilledWriteLeavesNoDeadEnd: a directory left by a run killed while writing its config
// (run.json and a temporary file, or only the temporary file) is started afresh, and a
// resumed run removes the temporary files of killed checkpoint writes.
func TestKilledWriteLeavesNoDeadEnd(t *testing.T) {
	cfg := tinyConfig(t, "")
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{runinfo.RunFile, ".config.yaml.tmp-4242", runinfo.ChildLogFile} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := train.Run(withTimeout(t, time.Minute), assemble(t, cfg), train.Options{RunDir: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "start it again without --resume") {
		t.Errorf("resume of a run killed before its config: %v, want advice to start it again", err)
	}
	if _, err := train.Run(withTimeout(t, time.Minute), assemble(t, cfg), train.Options{RunDir: dir}); err != nil {
		t.Fatalf("fresh run in the directory of a run killed before its config: %v", err)
	}
	tmp := filepath.Join(dir, "checkpoints", ".ckpt-00000008.safetensors.tmp-77")
	if err := os.WriteFile(tmp, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := train.Run(withTimeout(t, time.Minute), assemble(t, cfg), train.Options{RunDir: dir, Resume: true}); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	left2, _ := filepath.Glob(filepath.Join(dir, "checkpoints", ".*.tmp-*"))
	if len(left)+len(left2) > 0 {
		t.Errorf("temporary files left: %v %v", left, left2)
	}
}

// TestResumeRecordsEachEvaluationOnce: resuming from an earlier checkpoint (as after a kill
// past an evaluation) and resuming a finished run leave one history.jsonl record per
// evaluated iteration, equal to the uninterrupted run's.
func TestResumeRecordsEachEvaluationOnce(t *testing.T) {
	cfg := tinyConfig(t, "")
	dir := filepath.Join(t.TempDir(), "run")
	sets := []string{"train.eval_every=2"}
	if _, err := train.Run(withTimeout(t, time.Minute), assemble(t, cfg, sets...), train.Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	hist := filepath.Join(dir, train.HistoryFile)
	want := mustRead(t, hist)
	if n := strings.Count(want, "\n"); n != 3 {
		t.Fatalf("history has %d lines, want 3 (iterations 2, 4, 6):\n%s", n, want)
	}
	// As if killed after the evaluation of iteration 4 but before its checkpoint was kept.
	for _, it := range []int{4, 6} {
		if err := os.Remove(filepath.Join(dir, "checkpoints", checkpoint.FileName(it))); err != nil {
			t.Fatal(err)
		}
	}
	for _, what := range []string{"resumed from iteration 2", "resumed when finished"} {
		if _, err := train.Run(withTimeout(t, time.Minute), assemble(t, cfg, sets...), train.Options{RunDir: dir, Resume: true}); err != nil {
			t.Fatal(err)
		}
		if got := mustRead(t, hist); got != want {
			t.Errorf("%s: history\n%s\nwant\n%s", what, got, want)
		}
	}
}

// TestNonFiniteLossNamesTheIterationAsTheLog: the error names the iteration after the last
// one the log reports as finite ("it" counts iterations done).
func TestNonFiniteLossNamesTheIterationAsTheLog(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	dir := filepath.Join(t.TempDir(), "run")
	res, err := train.Run(withTimeout(t, 3*time.Minute), assemble(t, tinyConfig(t, ""), "train.lr=1e12", "train.iterations=60"),
		train.Options{RunDir: dir, Log: zap.New(core)})
	if err == nil {
		t.Fatal("a run with lr 1e12 did not stop on a non-finite loss")
	}
	lastIt := int64(0)
	for _, e := range logs.FilterMessage("train").All() {
		lastIt = e.ContextMap()["it"].(int64)
	}
	if int(lastIt) != res.Iterations {
		t.Errorf("last logged it %d, result %d iterations", lastIt, res.Iterations)
	}
	t.Logf("last finite loss logged at it %d; error: %v", lastIt, err)
	want := fmt.Sprintf("iteration %d: loss seg is", lastIt+1)
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("iterations done: %d", lastIt)) {
		t.Errorf("error %q, want it to start %q (the log's last finite it is %d)", err, want, lastIt)
	}
}

// writeGTA5 writes a gta5-layout dataset of n 64x32 images with labels under root.
func writeGTA5(t *testing.T, root string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%05d.png", i)
		rgb := make([]uint8, 64*32*3)
		ids := make([]uint8, 64*32)
		for p := range ids {
			ids[p] = []uint8{7, 26, 11, 21}[(p/7+i)%4] // road, car, building, vegetation
			rgb[3*p], rgb[3*p+1], rgb[3*p+2] = uint8(40*int(ids[p])%256), uint8(p%256), uint8(i*30)
		}
		for _, f := range []struct {
			dir string
			enc func(io.Writer) error
		}{
			{"images", func(w io.Writer) error { return data.EncodeRGB(w, rgb, 64, 32) }},
			{"labels", func(w io.Writer) error { return data.EncodeLabel(w, ids, 64, 32) }},
		} {
			if err := os.MkdirAll(filepath.Join(root, f.dir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := data.WritePNG(filepath.Join(root, f.dir, name), f.enc); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func gta5Val(root string, skipBad bool, list string) string {
	l := ""
	if list != "" {
		l = ", list: " + list
	}
	return fmt.Sprintf("{name: gta5, root: %s, resize: [64, 32], skip_bad: %v%s}", root, skipBad, l)
}

// TestCorruptValFailsBeforeTraining: with skip_bad off, a truncated val image fails the run
// before its first step, naming the file; with skip_bad on, the run skips it, scores the
// other images only (the same mIoU as a val set without it) and reports the skipped file
// and a resized label in metrics.json and the log.
func TestCorruptValFailsBeforeTraining(t *testing.T) {
	root := t.TempDir()
	writeGTA5(t, root, 4)
	bad := filepath.Join(root, "images", "00002.png")
	b, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	base := tinyConfig(t, "")
	cfgs := 0
	// withVal is tinyConfig with val as its data.val block.
	withVal := func(val string) string {
		y := mustRead(t, base)
		i := strings.Index(y, "  val: ")
		j := i + strings.Index(y[i:], "\n")
		cfgs++
		p := filepath.Join(tmp, fmt.Sprintf("cfg%d.yaml", cfgs))
		if err := os.WriteFile(p, []byte(y[:i]+"  val: "+val+y[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	two := "train.iterations=2"

	dir := filepath.Join(tmp, "strict")
	core, logs := observer.New(zap.InfoLevel)
	_, err = train.Run(withTimeout(t, time.Minute), assemble(t, withVal(gta5Val(root, false, "")), two), train.Options{RunDir: dir, Log: zap.New(core)})
	if err == nil || !strings.Contains(err.Error(), "data.val") || !strings.Contains(err.Error(), bad) {
		t.Fatalf("corrupt val image: %v, want an error naming data.val and %s", err, bad)
	}
	if n := logs.FilterMessage("train").Len(); n != 0 {
		t.Errorf("%d training steps logged before the corrupt val image was found", n)
	}

	// A label of another size than its image: 00003's label at half size.
	lbl := filepath.Join(root, "labels", "00003.png")
	ids, w, h, err := data.ReadLabel(lbl)
	if err != nil {
		t.Fatal(err)
	}
	half := make([]uint8, 0, w*h/4)
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			half = append(half, ids[y*w+x])
		}
	}
	if err := data.WritePNG(lbl, func(wr io.Writer) error { return data.EncodeLabel(wr, half, w/2, h/2) }); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(tmp, "skip")
	core, logs = observer.New(zap.InfoLevel)
	res, err := train.Run(withTimeout(t, time.Minute), assemble(t, withVal(gta5Val(root, true, "")), two), train.Options{RunDir: dir, Log: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := metrics.ReadJSON(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	is, ok := m.DataIssues["data.val"]
	if !ok || is.Skipped != 1 || len(is.SkippedFiles) != 1 || is.SkippedFiles[0].File != bad || is.ResizedLabels != 1 || is.ResizedFiles[0] != lbl {
		t.Errorf("data_issues %+v, want data.val: %s skipped, %s resized", m.DataIssues, bad, lbl)
	}
	if vals := logs.FilterMessage("val").All(); len(vals) != 1 || vals[0].ContextMap()["images"] != int64(3) || vals[0].ContextMap()["skipped"] != int64(1) {
		t.Errorf("val log lines %v, want one saying 3 images scored, 1 skipped", vals)
	}
	if logs.FilterMessageSnippet("files skipped").Len() != 1 || logs.FilterMessageSnippet("labels of another size").Len() != 1 {
		t.Errorf("warnings: %d skipped, %d resized; want one of each", logs.FilterMessageSnippet("files skipped").Len(), logs.FilterMessageSnippet("labels of another size").Len())
	}

	// The same run on a val list without the corrupt image scores the same.
	list := filepath.Join(tmp, "good.txt")
	if err := os.WriteFile(list, []byte("00001\n00003\n00004\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := train.Run(withTimeout(t, time.Minute), assemble(t, withVal(gta5Val(root, true, list)), two), train.Options{RunDir: filepath.Join(tmp, "ref")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics.MIoU != ref.Metrics.MIoU {
		t.Errorf("mIoU with the corrupt image skipped %v, without it listed %v: the skipped entry was scored", res.Metrics.MIoU, ref.Metrics.MIoU)
	}
	if _, ok := ref.Metrics.DataIssues["data.val"]; !ok || ref.Metrics.DataIssues["data.val"].Skipped != 0 {
		t.Errorf("reference data_issues %+v, want only the resized label", ref.Metrics.DataIssues)
	}
}

// TestPseudoLabelsSkipBadEntries: pseudo-labelling a set with a skipped (corrupt) image
// labels the others only, each once, and counts only their pixels in the thresholds.
func TestPseudoLabelsSkipBadEntries(t *testing.T) {
	root := t.TempDir()
	writeGTA5(t, root, 4)
	bad := filepath.Join(root, "images", "00002.png")
	b, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, b[:len(b)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(mustRead(t, tinyConfig(t, "")), "  val: {name: synthetic, domain: target, split: val, size: 4, height: 32, width: 64}",
		"  val: "+gta5Val(root, true, ""), 1)
	cfg := filepath.Join(t.TempDir(), "cfg.yaml")
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	setup := assemble(t, cfg, "train.iterations=2")
	res, err := train.Run(withTimeout(t, time.Minute), setup, train.Options{RunDir: filepath.Join(t.TempDir(), "run")})
	if err != nil {
		t.Fatal(err)
	}
	for _, cache := range []int64{0, -1} {
		dir := filepath.Join(t.TempDir(), "pseudo")
		st, err := train.PseudoLabel(setup, res.Checkpoint, setup.Val, dir, pseudo.Options{Q: 0.5, Cap: 0.9, Subsample: 1, CacheBytes: cache}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var counted int64
		for _, n := range st.Counted {
			counted += n
		}
		if st.Images != 3 || counted != 3*64*32 {
			t.Errorf("cache %d: %d label maps, %d pixels counted; want 3 and %d", cache, st.Images, counted, 3*64*32)
		}
		if _, err := os.Stat(filepath.Join(dir, "00002.png")); err == nil {
			t.Errorf("cache %d: the skipped image got a pseudo label", cache)
		}
	}
}

// TestTwoProcessesOnOneDirectory is the issue's probe with two processes: two trainings of
// different seeds on one directory, released together (each waits for its stdin to close):
// one trains, the other fails at once, and the directory is the winner's alone.
func TestTwoProcessesOnOneDirectory(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	base := mustRead(t, tinyConfig(t, ""))
	type child struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stderr bytes.Buffer
		seed   string
	}
	var children []*child
	for _, seed := range []string{"1", "2"} {
		cfg := filepath.Join(tmp, "seed"+seed+".yaml")
		y := strings.Replace(strings.Replace(base, "seed: 3", "seed: "+seed, 1), "iterations: 6", "iterations: 30", 1)
		if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		c := &child{seed: seed, cmd: exec.Command(os.Args[0], "-test.run=^$")}
		c.cmd.Env = append(os.Environ(), "DAST_TRAIN_CHILD="+cfg+"|"+dir, "DAST_TRAIN_CHILD_WAIT=1")
		c.cmd.Stderr = &c.stderr
		var err error
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer c.cmd.Process.Kill()
		children = append(children, c)
	}
	for _, c := range children {
		c.stdin.Close()
	}
	var winner *child
	for _, c := range children {
		err := c.cmd.Wait()
		if err == nil {
			if winner != nil {
				t.Fatal("both processes trained in one directory")
			}
			winner = c
			continue
		}
		msg := c.stderr.String()
		// "by another process" when the winner had not recorded itself within runinfo's wait
		// (a heavily loaded machine).
		if !strings.Contains(msg, dir+" is in use by ") && !strings.Contains(msg, "exists and is not empty") {
			t.Errorf("seed %s: %v: %s; want the directory in use", c.seed, err, msg)
		}
		t.Logf("seed %s refused: %s", c.seed, strings.TrimSpace(msg))
	}
	if winner == nil {
		t.Fatal("no process trained")
	}
	rec, err := runinfo.Read(dir)
	if err != nil || fmt.Sprint(rec.Seed) != winner.seed {
		t.Errorf("run.json seed %d (%v), the winner is seed %s", rec.Seed, err, winner.seed)
	}
	_, meta, err := checkpoint.ReadFile(filepath.Join(dir, "checkpoints", checkpoint.FileName(30)))
	if err != nil || meta["seed"] != winner.seed {
		t.Errorf("final checkpoint seed %q (%v), the winner is seed %s", meta["seed"], err, winner.seed)
	}
}
