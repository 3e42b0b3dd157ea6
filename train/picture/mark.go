package picture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// Every PNG this package writes carries a mark, so that a command can tell
// its own earlier output (which it may replace) from someone's photo, or
// another command's picture (which it must not). The mark is a standard
// tEXt chunk that names this engine and what the picture is, Software =
// "ditgo (sample grid)", which every PNG reader skips or shows as text.
//
// A PNG file is an 8-byte signature and then chunks, each
//
//	4 bytes   length of the data, big-endian
//	4 bytes   type, e.g. "IHDR", "tEXt", "IDAT", "IEND"
//	length    the data
//	4 bytes   CRC-32 (IEEE) of type and data
//
// IHDR comes first and IEND last; text chunks may sit anywhere between.
// The mark goes right after IHDR, so that Made finds it in the first few
// dozen bytes without reading the pixels.

// software starts the text of the mark.
const software = "ditgo"

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// markData is the data of the mark of a picture of the kind what: the
// tEXt chunk's keyword, a zero byte, and the text.
func markData(what string) string { return "Software\x00" + software + " (" + what + ")" }

// chunk returns one PNG chunk of the given type and data.
func chunk(typ, data string) []byte {
	b := make([]byte, 0, 12+len(data))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:])) // over type and data
}

// addMark returns the encoded PNG with the mark of what inserted after its
// IHDR chunk. encoded comes from image/png, so its layout is trusted.
func addMark(encoded []byte, what string) []byte {
	markData := markData(what)
	ihdrEnd := len(pngSignature) + 12 + int(binary.BigEndian.Uint32(encoded[len(pngSignature):]))
	out := make([]byte, 0, len(encoded)+12+len(markData))
	out = append(out, encoded[:ihdrEnd]...)
	out = append(out, chunk("tEXt", markData)...)
	return append(out, encoded[ihdrEnd:]...)
}

// Made reports whether the file at path is a picture of the kind what
// written by this package: whether one of its chunks before the image data
// (IDAT) is the mark of what. A
// file that is not a PNG, or is cut short, is simply not one (false, nil);
// a file that cannot be read is an error (a missing one wraps
// fs.ErrNotExist).
func Made(path, what string) (bool, error) {
	markData := markData(what)
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	sig := make([]byte, len(pngSignature))
	if _, err := io.ReadFull(r, sig); err != nil || string(sig) != pngSignature {
		return false, notPNG(path, err)
	}
	head := make([]byte, 8) // length, type
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return false, notPNG(path, err)
		}
		n, typ := int64(binary.BigEndian.Uint32(head)), string(head[4:])
		if typ == "IDAT" || typ == "IEND" {
			return false, nil
		}
		if typ == "tEXt" && n == int64(len(markData)) {
			data := make([]byte, n+4) // data, CRC
			if _, err := io.ReadFull(r, data); err != nil {
				return false, notPNG(path, err)
			}
			if string(data[:n]) == markData && bytes.Equal(data[n:], chunk("tEXt", markData)[8+n:]) {
				return true, nil
			}
			continue
		}
		if _, err := io.CopyN(io.Discard, r, n+4); err != nil { // skip data and CRC
			return false, notPNG(path, err)
		}
	}
}

// notPNG turns a read error into Made's answer: a file that ends early is
// not a PNG of ours; any other failure to read it is an error.
func notPNG(path string, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fmt.Errorf("cannot read %s: %w", path, err)
}
