//go:build cgo

package vk

/*
#cgo LDFLAGS: -ldl
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	vkgo "github.com/vulkan-go/vulkan"

	"github.com/ditgo/ditgo/tensor"
)

// Device is a Vulkan GPU (or Mesa's lavapipe CPU driver) as a tensor.Device.
// Its methods may be called from several goroutines; they are serialized.
type Device struct {
	mu sync.Mutex

	fns      *C.ShimFns
	instance C.VkInstance
	physical C.VkPhysicalDevice
	device   C.VkDevice
	queue    C.VkQueue
	family   C.uint32_t
	name     string
	kind     Kind
	limits   limits

	cmdPool   C.VkCommandPool
	setLayout C.VkDescriptorSetLayout
	layout    C.VkPipelineLayout
	pipelines map[pipelineKey]C.VkPipeline
	written   map[string]uint32 // per shader, the bindings it may write (access.go)

	heap    *heap   // tensor memory: device-local
	staging *heap   // host-visible memory for uploads and readbacks
	dummy   *buffer // bound where an optional input (a bias) is absent

	cur      *submission   // being recorded
	inflight []*submission // submitted, fence not yet waited on
	spare    []*submission // finished, ready for reuse

	noBarriers  bool    // tests only: record no barriers (see TestSyncValidationSeesMissingBarriers)
	allBarriers bool    // a barrier before every command (Options.BarrierEveryCommand)
	pending     hazards // what the commands since the last barrier read and wrote (hazard.go)
	serial      uint64  // of the submission recorded last
	completed   uint64  // the serial of the last submission known to have run
	counters    Counters

	matmulBlock int // BLOCK of matmul.comp: 4 or 8 (matmulBlock)

	recorded  int   // commands recorded, for Stats
	submitted int   // command buffers submitted, for Stats
	live      int   // tensor buffers allocated and not freed
	liveBytes int64 // their bytes, as Memory counts them (memory.go)
	peakBytes int64 // the most liveBytes has been since Open or ResetPeak
	err       error // the first failure; later kernels are skipped
}

// limits are the device limits the engine respects.
type limits struct {
	maxStorageBufferRange  uint64
	minStorageOffsetAlign  uint64
	maxComputeSharedMemory uint32
	maxPushConstants       uint32
	maxGroupCount          [3]uint32
	maxGroupInvocations    uint32
	maxGroupSizeX          uint32
	maxStorageBuffers      uint32 // per shader stage
}

// check reports a device that cannot run the kernels as written: they use
// workgroups of 256, up to fourteen storage buffers and 128 bytes of push
// constants (more than the minimums Vulkan guarantees, but what every
// GPU of the last decade offers).
func (l limits) check(name string) error {
	switch {
	case l.maxGroupInvocations < 256 || l.maxGroupSizeX < 256:
		return fmt.Errorf("vk: %s allows workgroups of %d invocations, the kernels need 256", name, min(l.maxGroupInvocations, l.maxGroupSizeX))
	case l.maxStorageBuffers < maxBindings:
		return fmt.Errorf("vk: %s allows %d storage buffers per shader, the kernels need %d", name, l.maxStorageBuffers, maxBindings)
	case l.maxPushConstants < pushConstantBytes:
		return fmt.Errorf("vk: %s allows %d bytes of push constants, the kernels need %d", name, l.maxPushConstants, pushConstantBytes)
	case l.maxComputeSharedMemory < 16<<10:
		return fmt.Errorf("vk: %s has %d bytes of shared memory, the kernels need 16 KiB", name, l.maxComputeSharedMemory)
	}
	return nil
}

// Open finds a Vulkan device and prepares it for compute. It returns an error
// that says what is missing when there is no loader, no driver or no
// suitable device, so that callers can fall back to the CPU device.
func Open(opts Options) (*Device, error) {
	var loaded *C.char
	gipa := C.shim_load_loader(&loaded)
	if gipa == nil {
		return nil, errors.New("vk: no Vulkan loader (neither libvulkan.so.1 nor libvulkan.so could be opened); install it with: apt-get install libvulkan1 mesa-vulkan-drivers")
	}
	vkgo.SetGetInstanceProcAddr(unsafe.Pointer(gipa))
	if err := vkgo.Init(); err != nil {
		return nil, fmt.Errorf("vk: initialising %s: %w", C.GoString(loaded), err)
	}

	if b := opts.MatMulBlock; b != 0 && b != 4 && b != 8 {
		return nil, fmt.Errorf("vk: a matmul block of %d (DITGO_VK_MATMUL_BLOCK): want 4 or 8", b)
	}
	d := &Device{pipelines: map[pipelineKey]C.VkPipeline{}, written: map[string]uint32{}, allBarriers: opts.BarrierEveryCommand}
	validation := C.int(0)
	if opts.Validation {
		validation = 1
	}
	if err := check("vkCreateInstance", int32(C.shim_create_instance(gipa, validation, &d.instance, &d.fns))); err != nil {
		return nil, err
	}
	if err := vkgo.InitInstance(vkgo.Instance(unsafe.Pointer(d.instance))); err != nil {
		d.destroy()
		return nil, fmt.Errorf("vk: %w", err)
	}
	if err := d.choosePhysical(opts.Device); err != nil {
		d.destroy()
		return nil, err
	}
	d.matmulBlock = matmulBlock(d.kind, opts)
	if err := d.createDevice(); err != nil {
		d.destroy()
		return nil, err
	}
	return d, nil
}

// candidate is a physical device the loader reported.
type candidate struct {
	index  int // in the loader's list
	pd     C.VkPhysicalDevice
	name   string
	kind   Kind // lower is preferred
	limits limits
}

// choosePhysical picks the device: the one named by want, or else a discrete
// GPU before an integrated one before a CPU implementation such as lavapipe.
func (d *Device) choosePhysical(want string) error {
	inst := vkgo.Instance(unsafe.Pointer(d.instance))
	var n uint32
	if err := check("vkEnumeratePhysicalDevices", int32(vkgo.EnumeratePhysicalDevices(inst, &n, nil))); err != nil {
		return err
	}
	if n == 0 {
		return errors.New("vk: the Vulkan loader found no device; install a driver (apt-get install mesa-vulkan-drivers for the CPU one)")
	}
	pds := make([]vkgo.PhysicalDevice, n)
	if err := check("vkEnumeratePhysicalDevices", int32(vkgo.EnumeratePhysicalDevices(inst, &n, pds))); err != nil {
		return err
	}
	var cands []candidate
	for index, pd := range pds[:n] {
		var props vkgo.PhysicalDeviceProperties
		vkgo.GetPhysicalDeviceProperties(pd, &props)
		props.Deref()
		props.Limits.Deref()
		c := candidate{
			index: index,
			pd:    C.VkPhysicalDevice(unsafe.Pointer(pd)),
			name:  vkgo.ToString(props.DeviceName[:]),
			limits: limits{
				maxStorageBufferRange:  uint64(props.Limits.MaxStorageBufferRange),
				minStorageOffsetAlign:  uint64(props.Limits.MinStorageBufferOffsetAlignment),
				maxComputeSharedMemory: props.Limits.MaxComputeSharedMemorySize,
				maxPushConstants:       props.Limits.MaxPushConstantsSize,
				maxGroupCount:          props.Limits.MaxComputeWorkGroupCount,
				maxGroupInvocations:    props.Limits.MaxComputeWorkGroupInvocations,
				maxGroupSizeX:          props.Limits.MaxComputeWorkGroupSize[0],
				maxStorageBuffers:      props.Limits.MaxPerStageDescriptorStorageBuffers,
			},
		}
		props.Free()
		switch props.DeviceType {
		case vkgo.PhysicalDeviceTypeDiscreteGpu:
			c.kind = DiscreteGPU
		case vkgo.PhysicalDeviceTypeIntegratedGpu:
			c.kind = IntegratedGPU
		case vkgo.PhysicalDeviceTypeVirtualGpu:
			c.kind = VirtualGPU
		case vkgo.PhysicalDeviceTypeCpu:
			c.kind = CPUDriver
		default:
			c.kind = OtherKind
		}
		if C.shim_queue_family(d.fns, c.pd) == C.UINT32_MAX {
			continue // no compute queue
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return errors.New("vk: no Vulkan device has a compute queue")
	}
	best := -1
	for i, c := range cands {
		switch {
		case want != "":
			idx, err := strconv.Atoi(want)
			match := (err == nil && idx == c.index) || (err != nil && strings.Contains(strings.ToLower(c.name), strings.ToLower(want)))
			if match && best < 0 {
				best = i
			}
		case best < 0 || c.kind < cands[best].kind:
			best = i
		}
	}
	if best < 0 {
		var names []string
		for _, c := range cands {
			names = append(names, fmt.Sprintf("%d: %s (%s)", c.index, c.name, c.kind))
		}
		return fmt.Errorf("vk: no Vulkan device matches DITGO_VK_DEVICE=%q; the devices are: %s", want, strings.Join(names, "; "))
	}
	c := cands[best]
	d.physical, d.name, d.kind, d.limits = c.pd, c.name, c.kind, c.limits
	d.family = C.shim_queue_family(d.fns, c.pd)
	return nil
}

// createDevice makes the logical device, its queue, the shared layouts and
// the memory heaps.
func (d *Device) createDevice() error {
	if err := check("vkCreateDevice", int32(C.shim_create_device(d.fns, d.physical, d.family, &d.device))); err != nil {
		return err
	}
	var q vkgo.Queue
	vkgo.GetDeviceQueue(vkgo.Device(unsafe.Pointer(d.device)), uint32(d.family), 0, &q)
	d.queue = C.VkQueue(unsafe.Pointer(q))
	if err := check("vkCreateCommandPool", int32(C.shim_create_command_pool(d.fns, d.device, d.family, &d.cmdPool))); err != nil {
		return err
	}
	if err := d.limits.check(d.name); err != nil {
		return err
	}
	if err := check("vkCreateDescriptorSetLayout", int32(C.shim_create_layout(d.fns, d.device, maxBindings, pushConstantBytes, &d.setLayout, &d.layout))); err != nil {
		return err
	}
	types, err := d.memoryTypes()
	if err != nil {
		return err
	}
	align := max(d.limits.minStorageOffsetAlign, 64)
	blockSize := min(uint64(64<<20), d.limits.maxStorageBufferRange)
	d.heap = &heap{dev: d, types: types, want: memDeviceLocal, blockSize: blockSize, align: align}
	// Staging prefers cached memory: the host reads it back, and uncached
	// (write-combined) memory is very slow to read on discrete GPUs.
	d.staging = &heap{dev: d, types: types, want: memHostVisible | memHostCoherent, prefer: memHostCached, host: true, blockSize: 16 << 20, align: 64}
	d.dummy, err = d.alloc(tensor.Float32, 64) // the device's own: not counted as a tensor's
	return err
}

// Name describes the device, e.g. "vulkan: NVIDIA H100 (discrete GPU)".
func (d *Device) Name() string { return fmt.Sprintf("vulkan: %s (%s)", d.name, d.kind) }

// Kind says whether the device is a GPU or a CPU driver such as lavapipe.
func (d *Device) Kind() Kind { return d.kind }

// FloatType is float32: shaders compute in float32.
func (d *Device) FloatType() tensor.DType { return tensor.Float32 }

// LiveBuffers counts tensor buffers that are allocated and not freed.
func (d *Device) LiveBuffers() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.live
}

// Sync waits for all recorded work and returns the first error, if any.
func (d *Device) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.finish()
	return d.err
}

// ValidationMessages is the number of messages the validation layer has
// reported in this process, on any device.
func ValidationMessages() int { return int(C.shim_validation_messages()) }

// Close waits for the device, then destroys everything it made. Tensors of
// this device must not be used afterwards. It reports buffers that were
// never freed, since they point at a leak.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.finish()
	err := d.err
	if d.live != 0 && err == nil {
		err = fmt.Errorf("vk: %d tensor buffers (%d bytes) were still allocated at Close (a leak)", d.live, d.liveBytes)
	}
	d.destroy()
	d.err = errClosed
	return err
}

// errClosed is the error of every call after Close.
var errClosed = errors.New("vk: the device is closed")

// destroy releases every Vulkan object, in reverse order of creation.
func (d *Device) destroy() {
	if d.device != nil {
		vkgo.DeviceWaitIdle(vkgo.Device(unsafe.Pointer(d.device)))
		for _, s := range append(d.spare, d.inflight...) {
			s.destroy(d)
		}
		if d.cur != nil {
			d.cur.destroy(d)
		}
		d.cur, d.inflight, d.spare = nil, nil, nil
		for _, p := range d.pipelines {
			C.shim_destroy_pipeline(d.fns, d.device, p)
		}
		d.pipelines = nil
		C.shim_destroy_layout(d.fns, d.device, d.setLayout, d.layout)
		if d.heap != nil {
			d.heap.release()
			d.staging.release()
		}
		C.shim_destroy_device(d.fns, d.device, d.cmdPool)
		d.device = nil
	}
	if d.instance != nil {
		C.shim_destroy_instance(d.fns, d.instance)
		d.instance = nil
	}
}

// fail records the first error; kernels after it are skipped.
func (d *Device) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// The Vulkan device implements every primitive of the engine.
var _ tensor.Device = (*Device)(nil)
