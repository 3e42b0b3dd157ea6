package fastcpu

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Freed float32 storage moves from Memory to PoolBytes and back when it is
// reused; each byte is in exactly one of the two. Int32 indices are not
// pooled.
func TestPoolBytes(t *testing.T) {
	d := New()
	want := func(when string, live, peak, pooled int64) {
		t.Helper()
		gotLive, gotPeak := d.Memory()
		if gotLive != live || gotPeak != peak || d.PoolBytes() != pooled {
			t.Errorf("%s: Memory() = (%d, %d), PoolBytes() = %d; want (%d, %d), %d",
				when, gotLive, gotPeak, d.PoolBytes(), live, peak, pooled)
		}
	}
	a := d.Alloc(tensor.Float32, 10) // 40 bytes
	b := d.Alloc(tensor.Float32, 10) // 40
	c := d.Alloc(tensor.Float32, 20) // 80
	idx := d.Alloc(tensor.Int32, 5)  // 20
	want("after four Allocs", 180, 180, 0)

	d.Free(a)
	d.Free(idx)
	want("after freeing a and idx", 120, 180, 40)

	a = d.Alloc(tensor.Float32, 10) // a's storage, from the pool
	want("after reusing a's storage", 160, 180, 0)

	d.Free(a)
	d.Free(b)
	d.Free(c)
	want("after freeing everything", 0, 180, 160)
}
