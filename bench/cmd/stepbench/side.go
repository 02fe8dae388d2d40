package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// side is one measured implementation over all its runs (rounds).
type side struct {
	name  string
	runs  []map[string]string // key-value output of each successful run, in order
	times []float64           // wall seconds of every timed step of every run
	cpus  []float64           // process CPU seconds of the same steps
	peak  float64             // largest VmHWM of its runs, MiB
	err   error               // the first failure
}

// add records one run's output (or failure).
func (s *side) add(kv map[string]string, err error) {
	if err == nil {
		var times, cpus []float64
		if times, err = parseFloats(kv["times"]); err == nil {
			cpus, err = parseFloats(kv["cpus"])
		}
		if err == nil && len(times) == 0 {
			err = fmt.Errorf("no timed steps")
		}
		if err == nil {
			s.runs = append(s.runs, kv)
			s.times = append(s.times, times...)
			s.cpus = append(s.cpus, cpus...)
			if m, perr := strconv.ParseFloat(kv["vmhwm_mb"], 64); perr == nil {
				s.peak = math.Max(s.peak, m)
			}
			return
		}
		err = fmt.Errorf("bad output: %w", err)
	}
	if s.err == nil {
		s.err = err
	}
}

// ok reports whether at least one run succeeded.
func (s *side) ok() bool { return len(s.runs) > 0 }

// first returns the first successful run's value for key.
func (s *side) first(key string) string {
	if !s.ok() {
		return ""
	}
	return s.runs[0][key]
}

// medianStep and fastestStep are over every timed step of every run.
func (s *side) medianStep() float64  { return median(s.times) }
func (s *side) fastestStep() float64 { return slices.Min(s.times) }
func (s *side) medianCPU() float64   { return median(s.cpus) }

// parseFloats reads comma-separated numbers ("" is none).
func parseFloats(text string) ([]float64, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var out []float64
	for f := range strings.SplitSeq(text, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// median of a non-empty slice.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
