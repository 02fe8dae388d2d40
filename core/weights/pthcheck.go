package weights

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// storageBytes are the element sizes of PyTorch's storage classes.
var storageBytes = map[string]int64{
	"FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "DoubleStorage": 8,
	"LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1,
}

// storageClass stands for a storage class while checking a file's declared sizes.
type storageClass struct{ elem int64 }

// anyCallable stands for every other class or function a checkpoint's pickle calls.
type anyCallable struct{}

func (anyCallable) Call(...interface{}) (interface{}, error) { return nil, nil }

func checkFindClass(module, name string) (interface{}, error) {
	if module == "torch" {
		if n, ok := storageBytes[name]; ok {
			return storageClass{n}, nil
		}
	}
	return anyCallable{}, nil
}

// declaredStorage is one storage a checkpoint's pickle refers to.
type declaredStorage struct {
	key   string
	elem  int64
	count int64
}

// persistentRecorder returns a PersistentLoad that records the storages of a pickle.
func persistentRecorder(out *[]declaredStorage) func(interface{}) (interface{}, error) {
	return func(id interface{}) (interface{}, error) {
		t, ok := id.(*types.Tuple)
		if !ok || t.Len() < 5 {
			return nil, fmt.Errorf("persistent id %v: want a storage tuple", id)
		}
		if kind, _ := t.Get(0).(string); kind != "storage" {
			return nil, nil
		}
		cls, ok1 := t.Get(1).(storageClass)
		key, ok2 := t.Get(2).(string)
		n, ok3 := t.Get(4).(int)
		if !ok1 || !ok2 || !ok3 || n < 0 {
			return nil, fmt.Errorf("storage %v: unexpected types or size", id)
		}
		*out = append(*out, declaredStorage{key: key, elem: cls.elem, count: int64(n)})
		return nil, nil
	}
}

// checkPyTorchSizes reads only the pickles of a PyTorch checkpoint and checks that every
// storage it declares fits in the bytes the file holds for it, before gopickle allocates
// storages at the declared sizes (a corrupt header could otherwise ask for any amount).
func checkPyTorchSizes(p string) error {
	if zr, err := zip.OpenReader(p); err == nil {
		defer zr.Close()
		return checkZipSizes(&zr.Reader)
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return checkLegacySizes(f, st.Size())
}

func checkZipSizes(zr *zip.Reader) error {
	records := map[string]*zip.File{}
	var pkl *zip.File
	for _, f := range zr.File {
		base := path.Base(f.Name)
		records[base] = f
		if base == "data.pkl" {
			pkl = f
		}
	}
	if pkl == nil {
		return nil // gopickle names the problem
	}
	rc, err := pkl.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	var decl []declaredStorage
	u := pickle.NewUnpickler(bufio.NewReader(rc))
	u.FindClass, u.PersistentLoad = checkFindClass, persistentRecorder(&decl)
	if _, err := u.Load(); err != nil {
		return fmt.Errorf("data.pkl: %w", err)
	}
	for _, d := range decl {
		rec, ok := records[d.key]
		if !ok {
			return fmt.Errorf("storage %s: no record in the archive", d.key)
		}
		if need := d.count * d.elem; d.count > 0 && (need/d.elem != d.count || uint64(need) > rec.UncompressedSize64) {
			return fmt.Errorf("storage %s declares %d values of %d bytes, its record holds %d bytes", d.key, d.count, d.elem, rec.UncompressedSize64)
		}
	}
	return nil
}

// checkLegacySizes walks the legacy format: magic number, protocol, system info and the
// state dict pickles, the list of storage keys, then each storage as an int64 count and its
// data.
func checkLegacySizes(f *os.File, size int64) error {
	r := &countingReader{r: bufio.NewReader(f)}
	for _, what := range []string{"magic number", "protocol version", "system info"} {
		u := pickle.NewUnpickler(r)
		if _, err := u.Load(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	var decl []declaredStorage
	u := pickle.NewUnpickler(r)
	u.FindClass, u.PersistentLoad = checkFindClass, persistentRecorder(&decl)
	if _, err := u.Load(); err != nil {
		return fmt.Errorf("state dict: %w", err)
	}
	elem := map[string]int64{}
	for _, d := range decl {
		elem[d.key] = d.elem
	}
	keysObj, err := (func() (interface{}, error) { u := pickle.NewUnpickler(r); return u.Load() })()
	if err != nil {
		return fmt.Errorf("storage keys: %w", err)
	}
	keys, ok := keysObj.(*types.List)
	if !ok {
		return fmt.Errorf("storage keys: a %T, not a list", keysObj)
	}
	for _, k := range *keys {
		key, _ := k.(string)
		e, ok := elem[key]
		if !ok {
			return fmt.Errorf("storage %v: not referred to by the state dict", k)
		}
		var nb [8]byte
		if _, err := io.ReadFull(r, nb[:]); err != nil {
			return fmt.Errorf("storage %s: size: %w", key, err)
		}
		n := int64(binary.LittleEndian.Uint64(nb[:]))
		left := size - r.n
		if n < 0 || n > left/e {
			return fmt.Errorf("storage %s declares %d values of %d bytes, %d bytes are left in the file", key, n, e, left)
		}
		if _, err := io.CopyN(io.Discard, r, n*e); err != nil {
			return fmt.Errorf("storage %s: %w", key, err)
		}
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}
