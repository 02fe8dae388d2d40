package metrics

// DataIssues is what a dataset skipped or repaired, recorded in metrics.json under
// "data_issues" (keyed by the dataset's role, e.g. "data.val") when anything was.
type DataIssues struct {
	// Skipped counts entries dropped because a file was missing or could not be decoded;
	// SkippedFiles lists them (at most MaxIssueFiles) with the reason.
	Skipped      int           `json:"skipped"`
	SkippedFiles []SkippedFile `json:"skipped_files,omitempty"`
	// ResizedLabels counts entries whose label file's size differed from its image's, so the
	// label was resized (nearest) to it; ResizedFiles names them (at most MaxIssueFiles).
	ResizedLabels int      `json:"resized_labels"`
	ResizedFiles  []string `json:"resized_files,omitempty"`
}

// MaxIssueFiles bounds the files listed per kind in DataIssues; the counts are exact.
const MaxIssueFiles = 100

// SkippedFile is one skipped entry.
type SkippedFile struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Zero reports whether nothing was skipped or repaired.
func (d DataIssues) Zero() bool { return d.Skipped == 0 && d.ResizedLabels == 0 }
