package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"
	"testing"
)

func TestPNGRoundTrip(t *testing.T) {
	const w, h = 5, 3
	rgb := make([]uint8, w*h*3)
	ids := make([]uint8, w*h)
	for i := range rgb {
		rgb[i] = uint8(i * 17)
	}
	for i := range ids {
		ids[i] = uint8(i * 13)
	}
	dir := t.TempDir()
	ip, lp := filepath.Join(dir, "img.png"), filepath.Join(dir, "lbl.png")
	if err := WritePNG(ip, func(wr io.Writer) error { return EncodeRGB(wr, rgb, w, h) }); err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(lp, func(wr io.Writer) error { return EncodeLabel(wr, ids, w, h) }); err != nil {
		t.Fatal(err)
	}
	gotRGB, gw, gh, err := ReadRGB(ip)
	if err != nil || gw != w || gh != h || !bytes.Equal(gotRGB, rgb) {
		t.Errorf("ReadRGB: %dx%d err %v, bytes equal %v", gw, gh, err, bytes.Equal(gotRGB, rgb))
	}
	gotIDs, gw, gh, err := ReadLabel(lp)
	if err != nil || gw != w || gh != h || !bytes.Equal(gotIDs, ids) {
		t.Errorf("ReadLabel: %dx%d err %v, ids equal %v", gw, gh, err, bytes.Equal(gotIDs, ids))
	}
	if err := EncodeRGB(io.Discard, rgb, w+1, h); err == nil {
		t.Error("EncodeRGB with a wrong size: no error")
	}
}

// TestDecodeLabelFormats checks the id read from each PNG flavour a dataset uses.
func TestDecodeLabelFormats(t *testing.T) {
	r := image.Rect(0, 0, 2, 1)
	pal := &image.Paletted{Pix: []uint8{7, 26}, Stride: 2, Rect: r, Palette: make(color.Palette, 30)}
	for i := range pal.Palette {
		pal.Palette[i] = color.RGBA{uint8(i * 3), 0, 0, 255}
	}
	rgb16 := image.NewRGBA64(r)
	rgb16.SetRGBA64(0, 0, color.RGBA64{R: 3, G: 1000, B: 0, A: 0xffff})
	rgb16.SetRGBA64(1, 0, color.RGBA64{R: 21, G: 5, B: 0, A: 0xffff})
	big16 := image.NewRGBA64(r)
	big16.SetRGBA64(0, 0, color.RGBA64{R: 300, A: 0xffff})
	gray16 := image.NewGray16(r)
	gray16.SetGray16(0, 0, color.Gray16{Y: 24})
	gray16.SetGray16(1, 0, color.Gray16{Y: 33})
	tests := []struct {
		name    string
		img     image.Image
		want    []uint8
		wantErr bool
	}{
		{"gray", &image.Gray{Pix: []uint8{7, 255}, Stride: 2, Rect: r}, []uint8{7, 255}, false},
		{"paletted index, not colour", pal, []uint8{7, 26}, false},
		{"16-bit RGB red channel", rgb16, []uint8{3, 21}, false},
		{"16-bit gray", gray16, []uint8{24, 33}, false},
		{"16-bit id over 255", big16, nil, true},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := png.Encode(&buf, tt.img); err != nil {
			t.Fatalf("%s: encode: %v", tt.name, err)
		}
		got, w, h, err := DecodeLabel(&buf)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if w != 2 || h != 1 || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: got %v (%dx%d), want %v", tt.name, got, w, h, tt.want)
		}
	}
}

// FuzzDecodeLabel feeds arbitrary bytes to the decoders: they must return an error or buffers
// that match the decoded size, never panic.
func FuzzDecodeLabel(f *testing.F) {
	var buf bytes.Buffer
	if err := EncodeLabel(&buf, []uint8{1, 2, 3, 4, 5, 6}, 3, 2); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := EncodeRGB(&buf, make([]uint8, 12), 2, 2); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	rgb16 := image.NewRGBA64(image.Rect(0, 0, 2, 2))
	if err := png.Encode(&buf, rgb16); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, w, h, err := DecodeLabel(bytes.NewReader(data))
		if err == nil && len(ids) != w*h {
			t.Fatalf("DecodeLabel: %d ids for %dx%d", len(ids), w, h)
		}
		rgb, w, h, err := DecodeRGB(bytes.NewReader(data))
		if err == nil && len(rgb) != 3*w*h {
			t.Fatalf("DecodeRGB: %d bytes for %dx%d", len(rgb), w, h)
		}
	})
}
