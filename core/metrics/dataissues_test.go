package metrics

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDataIssuesJSON(t *testing.T) {
	m := Metrics{MIoU: 50, NumClasses: 1, PerClass: []ClassIoU{{Name: "road", IoU: 50}}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "data_issues") {
		t.Errorf("no issues, yet %s", b)
	}
	m.DataIssues = map[string]DataIssues{
		"data.val":    {Skipped: 1, SkippedFiles: []SkippedFile{{File: "v/3.png", Reason: "decode png: bad"}}, ResizedLabels: 2, ResizedFiles: []string{"l/1.png", "l/2.png"}},
		"data.source": {ResizedLabels: 1},
	}
	path := filepath.Join(t.TempDir(), "metrics.json")
	if err := WriteJSON(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.DataIssues, m.DataIssues) {
		t.Errorf("read back %+v, want %+v", got.DataIssues, m.DataIssues)
	}
	if (DataIssues{}).Zero() != true || m.DataIssues["data.source"].Zero() {
		t.Error("Zero")
	}
}
