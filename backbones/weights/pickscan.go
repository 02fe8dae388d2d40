package weights

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// scanPickle walks one pickle's opcodes from r up to and including STOP without executing
// them, checking that every length-prefixed argument fits in the limit bytes left, and returns
// the pickle's length in bytes. It is the guard in front of gopickle, which allocates a
// declared length before reading it. Opcodes of protocols 0-5 (Python's pickletools table).
func scanPickle(r *bufio.Reader, limit int64) (int64, error) {
	var n int64
	read := func(k int64) ([]byte, error) {
		if k < 0 || k > limit-n {
			return nil, fmt.Errorf("pickle: argument of %d bytes at byte %d, %d left", k, n, limit-n)
		}
		b := make([]byte, k)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("pickle: byte %d: %w", n, err)
		}
		n += k
		return b, nil
	}
	skip := func(k int64) error {
		if k < 0 || k > limit-n {
			return fmt.Errorf("pickle: argument of %d bytes at byte %d, %d left", k, n, limit-n)
		}
		if _, err := io.CopyN(io.Discard, r, k); err != nil {
			return fmt.Errorf("pickle: byte %d: %w", n, err)
		}
		n += k
		return nil
	}
	line := func() error {
		for {
			b, err := read(1)
			if err != nil {
				return err
			}
			if b[0] == '\n' {
				return nil
			}
		}
	}
	length := func(size int) (int64, error) {
		b, err := read(int64(size))
		if err != nil {
			return 0, err
		}
		switch size {
		case 1:
			return int64(b[0]), nil
		case 4:
			return int64(binary.LittleEndian.Uint32(b)), nil
		}
		v := binary.LittleEndian.Uint64(b)
		if v > uint64(limit) {
			return 0, fmt.Errorf("pickle: length %d beyond the %d bytes of the data", v, limit)
		}
		return int64(v), nil
	}
	for {
		op, err := read(1)
		if err != nil {
			return n, err
		}
		switch c := op[0]; c {
		case '.': // STOP
			return n, nil
		// no argument
		case '(', ')', ']', '}', 'N', 'l', 'd', 't', 'a', 'e', 's', 'u', 'b', 'R', 'o', '0', '2', '1',
			0x85, 0x86, 0x87, 0x88, 0x89, 0x81, 0x92, 0x8f, 0x90, 0x91, 0x93, 0x94, 0x97, 0x98, 'Q':
		// fixed-size arguments
		case 'K', 'q', 'h', 0x80, 0x82:
			err = skip(1)
		case 'M', 0x83:
			err = skip(2)
		case 'J', 'r', 'j', 0x84:
			err = skip(4)
		case 'G':
			err = skip(8)
		case 0x95: // FRAME: an 8-byte length, then the frame's opcodes
			_, err = length(8)
		// length-prefixed data
		case 'U', 0x8c, 'C', 0x8a:
			var k int64
			if k, err = length(1); err == nil {
				err = skip(k)
			}
		case 'T', 'X', 'B', 0x8b:
			var k int64
			if k, err = length(4); err == nil {
				err = skip(k)
			}
		case 0x8d, 0x8e, 0x96:
			var k int64
			if k, err = length(8); err == nil {
				err = skip(k)
			}
		// newline-terminated text arguments
		case 'I', 'L', 'F', 'S', 'V', 'p', 'g', 'P':
			err = line()
		case 'c', 'i': // GLOBAL, INST: module and name lines
			if err = line(); err == nil {
				err = line()
			}
		default:
			return n, fmt.Errorf("pickle: unknown opcode %#x at byte %d", c, n-1)
		}
		if err != nil {
			return n, err
		}
	}
}
