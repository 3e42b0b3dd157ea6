package nn

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"unsafe"
)

// The safetensors format (Hugging Face), which PyTorch, JAX and this engine
// all read:
//
//	8 bytes      N, the header length, little-endian uint64
//	N bytes      a JSON object: for each tensor name, {"dtype", "shape",
//	             "data_offsets": [begin, end]}, plus an optional
//	             "__metadata__" object of string → string
//	the rest     the tensors' bytes, little-endian, row-major; offsets are
//	             relative to the start of this part
//
// Weights trained here load into the PyTorch reference and back, so this
// engine's checkpoints are plain safetensors files. One addition, which
// other readers ignore as ordinary metadata: every file Encode writes has
//
//	__metadata__[ChecksumKey]   the SHA-256 of the data part (everything
//	                            after the header), as 64 lowercase hex digits
//
// and Parse checks it when it is there. A checkpoint damaged on disk or in a
// copy would otherwise load without complaint and only show itself as a
// training run that diverges. The header is not covered (it holds the sum);
// damage there mostly breaks the JSON or the offsets, which Parse catches.
// Files from other tools have no sum and load unverified.

// ChecksumKey is the metadata key under which Encode stores the SHA-256 of
// a file's data. It is reserved: callers cannot pass it, and Parse removes
// it from File.Metadata after checking it, so metadata round-trips exactly.
const ChecksumKey = "ditgo_data_sha256"

// ErrCorrupt is wrapped by the error for a file whose data no longer
// matches the checksum it was written with.
var ErrCorrupt = errors.New("corrupt file")

// corruptAdvice follows "corrupt file" (and the file's name, if known) in
// the error for a checksum mismatch: what happened and what to do.
const corruptAdvice = "its data does not match the SHA-256 it was saved with (damaged after it was written?); use another copy or an earlier checkpoint"

// Tensor is one named array of a safetensors file, converted to float32.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	// DType is the type it was stored as: "F32", "F16" or "BF16".
	DType string
}

// File is the contents of a safetensors file.
type File struct {
	Metadata map[string]string // without ChecksumKey
	Tensors  []Tensor          // in the order of their data in the file
	// Verified is true when the file carried a ChecksumKey entry and its
	// data matched it; false for files without one.
	Verified bool
}

// Get returns the tensor with the given name.
func (f *File) Get(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// maxHeader bounds the JSON header (the format's own limit is 100 MB), so a
// corrupt length cannot make the reader allocate gigabytes.
const maxHeader = 100 << 20

type headerEntry struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets []int  `json:"data_offsets"`
}

// ReadFile reads and checks a safetensors file.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nn: reading %s: %w", path, err)
	}
	f, err := Parse(data)
	if errors.Is(err, ErrCorrupt) { // a valid layout with damaged data: say so plainly
		return nil, fmt.Errorf("nn: %w %s: %s", ErrCorrupt, path, corruptAdvice)
	}
	if err != nil {
		return nil, fmt.Errorf("nn: %s is not a valid safetensors file: %w", path, err)
	}
	return f, nil
}

// Parse decodes a safetensors file held in memory. Every inconsistency — a
// truncated file, a header that is not JSON, an unknown dtype, offsets that
// overlap, leave gaps or do not match the shape — is an error that says
// what is wrong. A file whose data does not match its ChecksumKey entry is
// an error that wraps ErrCorrupt; it is checked last, so that a truncated
// file is reported as truncated.
func Parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("the file has %d bytes, fewer than the 8-byte header length (truncated?)", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader {
		return nil, fmt.Errorf("the header length %d is over the format's limit of %d bytes", n, maxHeader)
	}
	if uint64(len(data)-8) < n {
		return nil, fmt.Errorf("the header claims %d bytes but only %d follow (truncated file?)", n, len(data)-8)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("the header is not a JSON object: %w", err)
	}
	body := data[8+n:]
	f := &File{Metadata: map[string]string{}}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &f.Metadata); err != nil {
			return nil, fmt.Errorf("__metadata__ is not an object of strings: %w", err)
		}
		delete(raw, "__metadata__")
	}
	type span struct {
		name       string
		begin, end int
	}
	var spans []span
	for name, msg := range raw {
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("tensor %q: bad header entry: %w", name, err)
		}
		size, ok := dtypeSize[e.DType]
		if !ok {
			return nil, fmt.Errorf("tensor %q: dtype %q is not supported (F32, F16 and BF16 are)", name, e.DType)
		}
		count := 1
		for _, s := range e.Shape {
			if s < 0 || (s > 0 && count > math.MaxInt32/s) {
				return nil, fmt.Errorf("tensor %q: bad shape %v", name, e.Shape)
			}
			count *= s
		}
		if len(e.DataOffsets) != 2 || e.DataOffsets[0] < 0 || e.DataOffsets[1] < e.DataOffsets[0] || e.DataOffsets[1] > len(body) {
			return nil, fmt.Errorf("tensor %q: data_offsets %v outside the %d data bytes (truncated file?)", name, e.DataOffsets, len(body))
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if end-begin != count*size {
			return nil, fmt.Errorf("tensor %q: %d bytes of data for shape %v of %s, want %d", name, end-begin, e.Shape, e.DType, count*size)
		}
		t := Tensor{Name: name, Shape: e.Shape, DType: e.DType, Data: decode(e.DType, body[begin:end], count)}
		if t.Shape == nil {
			t.Shape = []int{}
		}
		f.Tensors = append(f.Tensors, t)
		spans = append(spans, span{name, begin, end})
	}
	// The data must be covered exactly once, in some order.
	order := make([]int, len(spans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		sa, sb := spans[order[a]], spans[order[b]]
		if sa.begin != sb.begin {
			return sa.begin < sb.begin
		}
		return sa.name < sb.name
	})
	pos := 0
	for _, i := range order {
		if spans[i].begin != pos {
			return nil, fmt.Errorf("tensor %q starts at byte %d, want %d (overlapping or missing data)", spans[i].name, spans[i].begin, pos)
		}
		pos = spans[i].end
	}
	if pos != len(body) {
		return nil, fmt.Errorf("%d bytes after the last tensor", len(body)-pos)
	}
	sorted := make([]Tensor, len(order))
	for k, i := range order {
		sorted[k] = f.Tensors[i]
	}
	f.Tensors = sorted
	if want, ok := f.Metadata[ChecksumKey]; ok {
		if dataChecksum(body) != want {
			return nil, fmt.Errorf("%w: %s", ErrCorrupt, corruptAdvice)
		}
		delete(f.Metadata, ChecksumKey)
		f.Verified = true
	}
	return f, nil
}

// dataChecksum is the value stored under ChecksumKey for a data part.
func dataChecksum(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

var dtypeSize = map[string]int{"F32": 4, "F16": 2, "BF16": 2}

// littleEndianHost is whether this machine stores a float32's bytes as
// safetensors files do.
var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// decode converts little-endian F32, F16 or BF16 bytes to float32. On a
// little-endian machine F32 values are read where they lie in the file's
// bytes, which the result then shares: converting the 675 million values
// of a DiT-XL/2 file into new memory took 11–17 s here, and 2.7 GB more.
func decode(dtype string, b []byte, n int) []float32 {
	if dtype == "F32" && littleEndianHost && n > 0 && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		// The file's bytes are the values' own: use them where they lie.
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]float32, n)
	switch dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "BF16": // the top half of a float32
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case "F16":
		for i := range out {
			out[i] = halfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	return out
}

// halfToFloat widens an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	default: // subnormal: frac·2⁻²⁴
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// Encode lays out tensors (stored as F32, in the given order) and metadata
// as a safetensors file, adding the data's SHA-256 under ChecksumKey.
func Encode(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	if _, ok := metadata[ChecksumKey]; ok {
		return nil, fmt.Errorf("nn: metadata key %q is reserved for the checksum Encode adds itself; rename it", ChecksumKey)
	}
	header := map[string]any{}
	seen := map[string]bool{}
	off := 0
	for _, t := range tensors {
		if seen[t.Name] || t.Name == "__metadata__" || t.Name == "" {
			return nil, fmt.Errorf("nn: bad or repeated tensor name %q", t.Name)
		}
		seen[t.Name] = true
		count := 1
		for _, s := range t.Shape {
			count *= s
		}
		if count != len(t.Data) {
			return nil, fmt.Errorf("nn: tensor %q has %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = headerEntry{DType: "F32", Shape: shape, DataOffsets: []int{off, off + 4*count}}
		off += 4 * count
	}
	body := make([]byte, 0, off)
	for _, t := range tensors {
		for _, v := range t.Data {
			body = binary.LittleEndian.AppendUint32(body, math.Float32bits(v))
		}
	}
	meta := map[string]string{ChecksumKey: dataChecksum(body)} // a copy: the caller's map is left alone
	for k, v := range metadata {
		meta[k] = v
	}
	header["__metadata__"] = meta
	js, err := json.Marshal(header) // map keys come out sorted: the file is deterministic
	if err != nil {
		return nil, err
	}
	for len(js)%8 != 0 { // pad so the data starts 8-byte aligned
		js = append(js, ' ')
	}
	out := make([]byte, 8, 8+len(js)+len(body))
	binary.LittleEndian.PutUint64(out, uint64(len(js)))
	out = append(out, js...)
	return append(out, body...), nil
}

// WriteFile writes a safetensors file atomically: to a temporary file in the
// same folder, synced to disk, then renamed over path. A crash at any moment
// leaves either the old file or the new one, never a torn one.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	data, err := Encode(tensors, metadata)
	if err != nil {
		return err
	}
	return WriteAtomic(path, data)
}

// WriteAtomic writes data to path atomically: to a temporary file
// ".NAME.tmp-*" in the same folder, synced to disk, then renamed over
// path, so that a crash leaves the old file or the new one, never a torn
// one. Every file the trainer writes goes through it.
func WriteAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("nn: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o644); err != nil { // CreateTemp makes it private
		return fmt.Errorf("nn: writing %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("nn: writing %s: %w (is the disk full?)", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("nn: syncing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("nn: closing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("nn: renaming the new %s into place: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	return nil
}

// ErrMissing is wrapped by errors about a tensor a checkpoint lacks.
var ErrMissing = errors.New("missing tensor")

// Expect returns the named tensor of f after checking its shape.
func (f *File) Expect(name string, shape ...int) (Tensor, error) {
	t, ok := f.Get(name)
	if !ok {
		return Tensor{}, fmt.Errorf("nn: checkpoint has no tensor %q: %w", name, ErrMissing)
	}
	if !slices.Equal(t.Shape, shape) {
		return Tensor{}, fmt.Errorf("nn: checkpoint tensor %q has shape %v, want %v (a different model config?)", name, t.Shape, shape)
	}
	return t, nil
}
