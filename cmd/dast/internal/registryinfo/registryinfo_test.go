package registryinfo

import (
	"bytes"
	"strings"
	"testing"

	_ "github.com/dast-uda/dast/modules/standard"
)

func TestWriteListAndModule(t *testing.T) {
	var b bytes.Buffer
	if err := WriteList(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "KIND") || !strings.Contains(b.String(), "segmentor") || !strings.Contains(b.String(), "small") {
		t.Errorf("the list lacks the header or segmentor small:\n%s", b.String())
	}
	b.Reset()
	if err := WriteModule(&b, "segmentor.small"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"segmentor.small: ", "config block: {name: small, ...options}", "OPTION", "pretrained"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("segmentor.small lacks %q:\n%s", w, b.String())
		}
	}
	if err := WriteModule(&b, "segmentor.nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("an unknown module: %v", err)
	}
}
