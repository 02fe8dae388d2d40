// Command curvediff compares the loss curves and final mIoUs of two `dast train` runs, such as
// the same synthetic DA config trained from the same seed on xla:cuda and on go
// (bench/gpu/run.sh).
//
//	curvediff -a A.jsonl -a-run runs/A -b B.jsonl -b-run runs/B [-window 20]
//
// A.jsonl is the run's log written with `dast --log-format json train ... --set
// train.log_every=1` (the "train" lines carry it and loss_<name>); the run folders hold
// metrics.json. It prints, per loss, the largest relative difference |a-b| / max(|a|, |b|)
// over the iterations both logs have and where it is, the same for means over consecutive
// windows of -window iterations (the curves' shapes, less the step-to-step noise), and the
// two mIoUs; the last line is "summary max_rel_diff=... window_max_rel_diff=... miou_a=...
// miou_b=...".
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "curvediff:", err)
		os.Exit(1)
	}
}

// curve is one run's losses by name, then by iteration (1-based, as logged).
type curve map[string]map[int]float64

// readCurve reads the "train" lines of a JSON log.
func readCurve(r io.Reader, name string) (curve, error) {
	c := curve{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "{") {
			continue // not a JSON log line (a table or a progress bar on the same stream)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(text), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if rec["msg"] != "train" {
			continue
		}
		it, ok := rec["it"].(float64)
		if !ok {
			return nil, fmt.Errorf("%s:%d: a train line without it", name, line)
		}
		for k, v := range rec {
			loss, ok := strings.CutPrefix(k, "loss_")
			f, isNum := v.(float64)
			if !ok || !isNum {
				continue
			}
			if c[loss] == nil {
				c[loss] = map[int]float64{}
			}
			c[loss][int(it)] = f
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(c) == 0 {
		return nil, fmt.Errorf("%s: no train lines with losses (log with --log-format json and train.log_every=1)", name)
	}
	return c, nil
}

func readCurveFile(path string) (curve, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCurve(f, path)
}

// relDiff is |a-b| / max(|a|, |b|), 0 when both are 0.
func relDiff(a, b float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Abs(a), math.Abs(b))
}

// lossDiff is the comparison of one loss.
type lossDiff struct {
	name       string
	n          int     // iterations both have
	max        float64 // largest relative difference
	at         int     // its iteration
	a0, b0     float64 // values at the first common iteration
	windowMax  float64 // largest relative difference of window means
	windowAt   int     // first iteration of that window
	firstIters int
}

// compare compares the losses both curves have over their common iterations.
func compare(a, b curve, window int) ([]lossDiff, error) {
	var out []lossDiff
	names := make([]string, 0, len(a))
	for n := range a {
		if b[n] != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, errors.New("the two logs share no loss name")
	}
	for _, n := range names {
		var its []int
		for it := range a[n] {
			if _, ok := b[n][it]; ok {
				its = append(its, it)
			}
		}
		slices.Sort(its)
		if len(its) == 0 {
			return nil, fmt.Errorf("loss %s: no common iteration", n)
		}
		d := lossDiff{name: n, n: len(its), at: its[0], a0: a[n][its[0]], b0: b[n][its[0]], firstIters: its[0]}
		for _, it := range its {
			x, y := a[n][it], b[n][it]
			if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("loss %s at iteration %d: %v and %v", n, it, x, y)
			}
			if r := relDiff(x, y); r > d.max {
				d.max, d.at = r, it
			}
		}
		for s := 0; s+window <= len(its); s += window {
			var sa, sb float64
			for _, it := range its[s : s+window] {
				sa += a[n][it]
				sb += b[n][it]
			}
			if r := relDiff(sa, sb); r > d.windowMax || s == 0 {
				d.windowMax, d.windowAt = max(r, d.windowMax), its[s]
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// readMIoU reads metrics.json's miou from a run folder.
func readMIoU(dir string) (float64, error) {
	data, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		return 0, err
	}
	var m struct {
		MIoU *float64 `json:"miou"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(dir, "metrics.json"), err)
	}
	if m.MIoU == nil {
		return 0, fmt.Errorf("%s: no miou", filepath.Join(dir, "metrics.json"))
	}
	return *m.MIoU, nil
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("curvediff", flag.ContinueOnError)
	aLog := fs.String("a", "", "JSON log of run A")
	bLog := fs.String("b", "", "JSON log of run B")
	aRun := fs.String("a-run", "", "run folder of A (metrics.json)")
	bRun := fs.String("b-run", "", "run folder of B (metrics.json)")
	window := fs.Int("window", 20, "iterations per window mean")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *aLog == "" || *bLog == "" {
		return errors.New("-a and -b (the two JSON logs) are required")
	}
	if *window < 1 {
		return fmt.Errorf("-window %d: want >= 1", *window)
	}
	a, err := readCurveFile(*aLog)
	if err != nil {
		return err
	}
	b, err := readCurveFile(*bLog)
	if err != nil {
		return err
	}
	diffs, err := compare(a, b, *window)
	if err != nil {
		return err
	}
	var worst, worstWin float64
	fmt.Fprintf(w, "%-8s %6s %12s %12s %14s %6s %16s %8s\n", "loss", "iters", "A first", "B first", "max rel diff", "at", "window max rel", "at")
	for _, d := range diffs {
		fmt.Fprintf(w, "%-8s %6d %12.6g %12.6g %14.4g %6d %16.4g %8d\n", d.name, d.n, d.a0, d.b0, d.max, d.at, d.windowMax, d.windowAt)
		worst, worstWin = max(worst, d.max), max(worstWin, d.windowMax)
	}
	sum := fmt.Sprintf("summary max_rel_diff=%.4g window_max_rel_diff=%.4g", worst, worstWin)
	for _, r := range []struct{ name, dir string }{{"miou_a", *aRun}, {"miou_b", *bRun}} {
		if r.dir == "" {
			continue
		}
		m, err := readMIoU(r.dir)
		if err != nil {
			return err
		}
		sum += fmt.Sprintf(" %s=%.4g", r.name, m)
	}
	fmt.Fprintln(w, sum)
	return nil
}
