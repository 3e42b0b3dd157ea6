package main

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeImageFolder writes an image folder of two classes, two 8×8 gray
// PNGs each.
func writeImageFolder(t *testing.T, dir string) {
	t.Helper()
	for c, class := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range 2 {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(40 * (c + i + p%3))
			}
			var b bytes.Buffer
			png.Encode(&b, img)
			os.WriteFile(filepath.Join(dir, class, itoa(i)+".png"), b.Bytes(), 0o644)
		}
	}
}

// namesFlag reports whether msg names -flag itself, not a longer flag
// that contains it (-steps in -sample-steps).
func namesFlag(msg, flag string) bool {
	word := func(b byte) bool { return b == '-' || b >= 'a' && b <= 'z' }
	for i := 0; ; i++ {
		j := strings.Index(msg[i:], "-"+flag)
		if j < 0 {
			return false
		}
		i += j
		end := i + 1 + len(flag)
		if (i == 0 || !word(msg[i-1])) && (end == len(msg) || !word(msg[end])) {
			return true
		}
	}
}

// badFlag is a flag given a value that makes no sense.
type badFlag struct {
	flag  string   // the flag, which the message must name
	value []string // the arguments that give it (more than the value for the flags that need a context)
}

// bad lists, for each flag, the values to try: a flag "x" with values
// "1", "2" gives the cases "-x 1" and "-x 2".
func bad(flag string, values ...string) []badFlag {
	var out []badFlag
	for _, v := range values {
		out = append(out, badFlag{flag, []string{"-" + flag, v}})
	}
	return out
}

// Every flag of every subcommand, given each of its values that make no
// sense (NaN, ±Inf, negative, zero, out of range, not a number, a path
// that is wrong), ends with exit status 1 and one line on stderr, "train:
// …", that names the flag — never a panic. A training run fails before it
// creates its output folder. The test fails if a subcommand has a flag that
// the table lacks.
func TestBadFlags(t *testing.T) {
	bin := buildTrainer(t)
	dir := t.TempDir()
	mnist, images := filepath.Join(dir, "mnist"), filepath.Join(dir, "images")
	os.MkdirAll(mnist, 0o755)
	writeTinyMNIST(t, mnist, 12)
	writeImageFolder(t, images)
	good := filepath.Join(dir, "good")
	if err := run(t, tinyArgs(mnist, good, 3)...); err != nil {
		t.Fatal(err)
	}
	ckpt := checkpointPath(good)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("my notes"), 0o644)
	missing := filepath.Join(dir, "missing")
	png := filepath.Join(dir, "out.png")

	var trainCases []badFlag
	for _, group := range [][]badFlag{
		bad("data", missing),
		{{"image-size", []string{"-image-size", "32"}}, {"image-size", []string{"-data", images, "-image-size", "0"}}, {"image-size", []string{"-data", images, "-image-size", "-8"}}, {"image-size", []string{"-data", images, "-image-size", "x"}}, {"image-size", []string{"-data", images, "-image-size", "100000"}}},
		{{"channels", []string{"-channels", "3"}}, {"channels", []string{"-data", images, "-channels", "2"}}, {"channels", []string{"-data", images, "-channels", "0"}}},
		{{"flip", []string{"-flip=maybe"}}},
		bad("vae", missing, text),
		{{"vae", []string{"-vae", text, "-eval-every", "0"}}}, // a latent run with an evaluation
		bad("model", "", "DiT-Q/3"),
		bad("depth", "-1", "x", "100000000"),
		bad("hidden", "-16", "30", "1e3", "100000"),
		bad("heads", "-2", "3"),
		bad("patch", "-4", "3"),
		bad("dropout", "1", "-0.1", "NaN", "Inf", "x", "0.1"), // 0.1: the default model is a DiT
		{{"dropout", []string{"-model", "UNet-S", "-dropout", "1.5"}}},
		bad("steps", "0", "-1", "x"),
		bad("batch", "0", "-4", "9223372036854775807", "100000000"),
		{{"grad-checkpoint", []string{"-grad-checkpoint=maybe"}}},
		bad("precision", "fp8", "BF16", ""),
		bad("lr", "0", "-1e-3", "NaN", "+Inf", "x"),
		bad("lr-schedule", "step", ""),
		bad("warmup", "-1"),
		bad("wd", "-1", "NaN", "Inf"),
		bad("ema", "1", "-0.1", "NaN", "Inf"),
		bad("seed", "-1", "x"),
		bad("log-every", "0", "-1"),
		bad("sample-every", "-1"),
		bad("ckpt-every", "-1"),
		bad("eval-every", "-2"),
		bad("eval-samples", "1", "0", "-1", "1000000000000"),
		bad("sample-steps", "0", "-1", "1001"),
		bad("cfg", "0.5", "0", "NaN", "-Inf", "+Inf"),
		bad("out", "", filepath.Join(text, "sub")),
		bad("resume", missing, good+"x"),
		{{"overwrite", []string{"-overwrite=maybe"}}},
		bad("device", "tpu", ""),
		bad("objective", "score", ""),
		bad("rf-mean", "NaN", "Inf", "x"),
		bad("rf-std", "0", "-1", "NaN"),
		bad("rf-shift", "0", "-2", "NaN", "Inf"),
		bad("sampler", "heun", "rk4"),
		{{"sampler", []string{"-objective", "rf", "-sampler", "ddim"}}},
	} {
		trainCases = append(trainCases, group...)
	}
	sampleCases := slices.Concat(
		bad("ckpt", missing, text, ""),
		bad("sampler", "euler"),
		bad("steps", "0", "-1", "1001"),
		bad("cfg", "0.9", "NaN", "Inf"),
		bad("classes", "1,x", "10", "-1"),
		bad("seed", "-1"),
		bad("latents", missing, text),
		bad("out", text),
		bad("png", text),
		bad("trajectory", text),
		bad("vae", missing, text),
		[]badFlag{{"decoded", []string{"-decoded", filepath.Join(dir, "decoded.safetensors")}}}, // without -vae
		bad("guided-channels", "-1", "5"),
		bad("cfg-channels", "-1", "5"),
		[]badFlag{{"clip", []string{"-clip=maybe"}}, {"overwrite", []string{"-overwrite=maybe"}}},
		bad("heads", "-1"),
		bad("precision", "fp64", ""),
		bad("image-size", "-1", "2000"),
		bad("device", "tpu"),
		bad("objective", "score"),
		bad("rf-shift", "0", "NaN"),
	)
	evalCases := slices.Concat(
		bad("ckpt", missing, text, ""),
		bad("data", missing),
		bad("image-size", "32"),
		bad("channels", "3"),
		bad("samples", "1", "0", "-1", "1000000000000"),
		bad("steps", "0", "-1"),
		bad("cfg", "0", "NaN"),
		bad("seed", "x"),
		bad("classifier", ckpt, text),
		bad("device", "tpu"),
		bad("objective", "score"),
		bad("rf-shift", "-1"),
		bad("sampler", "euler", "rk4"),
	)
	benchCases := slices.Concat(
		bad("model", "DiT-Q/3", "UNet-Q"),
		bad("depth", "-1"),
		[]badFlag{{"depth", []string{"-model", "UNet-S", "-depth", "2"}}, {"image-size", []string{"-model", "UNet-S", "-image-size", "30"}}},
		bad("hidden", "-64", "30"),
		bad("heads", "-2", "3"),
		bad("patch", "-4", "3"),
		bad("dropout", "1", "NaN", "0.2"), // 0.2: the default model is a DiT
		bad("image-size", "-1", "18"),
		bad("channels", "-1"),
		bad("classes", "-1"),
		bad("batch", "0", "-1", "100000000"),
		[]badFlag{{"batch", []string{"-model", "DiT-B/2", "-image-size", "32", "-channels", "4", "-batch", "512"}}}, // about 220 GiB
		[]badFlag{{"grad-checkpoint", []string{"-grad-checkpoint=maybe"}}},
		bad("precision", "int8"),
		bad("steps", "0"),
		bad("warmup", "-1"),
		bad("device", "tpu"),
		[]badFlag{{"json", []string{"-json=maybe"}}},
		bad("cpuprofile", text, filepath.Join(missing, "cpu.prof")),
		bad("objective", "rf2", ""),
		bad("roofline", "v100"),
	)

	compareCases := slices.Concat(
		bad("runs", "", missing, good+","+missing, text),
		bad("png", text, filepath.Join(missing, "a.png"), dir),
		[]badFlag{{"overwrite", []string{"-overwrite=maybe"}}},
	)

	var sa sampleArgs
	var ca compareArgs
	var ea evalArgs
	var c config
	var bc benchConfig
	for _, cmd := range []struct {
		name  string
		flags *flag.FlagSet
		base  func(out string) []string
		cases []badFlag
	}{
		{"train", trainFlags(&c, io.Discard), func(out string) []string { return tinyArgs(mnist, out, 3) }, trainCases},
		{"sample", sampleFlags(&sa, io.Discard), func(string) []string {
			return []string{"sample", "-ckpt", ckpt, "-device", "cpu", "-steps", "2", "-png", png}
		}, sampleCases},
		{"eval", evalFlags(&ea, io.Discard), func(string) []string {
			return []string{"eval", "-ckpt", ckpt, "-device", "cpu", "-samples", "4", "-steps", "2"}
		}, evalCases},
		{"bench", benchFlags(&bc, io.Discard), func(string) []string {
			return []string{"bench", "-model", "DiT-Micro/4", "-batch", "1", "-steps", "1", "-warmup", "0", "-device", "cpu"}
		}, benchCases},
		{"compare", compareFlags(&ca, io.Discard), func(string) []string {
			return []string{"compare", "-runs", good, "-png", png}
		}, compareCases},
	} {
		cmd.flags.VisitAll(func(f *flag.Flag) {
			if !slices.ContainsFunc(cmd.cases, func(b badFlag) bool { return b.flag == f.Name }) {
				t.Errorf("%s -%s: no bad value in the table", cmd.name, f.Name)
			}
		})
		for _, b := range cmd.cases {
			t.Run(cmd.name+" "+strings.Join(b.value, " "), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "run")
				before := snapshot(t, dir)
				var stdout, stderr bytes.Buffer
				c := exec.Command(bin, append(cmd.base(out), b.value...)...)
				c.Stdout, c.Stderr = &stdout, &stderr
				err := c.Run()
				msg := strings.TrimSpace(stderr.String())
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
					t.Fatalf("exit %v, want status 1; stdout:\n%s\nstderr:\n%s", err, stdout.String(), msg)
				}
				if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "train: ") || !namesFlag(msg, b.flag) {
					t.Errorf("stderr %q, want one line 'train: …' naming -%s", msg, b.flag)
				}
				if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
					t.Errorf("a panic: %s", msg)
				}
				if _, err := os.Stat(out); cmd.name == "train" && !os.IsNotExist(err) {
					t.Errorf("the failed run created its folder %s", out)
				}
				sameFiles(t, dir, before, "a failed command")
				t.Log(msg)
			})
		}
	}
}
