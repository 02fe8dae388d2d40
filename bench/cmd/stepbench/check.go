package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// parseLosses reads a "name=value name=value" line.
func parseLosses(line string) (map[string]float64, error) {
	out := map[string]float64{}
	for f := range strings.FieldsSeq(line) {
		name, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("loss %q: want name=value", f)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return nil, fmt.Errorf("loss %q: %w", f, err)
		}
		out[name] = v
	}
	return out, nil
}

// lossDiffs returns, per loss name present in both runs, the largest relative difference
// |a-b| / max(|a|, |b|) over the iterations from..to-1 of two runs' loss_<i> lines (0 when
// both values are 0), and how many of those iterations both runs reported.
func lossDiffs(a, b map[string]string, from, to int) (map[string]float64, int, error) {
	diffs := map[string]float64{}
	common := 0
	for it := from; it < to; it++ {
		key := fmt.Sprintf("loss_%d", it)
		if a[key] == "" || b[key] == "" {
			continue
		}
		la, err := parseLosses(a[key])
		if err != nil {
			return nil, 0, err
		}
		lb, err := parseLosses(b[key])
		if err != nil {
			return nil, 0, err
		}
		common++
		for name, va := range la {
			vb, ok := lb[name]
			if !ok {
				continue
			}
			d := 0.0
			if m := math.Max(math.Abs(va), math.Abs(vb)); m > 0 {
				d = math.Abs(va-vb) / m
			}
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			diffs[name] = math.Max(diffs[name], d)
		}
	}
	return diffs, common, nil
}

// compareLosses prints how closely the PyTorch peer, started from the Go run's initial weights
// on the same images, follows the Go run's losses: at step 0 (the forward passes), step 1
// (after one update of all three networks: gradients and optimizers) and over all n steps
// (where float rounding differences grow, the from-scratch segmentor being far from converged).
func compareLosses(goRun, torchRun map[string]string, n int) {
	if torchRun["init"] != "go" {
		fmt.Println("check  skipped: the peer did not start from the Go weights")
		return
	}
	fmt.Println("check  same initial weights and images; largest relative loss difference Go vs torch:")
	for _, r := range []struct {
		what     string
		from, to int
	}{{"step 0 (forward)", 0, 1}, {"step 1 (after one update)", 1, 2}, {fmt.Sprintf("steps 0-%d", n-1), 0, n}} {
		if r.to > n {
			continue
		}
		diffs, common, err := lossDiffs(goRun, torchRun, r.from, r.to)
		if err != nil {
			fmt.Printf("check  failed: %v\n", err)
			return
		}
		if common != r.to-r.from || len(diffs) == 0 {
			fmt.Printf("check  %s: losses missing\n", r.what)
			continue
		}
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(diffs)) {
			parts = append(parts, fmt.Sprintf("%s %.1e", name, diffs[name]))
		}
		fmt.Printf("check    %-26s %s\n", r.what, strings.Join(parts, ", "))
	}
	last := fmt.Sprintf("loss_%d", n-1)
	fmt.Printf("check  step %d go    %s\n", n-1, goRun[last])
	fmt.Printf("check  step %d torch %s\n", n-1, torchRun[last])
}
