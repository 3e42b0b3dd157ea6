package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/vk/vktest"
)

// writeTinyMNIST writes n random 8×8 "digits" of 3 classes in the MNIST IDX
// layout (gzipped), so that the trainer's tests run in seconds.
func writeTinyMNIST(t *testing.T, dir string, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 1))
	for _, set := range []string{"train", "t10k"} {
		var img, lbl bytes.Buffer
		binary.Write(&img, binary.BigEndian, []uint32{0x803, uint32(n), 8, 8})
		binary.Write(&lbl, binary.BigEndian, []uint32{0x801, uint32(n)})
		for i := range n {
			class := i % 3
			for p := range 64 {
				v := byte(r.IntN(40))
				if p%3 == class { // each class lights every third pixel
					v = 200 + byte(r.IntN(55))
				}
				img.WriteByte(v)
			}
			lbl.WriteByte(byte(class))
		}
		for name, b := range map[string][]byte{set + "-images-idx3-ubyte.gz": img.Bytes(), set + "-labels-idx1-ubyte.gz": lbl.Bytes()} {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(b)
			w.Close()
			if err := os.WriteFile(filepath.Join(dir, name), z.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// tinyArgs are flags for a run that takes a second: a 1-block DiT on 8×8
// images, a checkpoint every 3 steps, one metric line per step.
func tinyArgs(data, out string, steps int) []string {
	return []string{"-data", data, "-out", out, "-depth", "1", "-hidden", "16", "-heads", "2", "-patch", "4",
		"-batch", "4", "-steps", itoa(steps), "-ckpt-every", "3", "-log-every", "1", "-sample-every", "0",
		"-eval-every", "-1", "-sample-steps", "2", "-device", "cpu", "-lr", "1e-3", "-warmup", "2"}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// losses reads the per-step losses of a run's metrics.jsonl.
func losses(t *testing.T, out string) map[int]float32 {
	t.Helper()
	return byStep(t, out, func(l metricLine) float32 { return l.Loss })
}

// elapsed reads elapsed_s by step from a run's metrics.
func elapsed(t *testing.T, out string) map[int]float64 {
	t.Helper()
	return byStep(t, out, func(l metricLine) float64 { return l.Seconds })
}

// byStep maps each training step of a run's metrics to what f reads from
// its line.
func byStep[T any](t *testing.T, out string, f func(metricLine) T) map[int]T {
	t.Helper()
	m := map[int]T{}
	for _, l := range metricLines(t, out) {
		m[l.Step] = f(l)
	}
	return m
}

// metricLines reads the training lines of a run's metrics.jsonl.
func metricLines(t *testing.T, out string) []metricLine {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []metricLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l metricLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("bad metrics line %q: %v", sc.Text(), err)
		}
		if l.Eval == nil {
			lines = append(lines, l)
		}
	}
	return lines
}

func run(t *testing.T, args ...string) error {
	t.Helper()
	var out bytes.Buffer
	err := dispatch(args, &out, &out)
	if testing.Verbose() {
		t.Log(out.String())
	}
	return err
}

// A run of 6 steps extended to 12 with -resume logs the same losses, bit
// for bit, as a run of 12 steps: weights, EMA, optimizer moments, the data
// order and both random streams are all restored. (With a constant rate:
// a cosine schedule depends on -steps, so extending a run changes it.)
func TestResumeIsExact(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	_, split := checkResumeExact(t, dir, 6, func(out string, steps int) []string {
		return append(tinyArgs(data, out, steps), "-lr-schedule", "constant")
	})
	for _, name := range []string{"checkpoint.safetensors", "loss.png", "samples_000012.png"} {
		if _, err := os.Stat(filepath.Join(split, name)); err != nil {
			t.Errorf("the run did not write %s: %v", name, err)
		}
	}
}

// checkResumeExact trains the run of args(out, steps) for 2n steps in one
// go, and for n steps then resumed to 2n, in folders of dir, and fails the
// test unless both logged the same losses, bit for bit. It returns the
// two folders.
func checkResumeExact(t *testing.T, dir string, n int, args func(out string, steps int) []string) (whole, split string) {
	t.Helper()
	whole, split = filepath.Join(dir, "whole"), filepath.Join(dir, "split")
	if err := run(t, args(whole, 2*n)...); err != nil {
		t.Fatal(err)
	}
	if err := run(t, args(split, n)...); err != nil {
		t.Fatal(err)
	}
	f, err := nn.ReadFile(checkpointPath(split))
	if err != nil {
		t.Fatal(err)
	}
	var st runState
	if err := json.Unmarshal([]byte(f.Metadata[keyState]), &st); err != nil {
		t.Fatal(err)
	}
	if err := run(t, "-resume", split, "-steps", itoa(2*n), "-device", "cpu"); err != nil {
		t.Fatal(err)
	}
	// The resumed run's clock counts on from its checkpoint's.
	at := elapsed(t, split)
	if st.Elapsed <= 0 || st.Elapsed < at[n] || at[n+1] < st.Elapsed {
		t.Errorf("elapsed_s %v at step %d, %v in the checkpoint, %v at step %d after the resume: want them in order", at[n], n, st.Elapsed, at[n+1], n+1)
	}
	a, b := losses(t, whole), losses(t, split)
	if len(a) != 2*n || len(b) != 2*n {
		t.Fatalf("%d and %d logged steps, want %d each", len(a), len(b), 2*n)
	}
	for s := 1; s <= 2*n; s++ {
		if a[s] != b[s] {
			t.Errorf("step %d: loss %v uninterrupted, %v resumed", s, a[s], b[s])
		}
	}
	return whole, split
}

// buildTrainer compiles the trainer once per test binary, for the tests
// that need a real process (to kill it, or to see its exit code).
func buildTrainer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "train")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A run killed with SIGKILL at a random moment (even in the middle of
// writing a checkpoint) resumes from its last good checkpoint and then
// logs exactly the losses of an uninterrupted run (with the default cosine
// learning-rate schedule, which depends on the step).
func TestResumeAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the SIGKILL test in -short mode")
	}
	bin := buildTrainer(t)
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	const steps = 300
	whole, killed := filepath.Join(dir, "whole"), filepath.Join(dir, "killed")
	if err := run(t, tinyArgs(data, whole, steps)...); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, tinyArgs(data, killed, steps)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for a first checkpoint, then kill at a random moment after it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(checkpointPath(killed)); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	delay := time.Duration(rand.IntN(300)) * time.Millisecond
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if n := len(losses(t, killed)); n >= steps {
		t.Fatalf("the run finished (%d steps) before it was killed; the test needs a longer run", n)
	} else {
		t.Logf("killed %v after the first checkpoint, at %d logged steps", delay, n)
	}
	if err := run(t, "-resume", killed, "-steps", itoa(steps), "-device", "cpu"); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(killed, ".*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files of the killed run are still there: %v", left)
	}
	if _, err := os.Stat(filepath.Join(killed, lockName)); !os.IsNotExist(err) {
		t.Errorf("the resumed run did not take over and remove the killed run's lock: %v", err)
	}
	a, b := losses(t, whole), losses(t, killed)
	if len(b) != steps {
		t.Fatalf("%d logged steps after resuming, want %d", len(b), steps)
	}
	for s := 1; s <= steps; s++ {
		if a[s] != b[s] {
			t.Errorf("step %d: loss %v uninterrupted, %v after SIGKILL and resume", s, a[s], b[s])
		}
	}
}

// Every mistake a user can make ends with one clear line and exit status 1,
// never a panic.
func TestBadInput(t *testing.T) {
	bin := buildTrainer(t)
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 12)
	good := filepath.Join(dir, "good")
	if out, err := exec.Command(bin, tinyArgs(data, good, 3)...).CombinedOutput(); err != nil {
		t.Fatalf("a good run failed: %v\n%s", err, out)
	}
	corrupt := t.TempDir()
	os.WriteFile(filepath.Join(corrupt, "train-images-idx3-ubyte"), []byte("not an idx file"), 0o644)
	os.WriteFile(filepath.Join(corrupt, "train-labels-idx1-ubyte"), []byte{0, 0, 8, 1, 0, 0, 0, 0}, 0o644)
	notDiT := filepath.Join(dir, "x.safetensors")
	os.WriteFile(notDiT, []byte("garbage"), 0o644)
	truncated := t.TempDir()
	ck, _ := os.ReadFile(checkpointPath(good))
	os.WriteFile(checkpointPath(truncated), ck[:len(ck)/2], 0o644)
	oneClass := t.TempDir()
	writeImageFolder(t, oneClass)
	os.RemoveAll(filepath.Join(oneClass, "b"))
	aFile := filepath.Join(dir, "a-file")
	os.WriteFile(aFile, nil, 0o644)

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing data", tinyArgs(filepath.Join(dir, "nope"), t.TempDir(), 3), "nope"},
		{"corrupt data", tinyArgs(corrupt, t.TempDir(), 3), "train-images-idx3-ubyte"},
		{"bad flag value", append(tinyArgs(data, t.TempDir(), 3), "-batch", "0"), "-batch 0"},
		{"unknown device", append(tinyArgs(data, t.TempDir(), 3), "-device", "tpu"), "-device"},
		{"unknown lr schedule", append(tinyArgs(data, t.TempDir(), 3), "-lr-schedule", "step"), "-lr-schedule"},
		{"negative warm-up", append(tinyArgs(data, t.TempDir(), 3), "-warmup", "-5"), "-warmup -5"},
		{"unwritable output", tinyArgs(data, filepath.Join(aFile, "sub"), 3), "output folder"},
		{"single-class data", append(tinyArgs(oneClass, t.TempDir(), 3), "-image-size", "8"), "1 class"},
		{"not a checkpoint", []string{"sample", "-ckpt", notDiT, "-device", "cpu"}, "x.safetensors"},
		{"truncated checkpoint", []string{"-resume", truncated, "-device", "cpu"}, "checkpoint.safetensors"},
		{"bad sampler", []string{"sample", "-ckpt", checkpointPath(good), "-sampler", "euler"}, "-sampler"},
		{"bad classes", []string{"sample", "-ckpt", checkpointPath(good), "-classes", "1,x", "-device", "cpu"}, "-classes"},
		{"bench bad batch", []string{"bench", "-model", "DiT-Micro/4", "-batch", "-1"}, "-batch -1"},
		{"bench unknown model", []string{"bench", "-model", "DiT-Q/3"}, "DiT-Q/3"},
		{"bench bad shape", []string{"bench", "-model", "DiT-Micro/4", "-image-size", "18"}, "-patch 4: the images are 18"},
		{"NaN learning rate", append(tinyArgs(data, t.TempDir(), 3), "-lr", "NaN"), "-lr NaN"},
		{"infinite guidance", append(tinyArgs(data, t.TempDir(), 3), "-cfg", "+Inf"), "-cfg +Inf"},
		{"no model name", append(tinyArgs(data, t.TempDir(), 3), "-model", ""), "-model"},
		{"resume with another flag", []string{"-resume", good, "-lr", "1e-3"}, "-lr cannot be given with -resume"},
		{"eval NaN guidance", []string{"eval", "-ckpt", checkpointPath(good), "-cfg", "NaN"}, "-cfg NaN"},
		{"sample no steps", []string{"sample", "-ckpt", checkpointPath(good), "-steps", "0"}, "-steps 0"},
		{"NaN loss", append(tinyArgs(data, filepath.Join(dir, "nan"), 50), "-lr", "1e30", "-ckpt-every", "0"), "loss is"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := exec.Command(bin, c.args...).CombinedOutput()
			msg := string(out)
			if err == nil {
				t.Fatalf("exit status 0; output:\n%s", msg)
			}
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Errorf("exit %v, want status 1", err)
			}
			if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
				t.Errorf("a panic trace:\n%s", msg)
			}
			last := strings.TrimSpace(msg[strings.LastIndex(strings.TrimSpace(msg), "\n")+1:])
			if !strings.HasPrefix(last, "train: ") || !strings.Contains(last, c.want) {
				t.Errorf("last line %q, want a 'train: …' error mentioning %q", last, c.want)
			}
		})
	}
}

// The same latents and seed give the same samples, and -out writes them
// raw, with the shape asked for.
func TestSampleRoundTrip(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 12)
	out := filepath.Join(dir, "run")
	if err := run(t, tinyArgs(data, out, 3)...); err != nil {
		t.Fatal(err)
	}
	lat := filepath.Join(dir, "latents.safetensors")
	writeLatents(t, lat, []int{2, 1, 8, 8})
	var got [][]float32
	for i := range 2 {
		o := filepath.Join(dir, "s"+itoa(i)+".safetensors")
		if err := run(t, "sample", "-ckpt", checkpointPath(out), "-latents", lat, "-classes", "2,0", "-seed", "5",
			"-steps", "5", "-out", o, "-trajectory", filepath.Join(dir, "traj.png"), "-device", "cpu"); err != nil {
			t.Fatal(err)
		}
		got = append(got, readSamples(t, o, []int{2, 1, 8, 8}))
	}
	if !slices.Equal(got[0], got[1]) {
		t.Error("two runs with the same latents and seed differ")
	}
	if err := run(t, "sample", "-ckpt", checkpointPath(out), "-latents", lat, "-classes", "1", "-device", "cpu"); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("latents for 2 samples with 1 class: %v", err)
	}
}

// Running out of device memory says so and suggests a smaller batch. On
// lavapipe the limit hit is the 128 MiB storage-buffer range.
func TestOutOfDeviceMemory(t *testing.T) {
	vktest.Open(t) // skips, with the reason, when there is no Vulkan device
	bin := buildTrainer(t)
	data := t.TempDir()
	writeTinyMNIST(t, data, 12)
	args := tinyArgs(data, t.TempDir(), 2)
	args = append(args, "-device", "vulkan", "-batch", "200000", "-hidden", "64")
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LP_NUM_THREADS=0")
	out, err := cmd.CombinedOutput()
	msg := strings.TrimSpace(string(out))
	if err == nil || strings.Contains(msg, "panic") {
		t.Fatalf("exit %v, output:\n%s", err, msg)
	}
	last := msg[strings.LastIndex(msg, "\n")+1:]
	if !strings.Contains(last, "smaller -batch") {
		t.Errorf("last line %q, want advice to use a smaller -batch", last)
	}
}
