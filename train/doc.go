// Command train trains a class-conditional Diffusion Transformer, samples
// from it, evaluates it and times it. With no arguments it trains a small
// DiT on MNIST.
//
//	go run ./train                      train with the defaults (see defaultConfig)
//	go run ./train -resume DIR -steps N continue a run, or extend it to N steps
//	go run ./train sample -ckpt FILE    draw samples from a checkpoint
//	go run ./train eval -ckpt FILE      score a checkpoint with a classifier
//	go run ./train bench                time one training step (ms, img/s, GFLOP/s)
//	go run ./train compare -runs A,B    the loss curves of runs in one chart
//	go run ./train scaling              the scaling study: DiT and U-Net ladders, scored and fitted
//	go run ./train -h                   every flag
//
// Reading order: config.go (the defaults with their reasons), main.go (the
// training loop), net.go (the model a run trains: the DiT or the U-Net
// baseline), then how flags set the config (flags.go: one rule for
// every subcommand, and what -resume may change; modelflags.go: the model
// flags), lr.go (the learning-rate schedule), the run's folder and outputs
// (runfolder.go: one run per folder; lock.go: its lock; state.go for
// checkpoints, metrics.go, progress.go), sampling (sample.go, and
// output.go: which files it may write), evaluation (eval.go), device.go,
// bench.go, compare.go, and the scaling study (scaling.go: the ladders and
// the runs; scalingreport.go: the table, the fits and the plot).
// bench/peer.py is the PyTorch side of the speed comparison.
//
// The command keeps only the run itself; its helpers are packages of their
// own, each readable alone:
//
//	train/data     the images: MNIST's IDX files and image folders
//	train/score    the evaluation: a classifier and a Fréchet distance
//	train/picture  the PNGs: sample grids and charts (gonum/plot)
//
// It imports the engine (tensor, autograd, nn, dit), vk for the Vulkan
// device, and those three packages.
package main
