//go:build cgo

package vk

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/ditgo/ditgo/shaders"
)

// Every kernel shares one descriptor-set layout and one pipeline layout:
// maxBindings storage buffers (group norm's backward pass needs fourteen:
// its five gradients, eight inputs and a scratch) and a push-constant block
// of pushConstantBytes, the minimum every Vulkan device offers.
const (
	maxBindings       = 14
	pushConstantBytes = 128
)

// pipelineKey names one variant of a shader: its specialization constants
// (at most 8, the most shim_create_pipeline passes).
type pipelineKey struct {
	shader string
	spec   [8]uint32
	n      int
}

// pipeline returns the compute pipeline for one variant of a shader (its
// specialization constants 0, 1, … set to spec), creating it on first use,
// and the mask of the bindings the shader may write (access.go).
func (d *Device) pipeline(shader string, spec []uint32) (C.VkPipeline, uint32, error) {
	key := pipelineKey{shader: shader, n: len(spec)}
	copy(key.spec[:], spec)
	if p, ok := d.pipelines[key]; ok {
		return p, d.written[shader], nil
	}
	if len(spec) > len(key.spec) {
		return 0, 0, fmt.Errorf("vk: %s has %d specialization constants, the most is %d", shader, len(spec), len(key.spec))
	}
	code, err := shaders.SPIRV(shader)
	if err != nil {
		return 0, 0, err
	}
	written, err := writtenBindings(code)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", shader, err)
	}
	// SPIR-V is read as 32-bit words: copy it to C memory, which is aligned.
	cCode := C.CBytes(code)
	defer C.free(cCode)
	var cSpec *C.uint32_t
	if len(spec) > 0 {
		cSpec = (*C.uint32_t)(unsafe.Pointer(&spec[0]))
	}
	var p C.VkPipeline
	r := C.shim_create_pipeline(d.fns, d.device, (*C.uint32_t)(cCode), C.size_t(len(code)), d.layout, cSpec, C.uint32_t(len(spec)), &p)
	if err := check("vkCreateComputePipelines ("+shader+")", int32(r)); err != nil {
		return 0, 0, err
	}
	d.pipelines[key] = p
	d.written[shader] = written
	return p, written, nil
}
