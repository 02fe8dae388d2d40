package weights

import (
	"archive/zip"
	"bufio"
	"bytes"
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

// maxPickle bounds the state-dict pickle of a zip checkpoint (a ResNet-101's is about 30 KiB).
const maxPickle = 64 << 20

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
	if pkl.UncompressedSize64 > maxPickle {
		return fmt.Errorf("data.pkl: %d bytes, more than a state dict's pickle (%d)", pkl.UncompressedSize64, maxPickle)
	}
	rc, err := pkl.Open()
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxPickle))
	rc.Close()
	if err != nil {
		return fmt.Errorf("data.pkl: %w", err)
	}
	if _, err := scanPickle(bufio.NewReader(bytes.NewReader(b)), int64(len(b))); err != nil {
		return fmt.Errorf("data.pkl: %w", err)
	}
	var decl []declaredStorage
	u := pickle.NewUnpickler(bufio.NewReader(bytes.NewReader(b)))
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

// checkLegacySizes walks the legacy format: the magic number, protocol, system info and state
// dict pickles, the list of storage keys, then each storage as an int64 count and its data.
// Each pickle is scanned (scanPickle) before gopickle reads it, from exactly its bytes.
func checkLegacySizes(f *os.File, size int64) error {
	var pos int64
	parse := func(what string, setup func(u *pickle.Unpickler)) (interface{}, error) {
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			return nil, err
		}
		n, err := scanPickle(bufio.NewReader(io.LimitReader(f, size-pos)), size-pos)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			return nil, err
		}
		u := pickle.NewUnpickler(bufio.NewReader(io.LimitReader(f, n)))
		if setup != nil {
			setup(&u)
		}
		v, err := u.Load()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		pos += n
		return v, nil
	}
	for _, what := range []string{"magic number", "protocol version", "system info"} {
		if _, err := parse(what, nil); err != nil {
			return err
		}
	}
	var decl []declaredStorage
	if _, err := parse("state dict", func(u *pickle.Unpickler) {
		u.FindClass, u.PersistentLoad = checkFindClass, persistentRecorder(&decl)
	}); err != nil {
		return err
	}
	elem := map[string]int64{}
	for _, d := range decl {
		elem[d.key] = d.elem
	}
	keysObj, err := parse("storage keys", nil)
	if err != nil {
		return err
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
		if _, err := f.ReadAt(nb[:], pos); err != nil {
			return fmt.Errorf("storage %s: size: %w", key, err)
		}
		n := int64(binary.LittleEndian.Uint64(nb[:]))
		left := size - pos - 8
		if n < 0 || n > left/e {
			return fmt.Errorf("storage %s declares %d values of %d bytes, %d bytes are left in the file", key, n, e, left)
		}
		pos += 8 + n*e
	}
	return nil
}
