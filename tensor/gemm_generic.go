//go:build !amd64

package tensor

// gemmKernels lists the micro-kernels this machine can run, fastest first.
// Without amd64 assembly that is the pure-Go kernel alone.
func gemmKernels() []*gemmKernel { return []*gemmKernel{genericKernel} }
