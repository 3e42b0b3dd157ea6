// Package autograd is reverse-mode automatic differentiation over tensors.
//
// A Var wraps a tensor.Tensor. Every op is a method of a Graph that computes
// its output with the tensor package and, right below, defines the closure
// that turns the output's gradient into its inputs' gradients:
//
//	out := g.result(tensor.Mul(a.Value, b.Value), a, b)
//	out.backward = func() {
//		g.accumulate(a, tensor.Mul(out.Grad, b.Value)) // ∂(a·b)/∂a = b
//		...
//	}
//
// Graph.Backward sorts the Vars topologically and runs those closures from
// the loss down. A Graph is also the per-step scope of device memory: it
// owns every tensor its ops make, and Release frees them all after the
// optimizer step. Parameters (Param) are the exception — they and their
// gradients live for the whole run. NewNoGradGraph records no backward
// closures, for sampling and evaluation.
//
// Checkpoint runs a segment of a graph (a transformer block) so that only
// its output stays in memory, and its backward rule recomputes the segment:
// gradient checkpointing in training. In a graph without gradients it frees
// each segment's intermediates as soon as the segment is done.
//
// Shapes use the engine's legend: B batch, T tokens, D hidden, H heads,
// Dh head dim, C channels, P patch size.
//
// This package imports only tensor and the standard library.
package autograd
