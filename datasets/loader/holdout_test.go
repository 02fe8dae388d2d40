package loader

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSplitHoldout(t *testing.T) {
	names := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%05d.png", i)
		}
		return out
	}
	tests := []struct {
		total, n int
		held     []int // indexes of the held-out names
	}{
		{10, 3, []int{3, 6, 9}},
		{10, 1, []int{9}},
		{10, 5, []int{1, 3, 5, 7, 9}},
		{4, 3, []int{1, 2, 3}},
		{7, 2, []int{3, 6}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_of_%d", tt.n, tt.total), func(t *testing.T) {
			all := names(tt.total)
			train, err := SplitHoldout(all, tt.n, PartTrain)
			if err != nil {
				t.Fatal(err)
			}
			held, err := SplitHoldout(all, tt.n, PartHoldout)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, i := range tt.held {
				want = append(want, all[i])
			}
			if !reflect.DeepEqual(held, want) {
				t.Errorf("held out %v, want %v", held, want)
			}
			if len(train)+len(held) != tt.total {
				t.Errorf("%d train + %d held out != %d", len(train), len(held), tt.total)
			}
			seen := map[string]bool{}
			for _, n := range held {
				seen[n] = true
			}
			for _, n := range train {
				if seen[n] {
					t.Errorf("%s is in both parts", n)
				}
			}
		})
	}
	if got, err := SplitHoldout(names(3), 0, PartTrain); err != nil || len(got) != 3 {
		t.Errorf("holdout 0: %v, %v; want every name", got, err)
	}
	if _, err := SplitHoldout(names(3), 3, PartTrain); err == nil || !strings.Contains(err.Error(), "holdout 3") {
		t.Errorf("holdout of every image: err = %v", err)
	}
}
