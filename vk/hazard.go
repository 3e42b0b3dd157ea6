//go:build cgo

package vk

// A barrier makes the GPU finish the commands before it (and flush their
// writes) before it starts the commands after it. One before every command
// is always right, but it keeps the GPU from overlapping independent
// kernels and drains its pipeline every time. The recorder therefore keeps
// the memory that commands since the last barrier read and wrote, and
// records a barrier only before a command that conflicts with them:
//
//	read after write    the command reads a range an earlier one wrote
//	write after write   it writes a range an earlier one wrote
//	write after read    it writes a range an earlier one read
//
// Two reads of the same memory never conflict. The barrier orders the
// command after everything before it, in this command buffer and in every
// earlier submission to the queue, so the record starts over after one.
// The validation layer's synchronization validation (DITGO_VK_VALIDATION=1,
// on in CI) checks every decision.

// access is a span of bytes of one block that a command reads or writes.
type access struct {
	blk      *block
	off, end uint64
}

func (a access) overlaps(b access) bool {
	return a.blk == b.blk && a.off < b.end && b.off < a.end
}

// accessOf is the range a buffer is bound as.
func accessOf(b *buffer) access { return access{b.blk, b.off, b.off + b.bytes} }

// hazards are the accesses of the commands recorded since the last
// barrier.
type hazards struct {
	reads, writes []access
}

// conflicts reports whether a command with these reads and writes must wait
// for the commands since the last barrier.
func (h *hazards) conflicts(reads, writes []access) bool {
	for _, r := range reads {
		for _, w := range h.writes {
			if r.overlaps(w) {
				return true // read after write
			}
		}
	}
	for _, w := range writes {
		for _, e := range h.writes {
			if w.overlaps(e) {
				return true // write after write
			}
		}
		for _, r := range h.reads {
			if w.overlaps(r) {
				return true // write after read
			}
		}
	}
	return false
}

func (h *hazards) add(reads, writes []access) {
	h.reads = append(h.reads, reads...)
	h.writes = append(h.writes, writes...)
}

func (h *hazards) clear() {
	h.reads, h.writes = h.reads[:0], h.writes[:0]
}
