// Command train trains a class-conditional Diffusion Transformer, samples
// from it, evaluates it and times it. With no arguments it trains a small
// DiT on MNIST.
//
//	go run ./train                    train with the defaults (see DefaultConfig)
//	go run ./train sample -ckpt FILE  draw samples from a checkpoint
//	go run ./train eval -ckpt FILE    score a checkpoint with a classifier
//	go run ./train bench              time one training step (ms, img/s, GFLOP/s)
//	go run ./train -h                 every flag
//
// Reading order: config.go (the defaults with their reasons), main.go (the
// training loop), then the data (dataset.go, mnist.go, imagefolder.go), the
// run's state and outputs (state.go for checkpoints, metrics.go,
// progress.go, png.go), sampling (sample.go), evaluation (evalcmd.go,
// evaluate.go, classifier.go, fid.go), device.go and bench.go. bench/peer.py
// is the PyTorch side of the speed comparison.
package main
