package vk

// Counters are what a device has done since Open: the commands it
// recorded, the barriers between them, the command buffers it submitted
// and the bytes it moved between host and device.
type Counters struct {
	Dispatches, Copies, Fills  int64
	Barriers, Submissions      int64
	UploadBytes, DownloadBytes int64
}

// Sub is c − o: what happened between two readings.
func (c Counters) Sub(o Counters) Counters {
	return Counters{c.Dispatches - o.Dispatches, c.Copies - o.Copies, c.Fills - o.Fills,
		c.Barriers - o.Barriers, c.Submissions - o.Submissions, c.UploadBytes - o.UploadBytes, c.DownloadBytes - o.DownloadBytes}
}
