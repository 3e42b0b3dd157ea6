package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/vk"
)

// On the CPU a training step that needs more memory than the machine has
// does not fail with an error: Go's allocator stops the process ("fatal
// error: out of memory"), or the system kills it. So before a run on a CPU
// device the trainer estimates what a step holds and refuses, with advice,
// when the machine does not have it. (A Vulkan device reports out of
// memory as an error, see memoryHint.)
//
// The estimate, in float32 values, for P parameters, depth blocks and
// activations of B·T·D values (batch × tokens × hidden):
//
//	4·P (+ P for the EMA copy)     weights, gradients, two AdamW moments
//	+ 49·B·T·D per block            what a block keeps for its backward pass
//	+ 16·B·T·D                      the residual stream's gradients, the
//	                                 embedding and final layer
//
// and with -grad-checkpoint only each block's input is kept (B·T·D a block)
// plus one block's 49·B·T·D while it is recomputed. The constants were
// measured with the device counter (bench's peak device memory) on DiT-S/2
// at batch 32 (7526 MiB; 1447 MiB with checkpointing) and DiT-XL/2 at
// batch 8 with checkpointing (11281 MiB); the estimate is within 5% of
// each (TestStepMemoryEstimate checks smaller models).
//
// A U-Net's activations are counted layer by layer from its plan
// (unet.Config.ActivationFloats, A floats an image) and its parameters
// likewise (ParamCount): 4·(copies·P + k·B·A) with k = 2.87, or 1.04 with
// -grad-checkpoint. k was measured as for the DiT: 2.86–2.88 (1.02–1.05
// checkpointed) on UNet-S at batch 64 (1148 MiB; 432), UNet-B at batch 32
// on 32×32×3 (1577; 642) and UNet-L at batch 16 (1077; 537), with each
// GroupNorm and its SiLU one kernel.

// unetActivationScale is k above, without and with checkpointing.
var unetActivationScale = map[bool]float64{false: 2.87, true: 1.04}

// unetStepBytes estimates the bytes a training step of the U-Net c at
// batch holds.
func unetStepBytes(c unet.Config, batch int, checkpoint, ema bool) float64 {
	copies := 4.0
	if ema {
		copies++
	}
	return 4 * (copies*float64(c.ParamCount()) + unetActivationScale[checkpoint]*float64(batch)*c.ActivationFloats())
}

// stepEstimate is a model's estimate of the bytes a training step holds,
// with or without gradient checkpointing.
type stepEstimate func(checkpoint bool) float64

// stepEstimate is the estimate for nc's model at batch, with the EMA copy
// when ema.
func (nc netConfig) stepEstimate(batch int, ema bool) stepEstimate {
	if nc.UNet != nil {
		return func(checkpoint bool) float64 { return unetStepBytes(*nc.UNet, batch, checkpoint, ema) }
	}
	return func(checkpoint bool) float64 { return stepBytes(*nc.DiT, batch, checkpoint, ema) }
}

// stepBytes estimates the bytes a training step of m at batch holds.
func stepBytes(m dit.Config, batch int, checkpoint, ema bool) float64 {
	params := 18*float64(m.Depth)*float64(m.Hidden)*float64(m.Hidden) + paramsOutsideBlocks(m)
	copies := 4.0
	if ema {
		copies++
	}
	btd := float64(batch) * float64(m.Tokens()) * float64(m.Hidden)
	blocks := 49 * float64(m.Depth)
	if checkpoint {
		blocks = float64(m.Depth) + 49
	}
	return 4 * (copies*params + btd*(blocks+16))
}

// paramsOutsideBlocks counts the embedders' and the final layer's
// parameters: the patch projection, the timestep MLP, the label table and
// the final adaLN and projection.
func paramsOutsideBlocks(m dit.Config) float64 {
	d, p := float64(m.Hidden), float64(m.Patch)
	patch := p * p * float64(m.Channels) * d
	timestep := 256*d + d*d
	labels := float64(m.Classes+1) * d
	final := 2*d*d + d*p*p*float64(m.OutChannels())
	return patch + timestep + labels + final
}

// checkHostMemory refuses a step on a CPU device that needs more memory
// than the machine has available. On a system without /proc/meminfo it
// checks nothing.
func checkHostMemory(dev tensor.Device, est stepEstimate, batch int, checkpoint bool) error {
	if _, isVK := dev.(*vk.Device); isVK {
		return nil
	}
	avail, ok := availableMemory()
	if !ok {
		return nil
	}
	return fitsInMemory(avail, est, batch, checkpoint)
}

// fitsInMemory refuses a step that needs more than avail bytes, saying what
// would fit.
func fitsInMemory(avail int64, est stepEstimate, batch int, checkpoint bool) error {
	need := est(checkpoint)
	if need <= float64(avail) {
		return nil
	}
	advice := "use a smaller -batch or model"
	if !checkpoint {
		if with := est(true); with <= float64(avail) {
			advice = fmt.Sprintf("-grad-checkpoint needs about %.1f GiB; or use a smaller -batch or model", with/(1<<30))
		} else {
			advice = "even -grad-checkpoint would not fit; " + advice
		}
	}
	return fmt.Errorf("-batch %d: a training step of this model needs about %.1f GiB, and the machine has %.1f GiB available: %s",
		batch, need/(1<<30), float64(avail)/(1<<30), advice)
}

// availableMemory reads MemAvailable from /proc/meminfo: the memory the
// kernel can give a new program without swapping.
func availableMemory() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
