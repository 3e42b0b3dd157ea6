// Command train trains a class-conditional Diffusion Transformer, samples
// from it and evaluates it. With no arguments it trains a small DiT on MNIST.
//
//	go run ./train                    train with the defaults (see Config)
//	go run ./train sample -ckpt FILE  draw samples from a checkpoint
//	go run ./train eval -ckpt FILE    score a checkpoint with a classifier
//	go run ./train -h                 every flag
//
// Reading order: main.go (the config with its reasons, and the training
// loop), then data.go, checkpoint.go, sample.go, eval.go.
package main
