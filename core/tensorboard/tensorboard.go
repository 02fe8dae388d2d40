// Package tensorboard writes TensorBoard event files (scalars and images) and reads them back.
//
// No maintained Go encoder of the format was found among the Go modules available to this
// project, so this package writes it from its two public definitions, with
// google.golang.org/protobuf's wire encoder (no generated code, no protoc):
//
//   - The record framing of TFRecord files: each record is
//     uint64 length | uint32 masked CRC-32C of the 8 length bytes | data | uint32 masked CRC-32C
//     of the data, little-endian, where masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8.
//   - The protos tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto:
//     Event {double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5}
//     Summary {repeated Value value = 1}
//     Summary.Value {string tag = 1; float simple_value = 2; Image image = 4}
//     Summary.Image {int32 height = 1; int32 width = 2; int32 colorspace = 3;
//     bytes encoded_image_string = 4}
//
// A file starts with an Event whose file_version is "brain.Event:2"; it is named
// events.out.tfevents.<unix seconds>.<host>.<pid>, which TensorBoard's directory scan picks up.
package tensorboard

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// FileVersion is the file_version of an event file's first record.
const FileVersion = "brain.Event:2"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC is the masked CRC-32C of TFRecord framing.
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// Writer appends events to one event file. Its methods are safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	path string
	now  func() time.Time
}

// Create makes dir and a new event file in it.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	now := time.Now()
	path := filepath.Join(dir, fmt.Sprintf("events.out.tfevents.%d.%s.%d", now.Unix(), host, os.Getpid()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	w := &Writer{f: f, w: bufio.NewWriter(f), path: path, now: time.Now}
	if err := w.write(Event{WallTime: wallTime(now), FileVersion: FileVersion}); err != nil {
		f.Close()
		return nil, err
	}
	return w, w.Flush()
}

// Path returns the event file's path.
func (w *Writer) Path() string { return w.path }

// Scalar records value under tag at step.
func (w *Writer) Scalar(tag string, step int64, value float64) error {
	return w.write(Event{WallTime: wallTime(w.now()), Step: step, Values: []Value{{Tag: tag, Scalar: float32(value), IsScalar: true}}})
}

// Scalars records several scalars at one step in one event.
func (w *Writer) Scalars(step int64, values map[string]float64) error {
	ev := Event{WallTime: wallTime(w.now()), Step: step}
	for _, tag := range sortedKeys(values) {
		ev.Values = append(ev.Values, Value{Tag: tag, Scalar: float32(values[tag]), IsScalar: true})
	}
	return w.write(ev)
}

// Image records an encoded (PNG) image of width x height with channels colour channels (1
// grey, 3 RGB, 4 RGBA) under tag at step.
func (w *Writer) Image(tag string, step int64, png []byte, width, height, channels int) error {
	return w.write(Event{WallTime: wallTime(w.now()), Step: step, Values: []Value{{Tag: tag,
		Image: &Image{Width: width, Height: height, Colorspace: channels, Encoded: png}}}})
}

// Flush writes buffered events to the file.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("tensorboard %s: %w", w.path, err)
	}
	return nil
}

// Close flushes and closes the file; a nil Writer is a no-op.
func (w *Writer) Close() error {
	if w == nil {
		return nil
	}
	err := w.Flush()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tensorboard %s: %w", w.path, cerr)
	}
	return err
}

func (w *Writer) write(ev Event) error {
	data := ev.Marshal()
	var head [12]byte
	binary.LittleEndian.PutUint64(head[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(head[8:], MaskedCRC(head[:8]))
	var tail [4]byte
	binary.LittleEndian.PutUint32(tail[:], MaskedCRC(data))
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range [][]byte{head[:], data, tail[:]} {
		if _, err := w.w.Write(b); err != nil {
			return fmt.Errorf("tensorboard %s: %w", w.path, err)
		}
	}
	return nil
}

func wallTime(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Event is one record of an event file.
type Event struct {
	WallTime    float64
	Step        int64
	FileVersion string  // set on a file's first event only
	Values      []Value // the Summary's values
}

// Value is one Summary.Value: a scalar or an image.
type Value struct {
	Tag      string
	Scalar   float32
	IsScalar bool
	Image    *Image
}

// Image is a Summary.Image.
type Image struct {
	Width, Height, Colorspace int
	Encoded                   []byte
}

// Proto field numbers (event.proto, summary.proto).
const (
	fEventWallTime    = 1
	fEventStep        = 2
	fEventFileVersion = 3
	fEventSummary     = 5
	fSummaryValue     = 1
	fValueTag         = 1
	fValueSimple      = 2
	fValueImage       = 4
	fImageHeight      = 1
	fImageWidth       = 2
	fImageColorspace  = 3
	fImageEncoded     = 4
)

// Marshal encodes the event in protobuf wire format.
func (ev Event) Marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, fEventWallTime, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(ev.WallTime))
	if ev.Step != 0 {
		b = protowire.AppendTag(b, fEventStep, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(ev.Step))
	}
	if ev.FileVersion != "" {
		b = protowire.AppendTag(b, fEventFileVersion, protowire.BytesType)
		b = protowire.AppendString(b, ev.FileVersion)
	}
	if len(ev.Values) > 0 {
		var s []byte
		for _, v := range ev.Values {
			s = protowire.AppendTag(s, fSummaryValue, protowire.BytesType)
			s = protowire.AppendBytes(s, v.marshal())
		}
		b = protowire.AppendTag(b, fEventSummary, protowire.BytesType)
		b = protowire.AppendBytes(b, s)
	}
	return b
}

func (v Value) marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, fValueTag, protowire.BytesType)
	b = protowire.AppendString(b, v.Tag)
	switch {
	case v.Image != nil:
		var im []byte
		im = protowire.AppendTag(im, fImageHeight, protowire.VarintType)
		im = protowire.AppendVarint(im, uint64(v.Image.Height))
		im = protowire.AppendTag(im, fImageWidth, protowire.VarintType)
		im = protowire.AppendVarint(im, uint64(v.Image.Width))
		im = protowire.AppendTag(im, fImageColorspace, protowire.VarintType)
		im = protowire.AppendVarint(im, uint64(v.Image.Colorspace))
		im = protowire.AppendTag(im, fImageEncoded, protowire.BytesType)
		im = protowire.AppendBytes(im, v.Image.Encoded)
		b = protowire.AppendTag(b, fValueImage, protowire.BytesType)
		b = protowire.AppendBytes(b, im)
	default:
		b = protowire.AppendTag(b, fValueSimple, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(v.Scalar))
	}
	return b
}
