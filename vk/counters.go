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
// operations it did, and the bytes of device memory it must have touched —
// every buffer it binds, read or written once. That is the least traffic
// the work needs, which a roofline divides by the memory bandwidth; a
// kernel that reads the same data many times (attention with one
// invocation per query row) moves more.
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
