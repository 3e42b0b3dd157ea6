package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ditgo/ditgo/train/picture"
)

// May sample write here? A path that does not exist, yes. sample's own
// earlier output of the same kind, yes: it is replaced, so that a command
// can be run again. Anything else — a photo, a checkpoint, notes — only
// with -overwrite, and the refusal comes before any work, not after
// minutes of sampling.

// samplesFormat marks the safetensors files that -out writes, in their
// metadata under "format", so that a later sample knows them for its own.
const samplesFormat = "ditgo-samples"

// An output is a file that one of sample's flags names, with the test that
// tells sample's earlier output of that kind.
type output struct {
	flag, path string
	ours       func(path string) (bool, error)
}

// checkOutputs refuses the outputs of a that sample may not write, and the
// same file named by two flags (the second write would replace the first).
func checkOutputs(a sampleArgs) error {
	seen := map[string]string{} // absolute path → the flag that named it
	for _, o := range []output{{"-png", a.png, madeAs("sample grid")}, {"-out", a.out, isSamplesFile}, {"-trajectory", a.trajectory, madeAs("trajectory strip")}, {"-decoded", a.decoded, isSamplesFile}} {
		if o.path == "" {
			continue
		}
		abs, err := filepath.Abs(o.path)
		if err != nil {
			return fmt.Errorf("sample: %s %s: %w", o.flag, o.path, err)
		}
		if first, ok := seen[abs]; ok {
			return fmt.Errorf("sample: %s and %s are both %s; give each its own file", first, o.flag, o.path)
		}
		seen[abs] = o.flag
		if err := mayWrite("sample", o, a.overwrite); err != nil {
			return err
		}
	}
	return nil
}

// mayWrite returns nil when the subcommand cmd (sample, compare) may write
// o.path: nothing is there, or its own earlier output is, or overwrite is
// set. A folder is refused even then, as no file can replace it.
func mayWrite(cmd string, o output, overwrite bool) error {
	if dir, err := os.Stat(filepath.Dir(o.path)); err != nil || !dir.IsDir() {
		return fmt.Errorf("%s: %s %s: the folder %s does not exist; create it first", cmd, o.flag, o.path, filepath.Dir(o.path))
	}
	info, err := os.Stat(o.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %s %s: %w", cmd, o.flag, o.path, err)
	case info.IsDir():
		return fmt.Errorf("%s: %s %s is a folder; give the path of a file", cmd, o.flag, o.path)
	case overwrite:
		return nil
	}
	ours, err := o.ours(o.path)
	if err != nil {
		return fmt.Errorf("%s: %s %s: %w", cmd, o.flag, o.path, err)
	}
	if !ours {
		return fmt.Errorf("%s: %s %s exists and is not an earlier output of %s; refusing to overwrite it (pass -overwrite to replace it, or another path)", cmd, o.flag, o.path, cmd)
	}
	return nil
}

// maxSamplesHeader bounds the header isSamplesFile reads. -out's header
// holds one tensor and the mark, a few hundred bytes; a longer one is not
// sample's.
const maxSamplesHeader = 64 << 10

// isSamplesFile reports whether path is a safetensors file that -out wrote:
// whether its metadata has "format": samplesFormat. It reads only the
// 8-byte header length and the JSON header (layout in nn/safetensors.go),
// as the file there may be a checkpoint of gigabytes. A file too short, or
// whose header is not such JSON, is not one (false, nil).
func isSamplesFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var n uint64
	if err := binary.Read(f, binary.LittleEndian, &n); err != nil {
		return false, endedEarly(err)
	}
	if n > maxSamplesHeader {
		return false, nil
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(f, header); err != nil {
		return false, endedEarly(err)
	}
	var h struct {
		Metadata map[string]string `json:"__metadata__"`
	}
	if json.Unmarshal(header, &h) != nil {
		return false, nil
	}
	return h.Metadata["format"] == samplesFormat, nil
}

// endedEarly turns a read error into isSamplesFile's answer: a file that
// ends early is simply not one; any other failure to read it is an error.
func endedEarly(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}

// madeAs is the test for an earlier PNG of ours of the kind what.
func madeAs(what string) func(path string) (bool, error) {
	return func(path string) (bool, error) { return picture.Made(path, what) }
}
