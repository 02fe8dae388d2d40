package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesCurrent fails when an assembly file of package fastgo differs from what
// this generator writes: edit the generator, then run `go generate ./core/backend/fastgo`.
func TestGeneratedFilesCurrent(t *testing.T) {
	for _, s := range isas {
		path := filepath.Join("..", "..", "kernels", s.file)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != generate(s) {
			t.Errorf("%s is not what internal/kernelgen writes: run go generate ./core/backend/fastgo", path)
		}
	}
	path := filepath.Join("..", "..", "kernels", vecFile)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != generateVec() {
		t.Errorf("%s is not what internal/kernelgen writes: run go generate ./core/backend/fastgo", path)
	}
}
