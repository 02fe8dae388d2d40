package bootstrap

import (
	"strings"
	"testing"
)

func TestValRejectsTooFewResamples(t *testing.T) {
	for _, n := range []int{-1, 0, 1} {
		if _, err := Val(nil, "ckpt", n); err == nil || !strings.Contains(err.Error(), "want at least 2 resamples") {
			t.Errorf("Val(%d resamples): %v, want an error", n, err)
		}
	}
}
