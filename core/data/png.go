package data

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
)

// DecodeRGB decodes a PNG image into row-major HWC RGB bytes (alpha dropped, 16-bit channels
// reduced to their high byte).
func DecodeRGB(r io.Reader) (rgb []uint8, w, h int, err error) {
	img, err := decodePNG(r)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decode png: %w", err)
	}
	return imageToRGB(img)
}

// MaxPixels bounds the size of images the decoders accept, so that a corrupt header cannot
// make them allocate gigabytes.
const MaxPixels = 1 << 25

func decodePNG(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, fmt.Errorf("image size %dx%d outside 1..%d pixels", cfg.Width, cfg.Height, MaxPixels)
	}
	return png.Decode(bytes.NewReader(data))
}

func imageToRGB(img image.Image) ([]uint8, int, int, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, 0, w*h*3)
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				out = append(out, row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				out = append(out, row[4*x], row[4*x+1], row[4*x+2])
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				out = append(out, c.R, c.G, c.B)
			}
		}
	}
	return out, w, h, nil
}

// DecodeLabel decodes a label PNG into row-major ids, one byte per pixel. The id is the gray
// value of 8-bit gray images (Cityscapes *_labelIds.png), the palette index of paletted images
// (some GTA5 labels), the 16-bit value of 16-bit gray images, and the red channel of RGB images
// (SYNTHIA GT/LABELS, 16-bit: class in R, instance in G). Ids above 255 are an error.
func DecodeLabel(r io.Reader) (ids []uint8, w, h int, err error) {
	img, err := decodePNG(r)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decode label png: %w", err)
	}
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	ids = make([]uint8, 0, w*h)
	put := func(v uint32, x, y int) error {
		if v > 255 {
			return fmt.Errorf("decode label png: id %d at (%d,%d) does not fit in 8 bits", v, x, y)
		}
		ids = append(ids, uint8(v))
		return nil
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var v uint32
			switch m := img.(type) {
			case *image.Gray:
				v = uint32(m.GrayAt(x, y).Y)
			case *image.Paletted:
				v = uint32(m.ColorIndexAt(x, y))
			case *image.Gray16:
				v = uint32(m.Gray16At(x, y).Y)
			case *image.RGBA64:
				v = uint32(m.RGBA64At(x, y).R)
			case *image.NRGBA64:
				v = uint32(m.NRGBA64At(x, y).R)
			case *image.RGBA:
				v = uint32(m.RGBAAt(x, y).R)
			case *image.NRGBA:
				v = uint32(m.NRGBAAt(x, y).R)
			default:
				return nil, 0, 0, fmt.Errorf("decode label png: unsupported image type %T", img)
			}
			if err := put(v, x, y); err != nil {
				return nil, 0, 0, err
			}
		}
	}
	return ids, w, h, nil
}

// EncodeRGB writes row-major HWC RGB bytes as an 8-bit RGB PNG.
func EncodeRGB(wr io.Writer, rgb []uint8, w, h int) error {
	if w <= 0 || h <= 0 || len(rgb) != w*h*3 {
		return fmt.Errorf("encode png: %d bytes for %dx%d RGB", len(rgb), w, h)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:4*i+3], rgb[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return png.Encode(wr, img)
}

// EncodeLabel writes row-major ids as an 8-bit gray PNG (the Cityscapes labelIds format).
func EncodeLabel(wr io.Writer, ids []uint8, w, h int) error {
	if w <= 0 || h <= 0 || len(ids) != w*h {
		return fmt.Errorf("encode label png: %d values for %dx%d", len(ids), w, h)
	}
	img := &image.Gray{Pix: ids, Stride: w, Rect: image.Rect(0, 0, w, h)}
	return png.Encode(wr, img)
}

// WritePNG writes an image to path through encode, reporting the path on failure.
func WritePNG(path string, encode func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := encode(bw); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadRGB reads a PNG image file as HWC RGB bytes.
func ReadRGB(path string) (rgb []uint8, w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	rgb, w, h, err = DecodeRGB(bufio.NewReader(f))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return rgb, w, h, nil
}

// ReadLabel reads a label PNG file as ids (see DecodeLabel).
func ReadLabel(path string) (ids []uint8, w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	ids, w, h, err = DecodeLabel(bufio.NewReader(f))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return ids, w, h, nil
}

// pngTrailer is the IEND chunk every complete PNG file ends with.
var pngTrailer = []byte{0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82}

// CheckPNG reads only the header and the last bytes of the PNG file at path and returns its
// size: it fails on a file that is not a PNG, whose size is outside 1..MaxPixels pixels, or
// that does not end with the IEND chunk (truncated), without decoding the pixels.
func CheckPNG(path string) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return 0, 0, fmt.Errorf("%s: png header: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return 0, 0, fmt.Errorf("%s: image size %dx%d outside 1..%d pixels", path, cfg.Width, cfg.Height, MaxPixels)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	end := make([]byte, len(pngTrailer))
	if st.Size() < int64(len(end)) {
		return 0, 0, fmt.Errorf("%s: truncated png (%d bytes)", path, st.Size())
	}
	if _, err := f.ReadAt(end, st.Size()-int64(len(end))); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if !bytes.Equal(end, pngTrailer) {
		return 0, 0, fmt.Errorf("%s: truncated png (no IEND chunk at the end of its %d bytes)", path, st.Size())
	}
	return cfg.Width, cfg.Height, nil
}
