package train

import (
	"fmt"
	"strings"
)

// checkUntilStage reports an Options.UntilStage that names none of the stages (a typo would
// otherwise run them all).
func checkUntilStage(until string, stages []Stage) error {
	if until == "" {
		return nil
	}
	names := make([]string, len(stages))
	for i, s := range stages {
		if s.Name == until {
			return nil
		}
		names[i] = s.Name
	}
	return fmt.Errorf("--until-stage %s: no such stage (stages: %s)", until, strings.Join(names, ", "))
}
