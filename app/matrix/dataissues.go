package matrix

import (
	"fmt"
	"strings"
)

// dataIssuesMarkdown is a table of the runs whose datasets skipped files or resized labels
// (from their metrics.json's data_issues), or "" when none did.
func (r Results) dataIssuesMarkdown() string {
	var b strings.Builder
	for _, row := range r.Rows {
		for _, s := range row.Seeds {
			for _, role := range sortedRoles(s) {
				is := s.DataIssues[role]
				if is.Zero() {
					continue
				}
				if b.Len() == 0 {
					b.WriteString("\nData issues (files skipped with skip_bad, labels resized to their image's size):\n\n| run | dataset | skipped | resized labels |\n|---|---|---:|---:|\n")
				}
				fmt.Fprintf(&b, "| %s seed %d | %s | %d | %d |\n", row.Label, s.Seed, role, is.Skipped, is.ResizedLabels)
			}
		}
	}
	return b.String()
}

func sortedRoles(s SeedResult) []string {
	roles := make([]string, 0, len(s.DataIssues))
	for k := range s.DataIssues {
		roles = append(roles, k)
	}
	// data.source, data.target, data.val, ...: alphabetical is the config's order too.
	for i := 1; i < len(roles); i++ {
		for j := i; j > 0 && roles[j] < roles[j-1]; j-- {
			roles[j], roles[j-1] = roles[j-1], roles[j]
		}
	}
	return roles
}
