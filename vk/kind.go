package vk

// Kind is what sort of device a Vulkan driver presents, in the order in
// which Open prefers them (VkPhysicalDeviceType).
type Kind int

const (
	DiscreteGPU   Kind = iota // a GPU card of its own
	IntegratedGPU             // a GPU that shares the CPU's memory
	VirtualGPU                // a GPU seen through a hypervisor
	CPUDriver                 // a driver that computes on the CPU: Mesa's lavapipe, meant for tests
	OtherKind                 // anything else the driver reports
)

func (k Kind) String() string {
	switch k {
	case DiscreteGPU:
		return "discrete GPU"
	case IntegratedGPU:
		return "integrated GPU"
	case VirtualGPU:
		return "virtual GPU"
	case CPUDriver:
		return "CPU implementation"
	}
	return "other"
}
