// Package checkpoint saves and restores training state: every variable of a GoMLX context
// (weights, optimizer slots, the RNG state) plus string metadata (iteration, data order), in the
// safetensors format so that any safetensors reader (Python's included) can inspect a dast
// checkpoint. Files are written atomically (temporary file, fsync, rename).
package checkpoint

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// Tensor is one named array of a safetensors file.
type Tensor struct {
	DType string // safetensors dtype: F32, F64, I32, I64, U8, ...
	Shape []int
	Data  []byte // little-endian, row-major
}

// elemSize returns the size in bytes of one element of dtype, or 0 when unknown.
func elemSize(dtype string) int {
	switch dtype {
	case "F64", "I64", "U64":
		return 8
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "I8", "U8", "BOOL":
		return 1
	}
	return 0
}

type headerEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header a reader accepts (100 MB, as the reference implementation).
const maxHeader = 100 << 20

// Write writes tensors and metadata in the safetensors format. Names are written sorted, so the
// same state always gives the same bytes.
func Write(w io.Writer, tensors map[string]Tensor, meta map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		if name == "__metadata__" {
			return errors.New("safetensors: a tensor may not be named __metadata__")
		}
		names = append(names, name)
	}
	sort.Strings(names)
	header := make(map[string]any, len(tensors)+1)
	var offset int64
	for _, name := range names {
		t := tensors[name]
		size := elemSize(t.DType)
		if size == 0 {
			return fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, t.DType)
		}
		if n := numElems(t.Shape); int64(n*size) != int64(len(t.Data)) {
			return fmt.Errorf("safetensors: tensor %q: shape %v needs %d bytes, have %d", name, t.Shape, n*size, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[name] = headerEntry{DType: t.DType, Shape: shape, Offsets: [2]int64{offset, offset + int64(len(t.Data))}}
		offset += int64(len(t.Data))
	}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: header: %w", err)
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	bw.Write(n[:])
	bw.Write(js)
	for _, name := range names {
		if _, err := bw.Write(tensors[name].Data); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func numElems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Read parses a whole safetensors file from r (of the given total size), validating the header
// against the data so that a truncated or corrupt file is an error, never a panic.
func Read(r io.ReaderAt, size int64) (map[string]Tensor, map[string]string, error) {
	if size < 8 {
		return nil, nil, fmt.Errorf("safetensors: file of %d bytes is too short", size)
	}
	var n [8]byte
	if _, err := r.ReadAt(n[:], 0); err != nil {
		return nil, nil, fmt.Errorf("safetensors: read header size: %w", err)
	}
	hlen := binary.LittleEndian.Uint64(n[:])
	if hlen > maxHeader || int64(hlen) > size-8 {
		return nil, nil, fmt.Errorf("safetensors: header length %d does not fit a file of %d bytes", hlen, size)
	}
	hdr := make([]byte, hlen)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, nil, fmt.Errorf("safetensors: read header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header is not JSON: %w", err)
	}
	dataStart := 8 + int64(hlen)
	dataLen := size - dataStart
	tensors := make(map[string]Tensor, len(raw))
	var meta map[string]string
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: __metadata__ must map strings to strings: %w", err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		size := elemSize(e.DType)
		if size == 0 {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, e.DType)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > (1<<40)/int64(d)) {
				return nil, nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, e.Shape)
			}
			count *= int64(d)
		}
		begin, end := e.Offsets[0], e.Offsets[1]
		if begin < 0 || end < begin || end > dataLen || end-begin != count*int64(size) {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: offsets [%d,%d) do not match shape %v of %s in %d data bytes (truncated file?)", name, begin, end, e.Shape, e.DType, dataLen)
		}
		data := make([]byte, end-begin)
		if len(data) == 0 {
			tensors[name] = Tensor{DType: e.DType, Shape: e.Shape, Data: data}
			continue
		}
		if _, err := r.ReadAt(data, dataStart+begin); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		tensors[name] = Tensor{DType: e.DType, Shape: e.Shape, Data: data}
	}
	return tensors, meta, nil
}

// ReadFile reads a safetensors file; errors name the file.
func ReadFile(path string) (map[string]Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	t, m, err := Read(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, m, nil
}
