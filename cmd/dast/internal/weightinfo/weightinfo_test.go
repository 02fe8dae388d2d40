package weightinfo

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectMapsKeys: without --segmentor the file's keys are mapped under the guessed
// architecture; --all lists each with its dast name; an unknown --arch is an error.
func TestInspectMapsKeys(t *testing.T) {
	file := filepath.Join("..", "..", "..", "..", "backbones", "weights", "testdata", "torchvision_vgg16_tiny.pth")
	var b bytes.Buffer
	if err := Inspect(&b, file, "", "", true); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"arch       vgg16: ", "features.28.weight   [512 512 3 3]  features/28/weights"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, b.String())
		}
	}
	if err := Inspect(&b, file, "nosuch", "", false); err == nil {
		t.Error("an unknown --arch was accepted")
	}
}
