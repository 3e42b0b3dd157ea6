package main

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// A run trains one of two denoisers: the DiT (package dit) or the U-Net
// baseline (package dit/unet). The diffusion takes either as a
// diffusion.Denoiser; net adds what the trainer needs besides — the
// parameters, label dropout, the config a checkpoint records — so that
// nothing else in the command asks which one it has.

// netConfig is a run's model: exactly one of DiT and UNet is set.
type netConfig struct {
	DiT  *dit.Config
	UNet *unet.Config
}

// net is a built model.
type net struct {
	diffusion.Denoiser
	Params *nn.Params
	// configKey and configJSON are the checkpoint metadata that say which
	// model the weights are (dit.ConfigKey or unet.ConfigKey).
	configKey, configJSON string
	summary               string // the sizes, for the log
	init                  func(seed uint64)
	drop                  func(labels []int32, r *rand.Rand) []int32
	setPrecision          func(autograd.Precision)
	// canonical rewrites a saved config of this kind as configJSON would
	// write it, so that a resumed run can tell whether it is the same model.
	canonical func(js string) (string, error)
}

// Release frees the parameters.
func (n *net) Release() { n.Params.Release() }

// build makes the model of nc on dev, with weights from Init still to set,
// gradient checkpointing and the precision of its products.
func (nc netConfig) build(dev tensor.Device, checkpoint bool, p autograd.Precision) (*net, error) {
	if nc.UNet != nil {
		m, err := unet.New(dev, *nc.UNet)
		if err != nil {
			return nil, err
		}
		m.GradCheckpoint, m.Precision = checkpoint, p
		return unetNet(m), nil
	}
	m, err := dit.New(dev, *nc.DiT)
	if err != nil {
		return nil, err
	}
	m.GradCheckpoint, m.Precision = checkpoint, p
	return ditNet(m), nil
}

// ditNet and unetNet wrap a model of each kind.
func ditNet(m *dit.Model) *net {
	c := m.Config
	return &net{Denoiser: m, Params: m.Params, configKey: dit.ConfigKey, configJSON: c.JSON(),
		summary: fmt.Sprintf("depth %d, hidden %d, %d heads, patch %d, %d tokens", c.Depth, c.Hidden, c.Heads, c.Patch, c.Tokens()),
		init:    m.Init, drop: m.Drop, setPrecision: func(p autograd.Precision) { m.Precision = p },
		canonical: func(js string) (string, error) {
			c, err := dit.ParseConfig(js)
			return c.JSON(), err
		}}
}

func unetNet(m *unet.Model) *net {
	return &net{Denoiser: m, Params: m.Params, configKey: unet.ConfigKey, configJSON: m.Config.JSON(),
		summary: "U-Net: " + m.Config.String(), init: m.Init, drop: m.Drop, setPrecision: func(p autograd.Precision) { m.Precision = p },
		canonical: func(js string) (string, error) {
			c, err := unet.ParseConfig(js)
			return c.JSON(), err
		}}
}

// learnSigma says whether the model predicts its variance.
func (nc netConfig) learnSigma() bool {
	if nc.UNet != nil {
		return nc.UNet.LearnSigma
	}
	return nc.DiT.LearnSigma
}

// trainFLOPs is the FLOP count of a training step on b images.
func (nc netConfig) trainFLOPs(b int) float64 {
	if nc.UNet != nil {
		return nc.UNet.TrainFLOPs(b)
	}
	return nc.DiT.TrainFLOPs(b)
}

// loadNet builds the model a checkpoint holds and loads its weights (the
// EMA ones when present and preferEMA): a U-Net when its metadata or its
// tensor names say so, a DiT otherwise. heads and imageSize are for
// checkpoints without a config (see dit.InferConfig and unet.InferConfig).
func loadNet(dev tensor.Device, path string, preferEMA bool, heads, imageSize int) (*net, error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, isUNet := f.Metadata[unet.ConfigKey]
	for _, t := range f.Tensors {
		isUNet = isUNet || strings.HasSuffix(t.Name, "input_blocks.0.0.weight")
	}
	if isUNet {
		m, err := unet.Load(dev, path, preferEMA, heads, imageSize)
		if err != nil {
			return nil, err
		}
		return unetNet(m), nil
	}
	m, err := dit.Load(dev, path, preferEMA, heads)
	if err != nil {
		return nil, err
	}
	return ditNet(m), nil
}
