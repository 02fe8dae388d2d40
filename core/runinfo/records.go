package runinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/dast-uda/dast/internal/atomicfile"
)

// The JSON-lines records of a run directory (history.jsonl, selection.jsonl): one JSON object
// per line, each with its "iteration".

// AppendLine appends b and a newline to path.
func AppendLine(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("append %s: %w", path, err)
	}
	return f.Close()
}

// TrimRecords rewrites the JSON-lines file at path (history.jsonl, selection.jsonl) keeping
// the records whose "iteration" keep accepts, so a resumed run, which evaluates those
// iterations again, does not record them twice. A line that does not parse (the torn last
// line of a killed append) is dropped too. It returns the number of lines dropped; a missing
// file is no error.
func TrimRecords(path string, keep func(iteration int) bool) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var out []byte
	dropped := 0
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec struct {
			Iteration *int `json:"iteration"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Iteration == nil || !keep(*rec.Iteration) {
			dropped++
			continue
		}
		out = append(append(out, line...), '\n')
	}
	if dropped == 0 {
		return 0, nil
	}
	if err := atomicfile.WriteFile(path, out); err != nil {
		return 0, err
	}
	return dropped, nil
}
