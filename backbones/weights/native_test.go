package weights

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/checkpoint"
)

func nativeFile(t testing.TB, ts map[string]checkpoint.Tensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, ts, map[string]string{"format": "test"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func f32(vs ...float32) []byte {
	out := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
	return out
}

func TestReadNative(t *testing.T) {
	data := nativeFile(t, map[string]checkpoint.Tensor{
		"conv1/weights": {DType: "F32", Shape: []int{1, 1, 1, 2}, Data: f32(1, 2)},
		"conv1/bias":    {DType: "F32", Shape: []int{2}, Data: f32(3, 4)},
	})
	s, err := ReadNative("x.safetensors", data)
	if err != nil {
		t.Fatal(err)
	}
	if s.Arch != Native || strings.Join(s.Names(), ",") != "conv1/bias,conv1/weights" {
		t.Fatalf("set %+v", s)
	}
	if w := s.Tensors["conv1/weights"]; w.Data[1] != 2 || w.Shape[3] != 2 { // no transpose: already HWIO
		t.Errorf("weights %+v", w)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not safetensors", []byte("placeholder"), "x.safetensors"},
		{"integer tensor", nativeFile(t, map[string]checkpoint.Tensor{"a": {DType: "I32", Shape: []int{1}, Data: make([]byte, 4)}}), `"a": dtype I32`},
		{"no tensors", nativeFile(t, map[string]checkpoint.Tensor{}), "no tensors"},
	}
	for _, tt := range tests {
		if _, err := ReadNative("x.safetensors", tt.data); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// FuzzReadNative feeds arbitrary bytes: an error or a set, never a panic.
func FuzzReadNative(f *testing.F) {
	f.Add(nativeFile(f, map[string]checkpoint.Tensor{"c/bias": {DType: "F32", Shape: []int{2}, Data: f32(1, 2)}}))
	f.Add(nativeFile(f, map[string]checkpoint.Tensor{"c/w": {DType: "F64", Shape: []int{1}, Data: make([]byte, 8)}}))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadNative("fuzz", data)
		if err == nil && len(s.Tensors) == 0 {
			t.Error("a set without tensors and no error")
		}
	})
}
