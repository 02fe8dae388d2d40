package tensorboard

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// MaxRecord bounds the records Decode accepts (an image summary is a few MiB at most).
const MaxRecord = 256 << 20

// ReadFile decodes every event of an event file.
func ReadFile(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	evs, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("tensorboard %s: %w", path, err)
	}
	return evs, nil
}

// Decode parses TFRecord-framed events, checking both CRCs of every record.
func Decode(b []byte) ([]Event, error) {
	var out []Event
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return out, fmt.Errorf("record at byte %d: truncated header", off)
		}
		n := binary.LittleEndian.Uint64(b[off:])
		if binary.LittleEndian.Uint32(b[off+8:]) != MaskedCRC(b[off:off+8]) {
			return out, fmt.Errorf("record at byte %d: length CRC mismatch", off)
		}
		if avail := len(b) - off - 16; avail < 0 || n > MaxRecord || n > uint64(avail) {
			return out, fmt.Errorf("record at byte %d: length %d beyond the file", off, n)
		}
		data := b[off+12 : off+12+int(n)]
		if binary.LittleEndian.Uint32(b[off+12+int(n):]) != MaskedCRC(data) {
			return out, fmt.Errorf("record at byte %d: data CRC mismatch", off)
		}
		ev, err := unmarshalEvent(data)
		if err != nil {
			return out, fmt.Errorf("record at byte %d: %w", off, err)
		}
		out = append(out, ev)
		off += 16 + int(n)
	}
	return out, nil
}

// fields calls fn for each field of a protobuf message; unknown wire types are an error.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func unmarshalEvent(b []byte) (Event, error) {
	var ev Event
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fEventWallTime && typ == protowire.Fixed64Type:
			ev.WallTime = math.Float64frombits(x)
		case num == fEventStep && typ == protowire.VarintType:
			ev.Step = int64(x)
		case num == fEventFileVersion && typ == protowire.BytesType:
			ev.FileVersion = string(v)
		case num == fEventSummary && typ == protowire.BytesType:
			return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num != fSummaryValue || typ != protowire.BytesType {
					return nil
				}
				val, err := unmarshalValue(v)
				ev.Values = append(ev.Values, val)
				return err
			})
		}
		return nil
	})
	return ev, err
}

func unmarshalValue(b []byte) (Value, error) {
	var val Value
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fValueTag && typ == protowire.BytesType:
			val.Tag = string(v)
		case num == fValueSimple && typ == protowire.Fixed32Type:
			val.Scalar, val.IsScalar = math.Float32frombits(uint32(x)), true
		case num == fValueImage && typ == protowire.BytesType:
			im := &Image{}
			val.Image = im
			return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == fImageHeight && typ == protowire.VarintType:
					im.Height = int(x)
				case num == fImageWidth && typ == protowire.VarintType:
					im.Width = int(x)
				case num == fImageColorspace && typ == protowire.VarintType:
					im.Colorspace = int(x)
				case num == fImageEncoded && typ == protowire.BytesType:
					im.Encoded = append([]byte{}, v...)
				}
				return nil
			})
		}
		return nil
	})
	return val, err
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
