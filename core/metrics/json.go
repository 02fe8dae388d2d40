package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/dast-uda/dast/internal/atomicfile"
)

// ClassIoU is one class's IoU in percent; NaN when undefined (written as null).
type ClassIoU struct {
	Name string
	IoU  float64
}

// Metrics is the content of metrics.json:
//
//	{"miou": <percent>, "per_class": {"road": <percent or null>, ...}, "num_classes": N, "iteration": I,
//	 "subsets": {"mIoU*13": <percent or null>, ...}}
//
// per_class keeps the class order; an undefined mIoU is written as null. subsets (mIoUs over
// named class subsets, see Confusion.SubsetMIoUs) is written only when there are any, sorted
// by name.
type Metrics struct {
	MIoU       float64
	PerClass   []ClassIoU
	NumClasses int
	Iteration  int
	// Subsets holds mIoUs in percent over named class subsets (SYNTHIA's 13-class mIoU*,
	// "mIoU*13"); nil when the benchmark defines none.
	Subsets map[string]float64 `json:"subsets,omitempty"`
	// DataIssues holds, per dataset role, what its loader skipped or repaired; written as
	// "data_issues" only when some dataset has any.
	DataIssues map[string]DataIssues `json:"data_issues,omitempty"`
}

// Metrics summarises the matrix with the given class names (index = class id; missing names
// become "class_<id>") at a training iteration.
func (c *Confusion) Metrics(classNames []string, iteration int) Metrics {
	iou := c.IoU()
	m := Metrics{MIoU: c.MIoU(), NumClasses: c.n, Iteration: iteration, PerClass: make([]ClassIoU, c.n)}
	for k := range iou {
		name := fmt.Sprintf("class_%d", k)
		if k < len(classNames) && classNames[k] != "" {
			name = classNames[k]
		}
		m.PerClass[k] = ClassIoU{Name: name, IoU: 100 * iou[k]}
	}
	return m
}

func jsonNumber(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// MarshalJSON writes the metrics.json object with per_class in class order.
func (m Metrics) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	put := func(v any) error {
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
		return nil
	}
	b.WriteString(`{"miou":`)
	if err := put(jsonNumber(m.MIoU)); err != nil {
		return nil, err
	}
	b.WriteString(`,"per_class":{`)
	for i, c := range m.PerClass {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := put(c.Name); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := put(jsonNumber(c.IoU)); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(&b, `},"num_classes":%d,"iteration":%d`, m.NumClasses, m.Iteration)
	if len(m.Subsets) > 0 {
		b.WriteString(`,"subsets":{`)
		for i, name := range sortedNames(m.Subsets) {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := put(name); err != nil {
				return nil, err
			}
			b.WriteByte(':')
			if err := put(jsonNumber(m.Subsets[name])); err != nil {
				return nil, err
			}
		}
		b.WriteByte('}')
	}
	if len(m.DataIssues) > 0 {
		b.WriteString(`,"data_issues":`)
		if err := put(m.DataIssues); err != nil { // a map: encoding/json sorts its keys
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a metrics.json object, keeping the file's class order; null values
// become NaN.
func (m *Metrics) UnmarshalJSON(data []byte) error {
	var raw struct {
		MIoU       *float64              `json:"miou"`
		PerClass   json.RawMessage       `json:"per_class"`
		NumClasses int                   `json:"num_classes"`
		Iteration  int                   `json:"iteration"`
		Subsets    map[string]*float64   `json:"subsets"`
		DataIssues map[string]DataIssues `json:"data_issues"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*m = Metrics{MIoU: math.NaN(), NumClasses: raw.NumClasses, Iteration: raw.Iteration, DataIssues: raw.DataIssues}
	if raw.MIoU != nil {
		m.MIoU = *raw.MIoU
	}
	if len(raw.Subsets) > 0 {
		m.Subsets = make(map[string]float64, len(raw.Subsets))
		for name, v := range raw.Subsets {
			m.Subsets[name] = math.NaN()
			if v != nil {
				m.Subsets[name] = *v
			}
		}
	}
	if len(raw.PerClass) == 0 || string(raw.PerClass) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw.PerClass))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("per_class: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("per_class: %w", err)
		}
		name, _ := tok.(string)
		var v *float64
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("per_class %q: %w", name, err)
		}
		c := ClassIoU{Name: name, IoU: math.NaN()}
		if v != nil {
			c.IoU = *v
		}
		m.PerClass = append(m.PerClass, c)
	}
	return nil
}

// WriteJSON writes m to path atomically (package atomicfile).
func WriteJSON(path string, m Metrics) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("metrics %s: %w", path, err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// ReadJSON reads a metrics.json file.
func ReadJSON(path string) (Metrics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Metrics{}, err
	}
	var m Metrics
	if err := json.Unmarshal(data, &m); err != nil {
		return Metrics{}, fmt.Errorf("metrics %s: %w", path, err)
	}
	return m, nil
}

// Table renders the metrics as an aligned text table, one class per row, mIoU then the subset
// mIoUs (sorted by name) last.
func (m Metrics) Table() string {
	width := len("mIoU")
	for _, c := range m.PerClass {
		width = max(width, len(c.Name))
	}
	for name := range m.Subsets {
		width = max(width, len(name))
	}
	var b strings.Builder
	cell := func(v float64) string {
		if math.IsNaN(v) {
			return "    -"
		}
		return fmt.Sprintf("%5.1f", v)
	}
	fmt.Fprintf(&b, "%-*s  %5s\n", width, "class", "IoU")
	for _, c := range m.PerClass {
		fmt.Fprintf(&b, "%-*s  %s\n", width, c.Name, cell(c.IoU))
	}
	fmt.Fprintf(&b, "%-*s  %s\n", width, "mIoU", cell(m.MIoU))
	for _, name := range sortedNames(m.Subsets) {
		fmt.Fprintf(&b, "%-*s  %s\n", width, name, cell(m.Subsets[name]))
	}
	return b.String()
}

// sortedNames returns the keys of m, sorted.
func sortedNames(m map[string]float64) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
