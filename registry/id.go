package registry

import (
	"fmt"
	"reflect"
	"strings"
)

// checkID reports whether id is "kind.name" with two or more well-formed parts.
func checkID(id string) error {
	parts := strings.Split(id, ".")
	if len(parts) < 2 {
		return fmt.Errorf("malformed module ID %q: want kind.name", id)
	}
	for _, p := range parts {
		if !validPart(p) {
			return fmt.Errorf("malformed module ID %q: each part must be a lower-case letter followed by lower-case letters, digits or '_'", id)
		}
	}
	return nil
}

func validPart(p string) bool {
	if p == "" || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 1; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkConfig reports whether m, returned by Info.New, is a non-nil pointer to a struct.
func checkConfig(m Module) error {
	if m == nil {
		return fmt.Errorf("returned nil")
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("returned %T, want a non-nil pointer to a struct", m)
	}
	return nil
}

// suggest returns the candidate closest to s by edit distance, or "" when none is close
// enough to be a plausible typo.
func suggest(s string, candidates []string) string {
	if s == "" {
		return ""
	}
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(s, c)
		if bestD < 0 || d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	limit := max(2, len(s)/3)
	if bestD < 0 || bestD > limit || bestD >= len(s) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
