package vk

// Counters are what a device has done since Open: the commands it
// recorded, the barriers between them, the command buffers it submitted,
// the bytes it moved between host and device, and each shader's share of
// the dispatches.
type Counters struct {
	Dispatches, Copies, Fills  int64
	Barriers, Submissions      int64
	UploadBytes, DownloadBytes int64
	Kernels                    map[string]KernelCounts // by shader name
}

// KernelCounts are one shader's work: how often it ran, the floating-point
// operations it did, and the bytes of device memory it moved. For most
// kernels that is every buffer they bind, read or written once: the least
// traffic the work needs, which a roofline divides by the memory
// bandwidth. A kernel that reads some data more than once counts its own
// loads: flash attention reads each key and value tile once per workgroup
// of 64 query rows (vk/attention.go).
type KernelCounts struct {
	Dispatches   int64
	FLOPs, Bytes float64
}

// Sub is c − o: what happened between two readings.
func (c Counters) Sub(o Counters) Counters {
	out := Counters{c.Dispatches - o.Dispatches, c.Copies - o.Copies, c.Fills - o.Fills,
		c.Barriers - o.Barriers, c.Submissions - o.Submissions, c.UploadBytes - o.UploadBytes, c.DownloadBytes - o.DownloadBytes,
		map[string]KernelCounts{}}
	for name, k := range c.Kernels {
		was := o.Kernels[name]
		if k.Dispatches != was.Dispatches {
			out.Kernels[name] = KernelCounts{k.Dispatches - was.Dispatches, k.FLOPs - was.FLOPs, k.Bytes - was.Bytes}
		}
	}
	return out
}
