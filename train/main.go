package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
	"github.com/ditgo/ditgo/vk"
)

func main() {
	err := dispatch(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// dispatch runs a subcommand: training by default, or sample / eval / bench.
func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "sample":
			return sampleCommand(args[1:], stdout, stderr)
		case "eval":
			return evalCommand(args[1:], stdout, stderr)
		case "bench":
			return benchCommand(args[1:], stdout, stderr)
		}
	}
	cfg, err := parseTrainFlags(args, stderr)
	if err != nil {
		return err
	}
	return train(cfg, stdout, stderr)
}

// train is the whole run: config → data → model → for step := … . A
// resumed run's cfg is the one saved in its checkpoint (parseTrainFlags).
func train(cfg config, stdout, stderr io.Writer) (err error) {
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("cannot create the output folder: %w", err)
	}
	if err := checkWritable(cfg.Out); err != nil {
		return err
	}

	// Data.
	ds, err := data.Load(cfg.Data, cfg.ImageSize, cfg.Channels)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %d images %d×%d×%d, %d classes, from %s\n", ds.N, ds.C, ds.H, ds.W, ds.Classes, ds.Source)

	// Device and model.
	dev, why, closeDev, err := openDevice(cfg.Device)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, why)
	defer func() {
		if cerr := closeDev(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	mcfg, err := cfg.modelConfig(ds)
	if err != nil {
		return err
	}
	m, err := dit.New(dev, mcfg)
	if err != nil {
		return err
	}
	defer m.Release()
	m.Init(cfg.Seed)
	ema, err := dit.New(dev, mcfg) // the averaged weights that sampling uses
	if err != nil {
		return err
	}
	defer ema.Release()
	avg, err := nn.NewEMA(m.Params, ema.Params, float32(cfg.EMADecay))
	if err != nil {
		return err
	}
	opt := nn.NewAdamW(m.Params, float32(cfg.LR), float32(cfg.WeightDecay))
	defer opt.Release()
	fmt.Fprintf(stdout, "model: %s — depth %d, hidden %d, %d heads, patch %d, %d tokens, %.2fM parameters\n",
		cfg.modelSpec, mcfg.Depth, mcfg.Hidden, mcfg.Heads, mcfg.Patch, mcfg.Tokens(), float64(m.Params.Count())/1e6)

	// Random state: host draws (timesteps, label dropout, flips) and the
	// device's noise stream; both are saved in every checkpoint.
	host := rand.NewPCG(cfg.Seed, 0x7472)
	hostRand := rand.New(host)
	st := runState{Noise: tensor.RNG{Seed: cfg.Seed ^ 0x6e6f697365}}
	if cfg.Resume != "" {
		if st, err = loadCheckpoint(cfg.Resume, m, ema, opt, host); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "resumed at step %d from %s\n", st.Step, checkpointPath(cfg.Resume))
	}
	metrics, err := openMetrics(filepath.Join(cfg.Out, "metrics.jsonl"), st.Step)
	if err != nil {
		return err
	}
	defer metrics.Close()
	order := &dataOrder{n: ds.N, seed: cfg.Seed, epoch: st.Epoch, cursor: st.Cursor}
	sched := dit.LinearSchedule(dit.DefaultSteps)
	prog := newProgress(stderr, cfg.Steps, cfg.Batch, st.Step)
	shape := []int{cfg.Batch, ds.C, ds.H, ds.W}
	x0 := make([]float32, cfg.Batch*ds.C*ds.H*ds.W)
	labels := make([]int32, cfg.Batch)

	for step := st.Step; step < cfg.Steps; step++ {
		// A batch: images from the data order, labels dropped for
		// guidance, uniform timesteps, noise drawn on the device.
		for i, k := range order.next(cfg.Batch) {
			img := ds.Image(k)
			if cfg.Flip && hostRand.IntN(2) == 1 {
				img = data.FlipHorizontal(img, ds.C, ds.H, ds.W)
			}
			copy(x0[i*len(img):], img)
			labels[i] = ds.Labels[k]
		}
		y := m.YEmbedder.Drop(labels, hostRand)
		t := dit.UniformTimesteps(hostRand, cfg.Batch, sched.Len())

		g := autograd.NewGraph()
		noise := g.Own(st.Noise.Normal(dev, shape...))
		loss := m.TrainingLoss(g, sched, x0, noise, t, y)
		g.Backward(loss.Total)
		opt.LR = float32(learningRate(cfg, step))
		opt.Update()
		avg.Decay = emaDecay(cfg.EMADecay, step)
		avg.Update()
		l, err := loss.Total.Value.Item()
		terms := lossTerms(loss)
		g.Release()
		if err != nil {
			return fmt.Errorf("step %d: %w%s", step+1, err, memoryHint(err))
		}
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return fmt.Errorf("step %d: the loss is %v; stopping (the last good checkpoint, if any, is %s): try a lower -lr", step+1, l, checkpointPath(cfg.Out))
		}
		st.Step, st.Epoch, st.Cursor = step+1, order.epoch, order.cursor

		prog.update(st.Step, l)
		if st.Step%cfg.LogEvery == 0 || st.Step == cfg.Steps {
			if err := metrics.write(st.Step, l, terms, prog.imagesPerSecond(), prog.elapsed()); err != nil {
				return err
			}
		}
		last := st.Step == cfg.Steps
		if (cfg.CkptEvery > 0 && st.Step%cfg.CkptEvery == 0) || last {
			if err := saveCheckpoint(checkpointPath(cfg.Out), cfg, m, ema, opt, st, host); err != nil {
				return err
			}
			if err := metrics.plot(filepath.Join(cfg.Out, "loss.png")); err != nil {
				return err
			}
		}
		if (cfg.SampleEvery > 0 && st.Step%cfg.SampleEvery == 0) || last {
			path := filepath.Join(cfg.Out, fmt.Sprintf("samples_%06d.png", st.Step))
			if err := writeClassGrid(path, ema, sched, cfg, cfg.Seed+uint64(st.Step)); err != nil {
				return err
			}
			prog.note("wrote " + path)
		}
		if cfg.EvalEvery >= 0 && ((cfg.EvalEvery > 0 && st.Step%cfg.EvalEvery == 0) || last) {
			scores, err := evaluate(dev, ema, sched, cfg, ds, filepath.Join(cfg.Out, "classifier.safetensors"), stdout)
			if err != nil {
				return err
			}
			prog.note(fmt.Sprintf("eval at step %d: %s", st.Step, scores))
			if err := metrics.writeEval(st.Step, scores); err != nil {
				return err
			}
		}
	}
	prog.done()
	fmt.Fprintf(stdout, "done: %d steps in %s; checkpoint %s\n", cfg.Steps, prog.elapsed().Round(time.Second), checkpointPath(cfg.Out))
	return nil
}

// emaDecay is the EMA decay for a step: the configured one, but at most
// (1+step)/(10+step) early on. Without this warm-up, the average of a short
// run is still mostly the initial weights — whose output is exactly zero —
// for its first thousand steps, and its samples are noise.
func emaDecay(decay float64, step int) float32 {
	return float32(min(decay, float64(1+step)/float64(10+step)))
}

// lossTerms reads the loss's two terms for the metrics (VB is 0 without a
// learned variance).
func lossTerms(l dit.Loss) [2]float32 {
	var out [2]float32
	out[0], _ = l.MSE.Value.Item()
	if l.VB != nil {
		out[1], _ = l.VB.Value.Item()
	}
	return out
}

// memoryHint adds advice to an out-of-memory error.
func memoryHint(err error) string {
	if vk.IsOutOfMemory(err) {
		return "; try a smaller -batch"
	}
	return ""
}

// checkWritable fails early, with a clear message, when the output folder
// cannot be written.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write to the output folder %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// dataOrder walks the dataset in a fresh random permutation each epoch. The
// permutation depends only on the seed and the epoch, so the position
// (epoch, cursor) is all a checkpoint needs.
type dataOrder struct {
	n, epoch, cursor int
	seed             uint64
	perm             []int
}

func (o *dataOrder) next(b int) []int {
	out := make([]int, 0, b)
	for len(out) < b {
		if o.cursor == o.n {
			o.epoch, o.cursor, o.perm = o.epoch+1, 0, nil
		}
		if o.perm == nil {
			o.perm = rand.New(rand.NewPCG(o.seed, uint64(o.epoch))).Perm(o.n)
		}
		out = append(out, o.perm[o.cursor])
		o.cursor++
	}
	return out
}
