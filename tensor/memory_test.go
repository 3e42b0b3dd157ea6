package tensor_test

import (
	"sync"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// wantMemory checks Memory against live and peak bytes counted from start.
func wantMemory(t *testing.T, when string, dev tensor.Device, start, live, peak int64) {
	t.Helper()
	gotLive, gotPeak := dev.Memory()
	if gotLive != start+live || gotPeak != start+peak {
		t.Errorf("%s: Memory() = (%d, %d), want start %d + (%d, %d) = (%d, %d)",
			when, gotLive, gotPeak, start, live, peak, start+live, start+peak)
	}
}

// Memory counts n × the dtype's size for every buffer allocated and not
// freed, whatever the device keeps behind it: on the fast CPU device a
// freed buffer goes to its pool and the next Alloc of that length takes it
// back, and on Vulkan buffers are ranges of larger blocks, yet all three
// report the same bytes.
func TestMemory(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		float := dev.FloatType()
		start, _ := dev.Memory()
		dev.ResetPeak()
		wantMemory(t, "start", dev, start, 0, 0)

		a := dev.Alloc(float, 10)         // 40 bytes
		idx := dev.Alloc(tensor.Int32, 7) // 28
		empty := dev.Alloc(float, 0)      // 0
		big := dev.Alloc(float, 1000)     // 4000
		wantMemory(t, "after four Allocs", dev, start, 4068, 4068)

		dev.Free(big)
		wantMemory(t, "after freeing 4000 bytes", dev, start, 68, 4068)

		dev.Free(a)               // the fast device keeps these 40 bytes in its pool
		b := dev.Alloc(float, 10) // and hands them out again here
		wantMemory(t, "after a free and an Alloc of the same length", dev, start, 68, 4068)

		c := dev.Alloc(float, 100) // 400
		wantMemory(t, "after another Alloc below the peak", dev, start, 468, 4068)

		dev.ResetPeak()
		wantMemory(t, "after ResetPeak", dev, start, 468, 468)

		for _, buf := range []tensor.Buffer{idx, empty, b, c} {
			dev.Free(buf)
		}
		wantMemory(t, "after freeing everything", dev, start, 0, 468)
	})
}

// A computation holds its temporaries until they are released: the peak
// sees them, the live bytes afterwards do not. Reading the result to the
// host counts nothing (the Vulkan device's staging memory is its own).
func TestMemoryPeakSeesTemporaries(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		start, _ := dev.Memory()
		a := tensor.Full(dev, 3, 2, 5) // [2, 5]: 40 bytes
		b := tensor.Full(dev, 1, 2, 5) // [2, 5]: 40 bytes
		dev.ResetPeak()

		// loss = Σ (a - b)², with two temporaries of [2, 5].
		diff := tensor.Sub(a, b)
		sq := tensor.Mul(diff, diff) // a, b, diff, sq: 160 bytes, the peak
		diff.Release()
		loss := tensor.SumAll(sq) // a, b, sq, loss: 124
		sq.Release()              // a, b, loss: 84
		got, err := loss.Item()
		if err != nil {
			t.Fatal(err)
		}
		if got != 40 {
			t.Fatalf("loss = %v, want 10 × (3-1)² = 40", got)
		}
		wantMemory(t, "after the loss", dev, start, 84, 160)

		a.Release()
		b.Release()
		loss.Release()
		wantMemory(t, "after releasing everything", dev, start, 0, 160)
	})
}

// The float64 reference counts 8 bytes a float, and int32 indices 4.
func TestMemoryFloat64(t *testing.T) {
	dev := tensor.NewCPU64()
	x := dev.Alloc(tensor.Float64, 5)
	idx := dev.Alloc(tensor.Int32, 3)
	wantMemory(t, "after two Allocs", dev, 0, 5*8+3*4, 52)
	dev.Free(x)
	wantMemory(t, "after freeing the floats", dev, 0, 12, 52)
	dev.Free(idx)
	wantMemory(t, "after freeing the indices", dev, 0, 0, 52)
}

// The count holds when goroutines allocate and free at once: live returns
// to zero, and the peak lies between the largest single buffer and all of
// them together. (Run with -race.)
func TestMemoryConcurrent(t *testing.T) {
	dev := tensor.NewCPU()
	const workers, rounds = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				dev.Free(dev.Alloc(tensor.Float32, w+1))
			}
		}()
	}
	wg.Wait()
	live, peak := dev.Memory()
	if most := int64(workers*(workers+1)/2) * 4; live != 0 || peak < workers*4 || peak > most {
		t.Errorf("Memory() = (%d, %d), want live 0 and a peak in [%d, %d]", live, peak, workers*4, most)
	}
}
