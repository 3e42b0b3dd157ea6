package nn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/nn"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	want := []nn.Tensor{
		{Name: "b.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), -0.25}},
		{Name: "a", Shape: []int{}, Data: []float32{7}},
		{Name: "empty", Shape: []int{0, 4}, Data: []float32{}},
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := nn.WriteFile(path, want, map[string]string{"config": `{"depth":2}`}); err != nil {
		t.Fatal(err)
	}
	f, err := nn.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The checksum was checked and is not handed back as metadata.
	if !maps.Equal(f.Metadata, map[string]string{"config": `{"depth":2}`}) || !f.Verified {
		t.Errorf("metadata %v, verified %v; want only the caller's, verified", f.Metadata, f.Verified)
	}
	for _, w := range want {
		got, ok := f.Get(w.Name)
		if !ok || !slices.Equal(got.Shape, w.Shape) || !slices.Equal(got.Data, w.Data) || got.DType != "F32" {
			t.Errorf("%s: got %+v, want %+v", w.Name, got, w)
		}
	}
	// Written in order, so the data order matches the list.
	if f.Tensors[0].Name != "b.weight" || f.Tensors[1].Name != "a" {
		t.Errorf("order %s, %s", f.Tensors[0].Name, f.Tensors[1].Name)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files after an atomic write, want 1", len(entries))
	}
}

// A file written by hand in the layout the format specifies (not by
// Encode), with F16 and BF16 tensors: 1.0 is 0x3c00 in F16 and 0x3f80 in
// BF16, −2 is 0xc000 and 0xc000.
func TestSafetensorsHandWritten(t *testing.T) {
	header := `{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},"__metadata__":{"k":"v"}}`
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(header)))
	buf.WriteString(header)
	binary.Write(&buf, binary.LittleEndian, []uint16{0x3c00, 0xc000, 0x3f80, 0xc000})
	f, err := nn.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := f.Get("h")
	b, _ := f.Get("b")
	if !slices.Equal(h.Data, []float32{1, -2}) || !slices.Equal(b.Data, []float32{1, -2}) || f.Metadata["k"] != "v" {
		t.Errorf("got F16 %v, BF16 %v, metadata %v", h.Data, b.Data, f.Metadata)
	}
	// Like files from PyTorch, it has no checksum: it loads, unverified.
	if f.Verified {
		t.Error("a file without a checksum is marked verified")
	}
}

// One damaged data byte, the failure the checksum exists for: the layout
// is still valid, so only the checksum can tell.
func TestSafetensorsCorrupt(t *testing.T) {
	good, err := nn.Encode([]nn.Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}, map[string]string{"step": "100"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nn.Parse(good); err != nil {
		t.Fatalf("the undamaged file: %v", err)
	}
	bad := slices.Clone(good)
	bad[len(bad)-3] ^= 0x01 // a low mantissa bit of the last value: 4 becomes 4.0000005
	_, err = nn.Parse(bad)
	if !errors.Is(err, nn.ErrCorrupt) || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Parse of a damaged file: error %v, want one wrapping ErrCorrupt", err)
	}

	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = nn.ReadFile(path)
	if !errors.Is(err, nn.ErrCorrupt) {
		t.Fatalf("ReadFile of a damaged file: error %v, want one wrapping ErrCorrupt", err)
	}
	msg := err.Error()
	for _, want := range []string{"corrupt file " + path, "SHA-256", "another copy"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ReadFile error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("ReadFile error %q spans lines", msg)
	}
	t.Logf("the error: %v", err)
}

// The checksum key belongs to Encode: a caller passing it is an error, not
// a value silently replaced.
func TestSafetensorsReservedKey(t *testing.T) {
	_, err := nn.Encode([]nn.Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}, map[string]string{nn.ChecksumKey: "0"})
	if err == nil || !strings.Contains(err.Error(), nn.ChecksumKey) {
		t.Fatalf("error %v, want one naming %q", err, nn.ChecksumKey)
	}
}

func TestSafetensorsErrors(t *testing.T) {
	good, _ := nn.Encode([]nn.Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, 2}}}, nil)
	withHeader := func(h string, data int) []byte {
		var buf bytes.Buffer
		binary.Write(&buf, binary.LittleEndian, uint64(len(h)))
		buf.WriteString(h)
		buf.Write(make([]byte, data))
		return buf.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "fewer than the 8-byte"},
		{"truncated header", good[:12], "truncated"},
		{"truncated data", good[:len(good)-1], "truncated"},
		{"huge header", append(binary.LittleEndian.AppendUint64(nil, 1<<40), 0), "over the format's limit"},
		{"not json", withHeader("hello", 0), "not a JSON object"},
		{"bad dtype", withHeader(`{"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}`, 4), `dtype "F99"`},
		{"shape mismatch", withHeader(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4), "want 8"},
		{"overlap", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), "overlapping"},
		{"gap", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "overlapping or missing"},
		{"trailing", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8), "after the last tensor"},
		{"bad metadata", withHeader(`{"__metadata__":{"k":1}}`, 0), "__metadata__"},
		{"negative shape", withHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), "bad shape"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := nn.Parse(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(path, good[:5], 0o644)
	if _, err := nn.ReadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadFile error %v does not name the file", err)
	}
}

// FuzzParse feeds arbitrary bytes to the parser: it must return an error or
// a file, never panic, and whatever it accepts must survive a round trip.
func FuzzParse(f *testing.F) {
	good, _ := nn.Encode([]nn.Tensor{{Name: "w", Shape: []int{2, 1}, Data: []float32{1, 2}}, {Name: "s", Shape: []int{}, Data: []float32{3}}}, map[string]string{"a": "b"})
	f.Add(good)
	f.Add([]byte{})
	f.Add(good[:9])
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := nn.Parse(data)
		if err != nil {
			return
		}
		again, err := nn.Encode(file.Tensors, file.Metadata)
		if err != nil {
			t.Fatalf("cannot re-encode an accepted file: %v", err)
		}
		back, err := nn.Parse(again)
		if err != nil {
			t.Fatalf("cannot parse a re-encoded file: %v", err)
		}
		if len(back.Tensors) != len(file.Tensors) || !back.Verified {
			t.Fatalf("%d tensors after a round trip (verified %v), want %d, verified", len(back.Tensors), back.Verified, len(file.Tensors))
		}
	})
}
