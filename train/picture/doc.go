// Package picture draws what a training run shows, as PNG files:
//
//	grid.go   sample grids: images [n, c, h, w] in [−1, 1], pixel for pixel,
//	          drawn with the standard library alone, so that a grid's
//	          bytes depend only on the samples
//	chart.go  charts: named series of points on linear or logarithmic
//	          axes, with ticks, labels and a legend, drawn by
//	          gonum.org/v1/plot — a loss curve, or the log-log points and
//	          fitted lines of a scaling study
//	loss.go   the training-loss chart, on a logarithmic loss axis
//	png.go    the atomic write that both use (temporary file, then rename)
//	mark.go   the mark in every PNG written here (a tEXt chunk, Software =
//	          ditgo), and Made, which finds it: a command may replace its
//	          own pictures, never someone else's
//
// It imports the standard library and gonum.org/v1/plot, and nothing of
// ditgo: a picture knows numbers, not models.
package picture
