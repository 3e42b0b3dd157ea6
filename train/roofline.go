package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/ditgo/ditgo/vk"
)

// A roofline bounds how fast a kernel can run on a given GPU: it cannot
// finish before its arithmetic at the GPU's peak rate, nor before its
// memory traffic at the GPU's bandwidth. bench -roofline NAME applies it to
// each shader's share of a training step, as the Vulkan device counted
// them (vk.KernelCounts), so that a change can be judged by its FLOPs,
// bytes and barriers before a GPU is at hand.

// gpu is a GPU's published peaks: dense float32 FLOP/s without tensor
// cores, and memory bandwidth.
type gpu struct {
	name            string
	flops, bytesPer float64
}

// gpus are the GPUs -roofline knows, from their vendors' data sheets.
var gpus = map[string]gpu{
	"h100": {"NVIDIA H100 SXM", 67e12, 3.35e12},
	"h200": {"NVIDIA H200 SXM", 67e12, 4.8e12},
	"a100": {"NVIDIA A100 SXM 80GB", 19.5e12, 2.039e12},
}

// gpuNames lists them for -h and errors.
func gpuNames() string {
	var names []string
	for n := range gpus {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// writeRoofline prints the per-step kernels of c (counted over steps
// steps) on g: dispatches, GFLOP, MB, which bound applies and the least
// time, largest first, and their sum against the step time measured here.
func writeRoofline(w io.Writer, g gpu, k map[string]vk.KernelCounts, steps int, measuredMS float64) {
	type row struct {
		name          string
		dispatches    float64
		gflop, mb, us float64
		bound         string
		intensity     float64 // FLOPs per byte
	}
	var rows []row
	total := 0.0
	for name, c := range k {
		n := float64(steps)
		r := row{name: name, dispatches: float64(c.Dispatches) / n, gflop: c.FLOPs / n / 1e9, mb: c.Bytes / n / 1e6}
		compute, memory := c.FLOPs/n/g.flops, c.Bytes/n/g.bytesPer
		r.us, r.bound = max(compute, memory)*1e6, "memory"
		if compute > memory {
			r.bound = "compute"
		}
		if c.Bytes > 0 {
			r.intensity = c.FLOPs / c.Bytes
		}
		total += r.us
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].us > rows[j].us })
	fmt.Fprintf(w, "  roofline on %s (%.0f TFLOP/s fp32, %.2f TB/s): the least time each kernel's work could take there, per step\n", g.name, g.flops/1e12, g.bytesPer/1e12)
	fmt.Fprintf(w, "    %-28s %10s %10s %10s %9s %8s %10s\n", "kernel", "dispatches", "GFLOP", "MB", "FLOP/byte", "bound", "µs")
	for _, r := range rows {
		fmt.Fprintf(w, "    %-28s %10.0f %10.3f %10.2f %9.1f %8s %10.1f\n", r.name, r.dispatches, r.gflop, r.mb, r.intensity, r.bound, r.us)
	}
	fmt.Fprintf(w, "    lower bound of the step: %.3f ms there (measured here: %.1f ms); bytes are each kernel's buffers touched once, the least its work needs, or for attention its tiles' loads\n", total/1e3, measuredMS)
}
