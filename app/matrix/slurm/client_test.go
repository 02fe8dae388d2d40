package slurm

import "testing"

func TestJobStateActive(t *testing.T) {
	tests := []struct {
		s    JobState
		want bool
	}{
		{JobState{"PENDING", "Priority"}, true},
		{JobState{"PENDING", "Dependency"}, true},
		{JobState{"PENDING", "DependencyNeverSatisfied"}, false},
		{JobState{"RUNNING", "None"}, true},
		{JobState{"COMPLETING", "None"}, true},
		{JobState{"COMPLETED", "None"}, false},
		{JobState{"CANCELLED", "None"}, false},
		{JobState{"TIMEOUT", "None"}, false},
		{JobState{"OUT_OF_MEMORY", "None"}, false},
		{JobState{}, false},
	}
	for _, tt := range tests {
		if got := tt.s.Active(); got != tt.want {
			t.Errorf("%+v.Active() = %v, want %v", tt.s, got, tt.want)
		}
	}
}
