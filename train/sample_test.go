package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/train/picture"
)

func writeLatents(t *testing.T, path string, shape []int) {
	t.Helper()
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i%7) - 3
	}
	if err := nn.WriteFile(path, []nn.Tensor{{Name: "latents", Shape: shape, Data: data}}, nil); err != nil {
		t.Fatal(err)
	}
}

func readSamples(t *testing.T, path string, shape []int) []float32 {
	t.Helper()
	f, err := nn.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := f.Get("samples")
	if !ok || !slices.Equal(s.Shape, shape) {
		t.Fatalf("%s: samples %v, want shape %v", path, s.Shape, shape)
	}
	return s.Data
}

func TestParseClasses(t *testing.T) {
	if got, err := parseClasses("3, 1,4", 10); err != nil || !slices.Equal(got, []int32{3, 1, 4}) {
		t.Errorf("3,1,4: %v %v", got, err)
	}
	if got, _ := parseClasses("", 3); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Errorf("default: %v", got)
	}
	for _, bad := range []string{"10", "-1", "a", "1,,2"} {
		if _, err := parseClasses(bad, 10); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// quickSample is a sample run of two images in two steps on the CPU, from
// ckpt, with extra flags.
func quickSample(ckpt string, extra ...string) []string {
	return append([]string{"sample", "-ckpt", ckpt, "-classes", "0,1", "-steps", "2", "-device", "cpu"}, extra...)
}

// dispatchOutput runs args as the trainer would and returns what it printed.
func dispatchOutput(args ...string) (string, error) {
	var out bytes.Buffer
	err := dispatch(args, &out, &out)
	return out.String(), err
}

// A second sample to the same -png, -out and -trajectory replaces the
// first one's files (another seed, other bytes), and each carries the mark
// that lets it be replaced again.
func TestSampleReplacesItsOwnOutputs(t *testing.T) {
	ckpt := checkpointPath(tinyCheckpoint(t))
	dir := t.TempDir()
	grid, raw, strip := filepath.Join(dir, "grid.png"), filepath.Join(dir, "raw.safetensors"), filepath.Join(dir, "strip.png")
	var first [][]byte
	for i, seed := range []string{"1", "2"} {
		if err := run(t, quickSample(ckpt, "-seed", seed, "-png", grid, "-out", raw, "-trajectory", strip)...); err != nil {
			t.Fatalf("sample %d: %v", i+1, err)
		}
		for j, path := range []string{grid, raw, strip} {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = append(first, b)
			} else if bytes.Equal(b, first[j]) {
				t.Errorf("%s: the second sample, with another seed, left the same bytes", path)
			}
		}
	}
	for path, what := range map[string]string{grid: "sample grid", strip: "trajectory strip"} {
		if ok, err := picture.Made(path, what); !ok || err != nil {
			t.Errorf("picture.Made(%s, %q) = %v, %v; want true", path, what, ok, err)
		}
	}
	if f, err := nn.ReadFile(raw); err != nil || f.Metadata["format"] != samplesFormat {
		t.Errorf("%s: metadata %v (%v), want \"format\": %q", raw, f.Metadata, err, samplesFormat)
	}
}

// A file that sample did not write — a photo, a checkpoint, notes — at
// -png, -out or -trajectory (or at the default samples.png) is refused
// before any work, naming the flag and the file, and left as it was;
// -overwrite replaces it. A folder is refused even with -overwrite, and so
// is one file named by two flags.
func TestSampleRefusesForeignFiles(t *testing.T) {
	ckpt := checkpointPath(tinyCheckpoint(t))
	t.Chdir(t.TempDir()) // where a default samples.png goes
	var photo bytes.Buffer
	if err := png.Encode(&photo, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	checkpoint, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	foreign := map[string][]byte{"photo.png": photo.Bytes(), "checkpoint.safetensors": checkpoint, "notes.txt": []byte("my notes\n")}
	refused := func(t *testing.T, want string, args ...string) {
		t.Helper()
		printed, err := dispatchOutput(args...)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %v, want one that starts %q", err, want)
		}
		if printed != "" {
			t.Errorf("printed %q before refusing; want the refusal before any work", printed)
		}
	}
	for _, flag := range []string{"-png", "-out", "-trajectory"} {
		for name, data := range foreign {
			t.Run(flag+" "+name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), name)
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				refused(t, "sample: "+flag+" "+path+" exists and is not an earlier output of sample; refusing to overwrite it (pass -overwrite", quickSample(ckpt, flag, path)...)
				if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
					t.Fatalf("%s changed although sample refused to write it", path)
				}
				if err := run(t, quickSample(ckpt, flag, path, "-overwrite")...); err != nil {
					t.Fatalf("with -overwrite: %v", err)
				}
				if got, _ := os.ReadFile(path); bytes.Equal(got, data) {
					t.Errorf("with -overwrite, %s was not replaced", path)
				}
			})
		}
		t.Run(flag+" folder", func(t *testing.T) {
			folder := t.TempDir()
			refused(t, "sample: "+flag+" "+folder+" is a folder", quickSample(ckpt, flag, folder, "-overwrite")...)
		})
	}
	t.Run("default -png", func(t *testing.T) {
		if err := os.WriteFile("samples.png", photo.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		refused(t, "sample: -png samples.png exists and is not an earlier output of sample", quickSample(ckpt)...)
		if got, _ := os.ReadFile("samples.png"); !bytes.Equal(got, photo.Bytes()) {
			t.Error("samples.png changed although sample refused to write it")
		}
	})
	t.Run("one file, two flags", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "both.png")
		refused(t, "sample: -png and -trajectory are both "+path, quickSample(ckpt, "-png", path, "-trajectory", path)...)
	})
}

// -guided-channels larger than the model's channels (1 here) is an error
// that names the flag and both numbers, found before sampling; as many as
// the model has is fine.
func TestSampleGuidedChannels(t *testing.T) {
	ckpt := checkpointPath(tinyCheckpoint(t))
	raw := filepath.Join(t.TempDir(), "raw.safetensors")
	err := run(t, quickSample(ckpt, "-guided-channels", "5", "-out", raw)...)
	if err == nil || !strings.Contains(err.Error(), "-guided-channels 5") || !strings.Contains(err.Error(), "C = 1") {
		t.Errorf("-guided-channels 5 on a 1-channel model: error %v, want one naming -guided-channels 5 and C = 1", err)
	}
	if _, err := os.Stat(raw); err == nil {
		t.Errorf("%s was written although -guided-channels was refused", raw)
	}
	if err := run(t, quickSample(ckpt, "-guided-channels", "1", "-out", raw)...); err != nil {
		t.Errorf("-guided-channels 1 on a 1-channel model: %v", err)
	}
}

// A trajectory strip that cannot be written is reported as the
// -trajectory strip, not as a sample grid.
func TestSampleTrajectoryError(t *testing.T) {
	ckpt := checkpointPath(tinyCheckpoint(t))
	dir := t.TempDir()
	strip := filepath.Join(dir, "missing", "strip.png")
	err := run(t, quickSample(ckpt, "-out", filepath.Join(dir, "raw.safetensors"), "-trajectory", strip)...)
	want := "sample: -trajectory " + strip + ": the folder " + filepath.Dir(strip) + " does not exist"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "sample grid") {
		t.Errorf("error %v, want one that starts %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "raw.safetensors")); !os.IsNotExist(err) {
		t.Errorf("sample worked before refusing -trajectory: %v", err)
	}
	// A strip that cannot be written late is named as one, not as a grid.
	s := &trajectoryStrip{every: 1, snaps: [][]float32{make([]float32, 64)}}
	if err := s.write(strip, []int{1, 1, 8, 8}); err == nil || !strings.Contains(err.Error(), "cannot write trajectory strip "+strip) {
		t.Errorf("writing a strip into a missing folder: %v", err)
	}
}
