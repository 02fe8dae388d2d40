package score

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// Metrics returns the result in the metrics.json form of core/metrics (scored classes only).
func (r *Result) Metrics() metrics.Metrics {
	m := metrics.Metrics{MIoU: r.MIoU, NumClasses: len(r.IDs)}
	for i, name := range r.Names {
		m.PerClass = append(m.PerClass, metrics.ClassIoU{Name: name, IoU: r.IoU[i]})
	}
	return m
}

// Table renders the result: a header with the convention, one class per row, mIoU last (and
// mIoU* over 13 classes when 16 are scored).
func (r *Result) Table() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "scored: %s\n", r.Convention)
	fmt.Fprintf(&b, "images: %d, predictions: %s", r.Images, r.PredFormat)
	if r.OtherPixels > 0 {
		fmt.Fprintf(&b, ", %d labelled pixels predicted outside the model's %d classes", r.OtherPixels, r.ModelClasses)
	}
	b.WriteString("\n")
	if n := len(r.Unmatched); n > 0 {
		fmt.Fprintf(&b, "not scored: %d prediction(s) without ground truth (%s)\n", n, firstFew(r.Unmatched, 3))
	}
	b.WriteString("\n")
	b.WriteString(r.Metrics().Table())
	if !math.IsNaN(r.MIoU13) {
		fmt.Fprintf(&b, "mIoU* (13 classes): %.1f\n", r.MIoU13)
	}
	return b.String()
}

// MarshalJSON writes the metrics.json object of core/metrics (so metrics.ReadJSON reads it)
// with the scoring details added: classes, model_classes, convention, pred_format, images,
// other_pixels, unmatched_predictions (when there are any) and, for 16 classes, miou13.
func (r *Result) MarshalJSON() ([]byte, error) {
	base, err := json.Marshal(r.Metrics())
	if err != nil {
		return nil, err
	}
	extra := struct {
		Classes      int      `json:"classes"`
		ModelClasses int      `json:"model_classes"`
		Convention   string   `json:"convention"`
		PredFormat   string   `json:"pred_format"`
		Images       int      `json:"images"`
		OtherPixels  int64    `json:"other_pixels"`
		Unmatched    []string `json:"unmatched_predictions,omitempty"`
		MIoU13       *float64 `json:"miou13,omitempty"`
	}{r.Classes, r.ModelClasses, r.Convention, r.PredFormat, r.Images, r.OtherPixels, r.Unmatched, nil}
	if !math.IsNaN(r.MIoU13) {
		v := r.MIoU13
		extra.MIoU13 = &v
	}
	head, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	// Splice the two objects: {extra..., base...}.
	out := append(head[:len(head)-1:len(head)-1], ',')
	return append(out, base[1:]...), nil
}

// WriteJSON writes the result to path (indented), through a temporary file and a rename.
func WriteJSON(path string, r *Result) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("score json: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("score json: %w", err)
	}
	return nil
}

// firstFew renders the first n names, with "and K more" for the rest.
func firstFew(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
