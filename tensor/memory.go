package tensor

import "sync/atomic"

// memoryMeter counts the bytes of a device's live buffers and the most there
// have been at once: Device.Memory and ResetPeak for the CPU devices.
//
// It uses atomics, as the buffer count beside it does, because buffers may
// be allocated and freed from several goroutines. The peak stays exact
// under that: every add yields the live total right after it, and the peak
// is the largest of those totals.
type memoryMeter struct {
	live atomic.Int64
	peak atomic.Int64
}

// add changes live by bytes (negative for a free) and raises peak to match.
func (m *memoryMeter) add(bytes int64) {
	live := m.live.Add(bytes)
	for {
		peak := m.peak.Load()
		if live <= peak || m.peak.CompareAndSwap(peak, live) {
			return
		}
	}
}

func (m *memoryMeter) read() (live, peak int64) {
	// An add between the two loads may leave the peak read below the live
	// total read; the live total is then the peak.
	peak = m.peak.Load()
	live = m.live.Load()
	return live, max(peak, live)
}

func (m *memoryMeter) resetPeak() { m.peak.Store(m.live.Load()) }

// bufferBytes is what a buffer of n elements of dtype counts for.
func bufferBytes(dtype DType, n int) int64 { return int64(n) * int64(dtype.Size()) }

// Memory reports the bytes of the buffers allocated and not yet freed, and
// the most there have been; see Device.Memory.
func (d *CPU[F]) Memory() (live, peak int64) { return d.mem.read() }

// ResetPeak sets the peak to the bytes live now.
func (d *CPU[F]) ResetPeak() { d.mem.resetPeak() }
