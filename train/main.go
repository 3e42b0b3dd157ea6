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
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/vae"
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

// dispatch runs a subcommand: training by default, or sample / eval / bench
// / compare / scaling.
func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "sample":
			return sampleCommand(args[1:], stdout, stderr)
		case "eval":
			return evalCommand(args[1:], stdout, stderr)
		case "bench":
			return benchCommand(args[1:], stdout, stderr)
		case "compare":
			return compareCommand(args[1:], stdout, stderr)
		case "scaling":
			return scalingCommand(args[1:], stdout, stderr)
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
// Every flag has been checked; the data are checked against them as soon
// as they are read, and only then is the run folder touched.
func train(cfg config, stdout, stderr io.Writer) error {
	return trainRun(cfg, stdout, stderr, nil)
}

// trainRun is train, as one model of a scaling study when study is not
// nil: its progress line is then the study's.
func trainRun(cfg config, stdout, stderr io.Writer, study *studyLine) (err error) {
	// Data, and the model they make.
	ds, err := data.Load(cfg.Data, cfg.ImageSize, cfg.Channels)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %d images %d×%d×%d, %d classes, from %s\n", ds.N, ds.C, ds.H, ds.W, ds.Classes, ds.Source)

	// The device, the VAE of a latent run, the model, and whether a step
	// fits in memory, before the run folder is touched.
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
	seen := ds // what the model sees: the images, or their latents
	var decoder *vae.Model
	if cfg.VAE != "" {
		if decoder, err = vae.ReadFile(dev, cfg.VAE); err != nil {
			return fmt.Errorf("-vae: %w", err)
		}
		defer decoder.Release()
		if err := checkVAEFits(ds, decoder.Config, cfg.VAE); err != nil {
			return err
		}
		seen = latentShape(ds, decoder.Config)
	}
	nc, err := cfg.modelConfig(seen)
	if err != nil {
		return err
	}
	if err := checkHostMemory(dev, nc.stepEstimate(cfg.Batch, true), cfg.Batch, cfg.GradCheckpoint); err != nil {
		return err
	}

	// The run folder: new, moved aside, or resumed; locked from here on.
	folder, err := openRunFolder(cfg, stdout)
	if err != nil {
		return err
	}
	defer folder.close()
	r := &trainer{cfg: cfg, data: ds, obj: cfg.objective(), log: stdout, decoder: decoder}
	r.sched = r.obj.sched
	if cfg.Resume != "" {
		if r.endDuties, err = unfinishedEnd(cfg); err != nil {
			return err
		}
		if r.endDuties == (duties{}) {
			fmt.Fprintf(stdout, "the run in %s is complete: %d steps, with its final sample grid and evaluation; give -steps above %d to extend it\n", cfg.Out, cfg.Steps, cfg.Steps)
			return nil
		}
	}

	// A latent run's encoded data set.
	if decoder != nil {
		if r.latents, err = loadLatents(dev, decoder, cfg.VAE, ds, cfg.Flip, cfg.Out, stdout); err != nil {
			return err
		}
	}

	// The model.
	r.dev = dev
	precision := precisionOf(cfg.Precision)
	if r.model, err = nc.build(dev, cfg.GradCheckpoint, precision); err != nil {
		return err
	}
	defer r.model.Release()
	r.model.init(cfg.Seed)
	// The averaged weights that sampling uses, sampled in the run's
	// precision.
	if r.ema, err = nc.build(dev, false, precision); err != nil {
		return err
	}
	defer r.ema.Release()
	if r.avg, err = nn.NewEMA(r.model.Params, r.ema.Params, float32(cfg.EMADecay)); err != nil {
		return err
	}
	r.opt = nn.NewAdamW(r.model.Params, float32(cfg.LR), float32(cfg.WeightDecay))
	defer r.opt.Release()
	mixed := ""
	switch precision {
	case autograd.BF16:
		mixed = "; bfloat16 matrix products (-precision bf16)"
	case autograd.FP16:
		mixed = "; float16 matrix products with dynamic loss scaling (-precision fp16)"
	}
	fmt.Fprintf(stdout, "model: %s — %s, %.2fM parameters%s\n", cfg.modelSpec, r.model.summary, float64(r.model.Params.Count())/1e6, mixed)

	// Random state: host draws (timesteps, label dropout, flips) and the
	// device's noise stream; both are saved in every checkpoint.
	r.host = rand.NewPCG(cfg.Seed, 0x7472)
	r.st = runState{Noise: tensor.RNG{Seed: cfg.Seed ^ 0x6e6f697365}}
	if cfg.Resume != "" {
		if r.st, err = loadCheckpoint(cfg.Resume, r.model, r.ema, r.opt, r.host); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "resumed at step %d from %s\n", r.st.Step, checkpointPath(cfg.Resume))
	}
	if precision == autograd.FP16 && r.st.LossScale == nil {
		r.st.LossScale = nn.NewLossScaler()
	}
	if r.metrics, err = openMetrics(filepath.Join(cfg.Out, "metrics.jsonl"), r.st.Step); err != nil {
		return err
	}
	defer r.metrics.Close()
	r.prog = newProgress(stderr, cfg.Steps, cfg.Batch, r.st.Step)
	r.prog.resumed(seconds(r.st.Elapsed), seconds(r.st.Aside))
	r.prog.study = study

	// The loop, and the duties after each step: metrics, checkpoints,
	// grids and evaluations.
	if r.st.Step == cfg.Steps { // resumed after the last step: finish its duties
		if err := r.do(r.endDuties); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "done: the run in %s is complete at step %d\n", cfg.Out, cfg.Steps)
		return nil
	}
	if err := r.loop(); err != nil {
		return err
	}
	r.prog.done()
	fmt.Fprintf(stdout, "done: %d steps; %s training, %s on checkpoints, grids and evaluations; checkpoint %s\n",
		cfg.Steps, r.prog.training().Round(time.Second), (r.prog.earlierAside + r.prog.aside).Round(time.Second), checkpointPath(cfg.Out))
	return nil
}

// trainer is a training run under way: what the loop and its duties share.
type trainer struct {
	cfg       config
	data      *data.Dataset
	dev       tensor.Device
	model     *net
	ema       *net // the averaged weights that sampling uses
	avg       *nn.EMA
	opt       *nn.AdamW
	obj       objective
	sched     *diffusion.Schedule // the diffusion's chain, for the diffusion samplers
	host      *rand.PCG
	st        runState
	metrics   *metricsFile
	prog      *progress
	log       io.Writer
	endDuties duties // what a resumed run left undone after its last step
	// A latent run (-vae): the VAE, which decodes the grids, and the
	// encoded data set the batches are drawn from.
	decoder *vae.Model
	latents *latents
}

// loop trains from the step reached to cfg.Steps.
func (r *trainer) loop() error {
	cfg, m := r.cfg, r.model
	hostRand := rand.New(r.host)
	order := &dataOrder{n: r.data.N, seed: cfg.Seed, epoch: r.st.Epoch, cursor: r.st.Cursor}
	ds := r.data
	shape := []int{cfg.Batch, ds.C, ds.H, ds.W}
	if l := r.latents; l != nil {
		shape = []int{cfg.Batch, l.c, l.h, l.w}
	}
	per := shape[1] * shape[2] * shape[3]
	x0 := make([]float32, cfg.Batch*per)
	labels := make([]int32, cfg.Batch)

	for step := r.st.Step; step < cfg.Steps; step++ {
		// A batch: images from the data order, labels dropped for
		// guidance, noise levels (uniform timesteps, or rf's logit-normal
		// t), noise drawn on the device.
		for i, k := range order.next(cfg.Batch) {
			flip := cfg.Flip && hostRand.IntN(2) == 1
			labels[i] = ds.Labels[k]
			if r.latents != nil { // a fresh latent of the image: mean + std·ε
				r.latents.draw(x0[i*per:(i+1)*per], k, flip, hostRand)
				continue
			}
			img := ds.Image(k)
			if flip {
				img = data.FlipHorizontal(img, ds.C, ds.H, ds.W)
			}
			copy(x0[i*per:], img)
		}
		y := m.drop(labels, hostRand)
		levels := r.obj.draw(hostRand, cfg.Batch)

		g := autograd.NewGraph()
		noise := g.Own(r.st.Noise.Normal(r.dev, shape...))
		g.UseRNG(&r.st.Noise) // dropout's masks follow the noise in its stream
		loss := r.obj.loss(g, m, x0, noise, levels, y)
		r.opt.LR = float32(learningRate(cfg, step))
		if err := backwardAndUpdate(g, loss.Total, r.model.Params, r.opt, r.st.LossScale); err != nil {
			g.Release()
			return fmt.Errorf("step %d: %w", step+1, err)
		}
		r.avg.Decay = emaDecay(cfg.EMADecay, step)
		r.avg.Update()
		l, err := loss.Total.Value.Item()
		terms := lossTerms(loss)
		g.Release()
		if err != nil {
			return fmt.Errorf("step %d: %w%s", step+1, err, memoryHint(err))
		}
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return fmt.Errorf("step %d: the loss is %v; stopping (the last good checkpoint, if any, is %s): try a lower -lr", step+1, l, checkpointPath(cfg.Out))
		}
		r.st.Step, r.st.Epoch, r.st.Cursor = step+1, order.epoch, order.cursor

		r.prog.update(r.st.Step, l)
		if r.st.Step%cfg.LogEvery == 0 || r.st.Step == cfg.Steps {
			_, peak := r.dev.Memory()
			if err := r.metrics.write(r.st.Step, l, terms, r.prog.imagesPerSecond(), r.prog.elapsed(), peak, r.st.LossScale); err != nil {
				return err
			}
			r.dev.ResetPeak() // each line reports the peak of its own steps
		}
		if err := r.do(cfg.dutiesAt(r.st.Step)); err != nil {
			return err
		}
	}
	return nil
}

// backwardAndUpdate runs the backward pass from loss and the optimizer
// step on params. With a loss scaler s (-precision fp16) the loss is
// scaled up for the backward pass and the gradients back down before the
// step, which is skipped when a gradient overflowed.
func backwardAndUpdate(g *autograd.Graph, loss *autograd.Var, params *nn.Params, opt *nn.AdamW, s *nn.LossScaler) error {
	if s == nil {
		g.Backward(loss)
		opt.Update()
		return nil
	}
	g.Backward(g.Scale(loss, s.Scale))
	ok, err := s.Unscale(params)
	if err != nil {
		return fmt.Errorf("%w%s", err, memoryHint(err))
	}
	if ok {
		opt.Update()
	} else if s.Scale < 1 {
		return fmt.Errorf("-precision fp16: the gradients overflow float16 even with the loss scaled down to %g (%d steps skipped); try -precision bf16 or fp32, or a lower -lr", s.Scale, s.Skipped)
	}
	return nil
}

// duties are the work besides training after a step.
type duties struct{ checkpoint, grid, eval bool }

// dutiesAt says what is due after step: the periodic duties, and all of
// them after the last step.
func (c config) dutiesAt(step int) duties {
	last := step == c.Steps
	return duties{
		checkpoint: (c.CkptEvery > 0 && step%c.CkptEvery == 0) || last,
		grid:       (c.SampleEvery > 0 && step%c.SampleEvery == 0) || last,
		eval:       c.EvalEvery >= 0 && ((c.EvalEvery > 0 && step%c.EvalEvery == 0) || last),
	}
}

// unfinishedEnd is what a run resumed at its last step still has to do:
// the checkpoint is there, but a run killed after saving it may lack its
// final grid or evaluation.
func unfinishedEnd(c config) (duties, error) {
	d := c.dutiesAt(c.Steps)
	d.checkpoint = false
	if _, err := os.Stat(gridPath(c.Out, c.Steps)); err == nil {
		d.grid = false
	}
	if d.eval {
		done, err := evalLogged(filepath.Join(c.Out, "metrics.jsonl"), c.Steps)
		if err != nil {
			return d, err
		}
		d.eval = !done
	}
	return d, nil
}

// gridPath is where the run keeps the sample grid of a step.
func gridPath(out string, step int) string {
	return filepath.Join(out, fmt.Sprintf("samples_%06d.png", step))
}

// do carries out the duties after the step reached. Their time is kept
// apart from the training's, so that img/s and the ETA measure training.
func (r *trainer) do(d duties) error {
	cfg, step := r.cfg, r.st.Step
	if d.checkpoint {
		start := time.Now()
		if err := r.checkSound(); err != nil {
			return err
		}
		r.st.Elapsed, r.st.Aside = r.prog.elapsed().Seconds(), (r.prog.earlierAside + r.prog.aside).Seconds()
		if err := saveCheckpoint(checkpointPath(cfg.Out), cfg, r.model, r.ema, r.opt, r.st, r.host); err != nil {
			return err
		}
		if err := r.metrics.plot(filepath.Join(cfg.Out, "loss.png")); err != nil {
			return err
		}
		r.prog.note(fmt.Sprintf("saved the checkpoint at step %d in %s", step, r.prog.setAside(time.Since(start))))
	}
	if d.grid {
		start := time.Now()
		path := gridPath(cfg.Out, step)
		if err := writeClassGrid(path, r.ema, r.sched, cfg, cfg.Seed+uint64(step), r.decoder); err != nil {
			return err
		}
		r.prog.note(fmt.Sprintf("wrote %s in %s", path, r.prog.setAside(time.Since(start))))
	}
	if d.eval {
		start := time.Now()
		scores, err := evaluate(r.dev, r.ema, r.sched, cfg, r.data, filepath.Join(cfg.Out, "classifier.safetensors"), r.log)
		if err != nil {
			return err
		}
		if err := r.metrics.writeEval(step, scores); err != nil {
			return err
		}
		r.prog.note(fmt.Sprintf("eval at step %d: %s, in %s", step, scores, r.prog.setAside(time.Since(start))))
	}
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
func lossTerms(l diffusion.Loss) [2]float32 {
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
