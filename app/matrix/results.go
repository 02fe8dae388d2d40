package matrix

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dast-uda/dast/app/matrix/internal/stats"
	"github.com/dast-uda/dast/core/metrics"
)

// SeedResult is one run's outcome.
type SeedResult struct {
	Seed     int64               `json:"seed"`
	Dir      string              `json:"dir"`
	MIoU     *float64            `json:"miou"`
	PerClass map[string]*float64 `json:"per_class,omitempty"`
	Error    string              `json:"error,omitempty"`
	// DataIssues is what the run's datasets skipped or repaired (metrics.json's data_issues).
	DataIssues map[string]metrics.DataIssues `json:"data_issues,omitempty"`
	// Weights is the run's final-weights identity from its metrics.json (sha256 and the
	// platform facts), verbatim; absent when the run wrote none.
	Weights json.RawMessage `json:"weights,omitempty"`
}

// RowResult aggregates a row over its seeds (mean and sample standard deviation over the seeds
// that finished).
type RowResult struct {
	Name      string              `json:"name"`
	Label     string              `json:"label"`
	Seeds     []SeedResult        `json:"seeds"`
	MeanMIoU  *float64            `json:"miou_mean"`
	StdMIoU   *float64            `json:"miou_std"`
	ClassMean map[string]*float64 `json:"per_class_mean"`
	Finished  int                 `json:"finished"`
}

// Results is results.json.
type Results struct {
	Matrix  string      `json:"matrix"`
	Classes []string    `json:"classes"` // class columns: every class with an IoU in some run
	Rows    []RowResult `json:"rows"`
	// Comparisons holds the paired difference of every pair of rows (RowDiffs).
	Comparisons []RowDiff `json:"comparisons"`
}

// Outcome is what a job produced: metrics, or the error that stopped it.
type Outcome struct {
	Job     Job
	Metrics *metrics.Metrics
	Err     error
	// Weights is the "weights" block of the run's metrics.json (nil when it has none).
	Weights json.RawMessage
}

// Aggregate builds the results of a matrix from its jobs' outcomes, in row order.
func Aggregate(m *Matrix, outcomes []Outcome) Results {
	res := Results{Matrix: m.Name}
	classSeen := map[string]bool{}
	for _, row := range m.Rows {
		rr := RowResult{Name: row.Name, Label: row.Label, ClassMean: map[string]*float64{}}
		var mious []float64
		perClass := map[string][]float64{}
		// The row's outcomes by seed, whatever order the jobs finished in: the means below
		// are sums, and float sums depend on their order.
		var rowOutcomes []Outcome
		for _, o := range outcomes {
			if o.Job.Row.Name == row.Name {
				rowOutcomes = append(rowOutcomes, o)
			}
		}
		sort.SliceStable(rowOutcomes, func(i, j int) bool { return rowOutcomes[i].Job.Seed < rowOutcomes[j].Job.Seed })
		for _, o := range rowOutcomes {
			sr := SeedResult{Seed: o.Job.Seed, Dir: o.Job.Dir}
			if o.Err != nil {
				sr.Error = o.Err.Error()
			} else if o.Metrics != nil {
				sr.DataIssues = o.Metrics.DataIssues
				sr.Weights = o.Weights
				sr.PerClass = map[string]*float64{}
				if !math.IsNaN(o.Metrics.MIoU) {
					v := o.Metrics.MIoU
					sr.MIoU = &v
					mious = append(mious, v)
				}
				for _, c := range o.Metrics.PerClass {
					if math.IsNaN(c.IoU) {
						sr.PerClass[c.Name] = nil
						continue
					}
					v := c.IoU
					sr.PerClass[c.Name] = &v
					perClass[c.Name] = append(perClass[c.Name], v)
					if !classSeen[c.Name] {
						classSeen[c.Name] = true
						res.Classes = append(res.Classes, c.Name)
					}
				}
			}
			rr.Seeds = append(rr.Seeds, sr)
		}
		rr.Finished = len(mious)
		if len(mious) > 0 {
			mean, std := stats.MeanStd(mious)
			rr.MeanMIoU, rr.StdMIoU = &mean, &std
		}
		for name, vs := range perClass {
			mean, _ := stats.MeanStd(vs)
			rr.ClassMean[name] = &mean
		}
		res.Rows = append(res.Rows, rr)
	}
	// Class columns in the dataset's class order, as the first finished run listed them.
	order := map[string]int{}
	for _, o := range outcomes {
		if o.Metrics != nil {
			for i, c := range o.Metrics.PerClass {
				if _, ok := order[c.Name]; !ok {
					order[c.Name] = i
				}
			}
		}
	}
	sortByOrder(res.Classes, order)
	res.Comparisons = RowDiffs(res.Rows)
	return res
}

func sortByOrder(names []string, order map[string]int) {
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && order[names[j]] < order[names[j-1]]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
}

// JSON renders results.json.
func (r Results) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// CSV renders results.csv: one line per row and seed, plus a "mean" line per row.
func (r Results) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := append([]string{"row", "label", "seed"}, r.Classes...)
	header = append(header, "miou", "error")
	w.Write(header)
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', 4, 64)
	}
	for _, row := range r.Rows {
		for _, s := range row.Seeds {
			line := []string{row.Name, row.Label, strconv.FormatInt(s.Seed, 10)}
			for _, c := range r.Classes {
				line = append(line, num(s.PerClass[c]))
			}
			w.Write(append(line, num(s.MIoU), s.Error))
		}
		line := []string{row.Name, row.Label, "mean"}
		for _, c := range r.Classes {
			line = append(line, num(row.ClassMean[c]))
		}
		w.Write(append(line, num(row.MeanMIoU), ""))
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// Markdown renders the table in the paper's layout: one line per row, the per-class IoU
// (mean over seeds) in columns, mIoU (mean ± std over seeds) last.
func (r Results) Markdown() string {
	var b strings.Builder
	b.WriteString("| method |")
	for _, c := range r.Classes {
		b.WriteString(" " + c + " |")
	}
	b.WriteString(" mIoU |\n|---|")
	for range r.Classes {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	for _, row := range r.Rows {
		b.WriteString("| " + row.Label + " |")
		for _, c := range r.Classes {
			if v := row.ClassMean[c]; v != nil {
				fmt.Fprintf(&b, " %.1f |", *v)
			} else {
				b.WriteString(" – |")
			}
		}
		switch {
		case row.MeanMIoU == nil:
			b.WriteString(" – |\n")
		case row.Finished > 1:
			fmt.Fprintf(&b, " %.1f ± %.1f |\n", *row.MeanMIoU, *row.StdMIoU)
		default:
			fmt.Fprintf(&b, " %.1f |\n", *row.MeanMIoU)
		}
	}
	b.WriteString("\nIoU per class and mIoU in %, mean over seeds; ± is the sample standard deviation over seeds.\n")
	if len(r.Comparisons) > 0 {
		b.WriteString("\n" + RowDiffsMarkdown(r.Comparisons))
	}
	b.WriteString(r.dataIssuesMarkdown())
	return b.String()
}

// ReadResults reads a results.json file (a baseline).
func ReadResults(path string) (Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Results{}, fmt.Errorf("baseline: %w", err)
	}
	var r Results
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return Results{}, fmt.Errorf("baseline %s: %w", path, err)
	}
	if len(r.Rows) == 0 {
		return Results{}, fmt.Errorf("baseline %s: no rows", path)
	}
	return r, nil
}

// WeightsOf reads the "weights" block of the metrics.json at path (nil when it has none or
// the file cannot be read: the block is informative, the metrics decide).
func WeightsOf(path string) json.RawMessage {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var f struct {
		Weights json.RawMessage `json:"weights"`
	}
	if json.Unmarshal(b, &f) != nil || len(f.Weights) == 0 || string(f.Weights) == "null" {
		return nil
	}
	return f.Weights
}

// withWeights fills o.Weights from its run directory's metrics file.
func (r *Runner) withWeights(o Outcome) Outcome {
	if o.Metrics != nil && o.Weights == nil && r.MetricsFile != "" {
		o.Weights = WeightsOf(filepath.Join(o.Job.Dir, r.MetricsFile))
	}
	return o
}
