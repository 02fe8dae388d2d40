package tensorboard

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCRC checks the CRC-32C against its standard check value and the masking formula.
func TestCRC(t *testing.T) {
	c := crc32.Checksum([]byte("123456789"), castagnoli)
	if c != 0xe3069283 {
		t.Fatalf("crc32c(123456789) = %#x, want 0xe3069283", c)
	}
	if got, want := MaskedCRC([]byte("123456789")), ((c>>15)|(c<<17))+0xa282ead8; got != want {
		t.Errorf("masked %#x, want %#x", got, want)
	}
}

// TestMarshalGolden compares an event's encoding with bytes derived by hand from event.proto
// and summary.proto.
func TestMarshalGolden(t *testing.T) {
	ev := Event{WallTime: 1.5, Step: 3, Values: []Value{{Tag: "a", Scalar: 2, IsScalar: true}}}
	want := []byte{
		0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // wall_time = 1.5 (field 1, fixed64)
		0x10, 0x03, // step = 3 (field 2, varint)
		0x2a, 0x0a, // summary (field 5, 10 bytes)
		0x0a, 0x08, // value (field 1, 8 bytes)
		0x0a, 0x01, 'a', // tag "a"
		0x15, 0, 0, 0, 0x40, // simple_value = 2.0f (field 2, fixed32)
	}
	if got := ev.Marshal(); !bytes.Equal(got, want) {
		t.Errorf("marshal\n got % x\nwant % x", got, want)
	}
}

// TestWriteReadBack writes scalars and an image and decodes the file back into the same
// values, steps and tags, with the file_version record first.
func TestWriteReadBack(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(w.Path()), "events.out.tfevents.") {
		t.Errorf("file name %s", w.Path())
	}
	scalars := []struct {
		tag  string
		step int64
		v    float64
	}{{"loss/seg", 1, 2.5}, {"loss/seg", 2, 1.25}, {"val/miou", 2000, 41.3}, {"lr/segmentor", 100, 2.5e-4}}
	for _, s := range scalars {
		if err := w.Scalar(s.tag, s.step, s.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Scalars(7, map[string]float64{"b": 1, "a": -3}); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG fake payload")
	if err := w.Image("pred/0", 2000, png, 64, 32, 3); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	evs, err := ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1+len(scalars)+2 || evs[0].FileVersion != FileVersion {
		t.Fatalf("%d events, first %+v", len(evs), evs[0])
	}
	for i, s := range scalars {
		ev := evs[1+i]
		if ev.Step != s.step || len(ev.Values) != 1 || ev.Values[0].Tag != s.tag || !ev.Values[0].IsScalar || ev.Values[0].Scalar != float32(s.v) || ev.WallTime <= 0 {
			t.Errorf("event %d: %+v, want %s=%v at %d", i+1, ev, s.tag, s.v, s.step)
		}
	}
	multi := evs[1+len(scalars)]
	if multi.Step != 7 || len(multi.Values) != 2 || multi.Values[0].Tag != "a" || multi.Values[0].Scalar != -3 || multi.Values[1].Scalar != 1 {
		t.Errorf("scalars event %+v", multi)
	}
	im := evs[len(evs)-1]
	if im.Step != 2000 || len(im.Values) != 1 || im.Values[0].Image == nil {
		t.Fatalf("image event %+v", im)
	}
	if g := im.Values[0].Image; g.Width != 64 || g.Height != 32 || g.Colorspace != 3 || !bytes.Equal(g.Encoded, png) || im.Values[0].Tag != "pred/0" {
		t.Errorf("image %+v", g)
	}
}

// TestDecodeErrors: a flipped byte fails a CRC, a cut file is truncated.
func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Scalar("x", 1, 1)
	w.Close()
	b, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint64(b))
	second := b[16+n:]
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"data crc", flip(second, 14), "data CRC"},
		{"length crc", flip(second, 0), "length CRC"},
		{"truncated", second[:len(second)-3], "beyond the file"},
		{"short", second[:5], "truncated header"},
	}
	for _, tt := range tests {
		if _, err := Decode(tt.data); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x40
	return c
}

// FuzzDecode: arbitrary bytes are an error or events, never a panic.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	ev := Event{WallTime: 1, Step: 2, Values: []Value{{Tag: "t", Scalar: 1, IsScalar: true}, {Tag: "i", Image: &Image{Width: 1, Height: 1, Colorspace: 1, Encoded: []byte{1}}}}}
	data := ev.Marshal()
	var head [12]byte
	binary.LittleEndian.PutUint64(head[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(head[8:], MaskedCRC(head[:8]))
	buf.Write(head[:])
	buf.Write(data)
	binary.Write(&buf, binary.LittleEndian, MaskedCRC(data))
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		Decode(b) //nolint:errcheck // only panics matter
	})
}
