//go:build cgo

package vk_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/vk"
	"github.com/ditgo/ditgo/vk/vktest"
)

// The recorder puts a barrier before a command only when it reads what a
// command since the last barrier wrote, or writes what one read or wrote.
// (Whether each decision is safe is the validation layer's to say: CI runs
// every test with synchronization validation on.)
func TestBarriersOnlyOnHazards(t *testing.T) {
	dev := vktest.Open(t)
	barriers := func() int64 { return dev.Counters().Barriers }
	step := func(what string, want int64, record func()) {
		t.Helper()
		before := barriers()
		record()
		if got := barriers() - before; got != want {
			t.Errorf("%s: %d barriers, want %d", what, got, want)
		}
	}
	var x, y, z, w *tensor.Tensor
	if err := dev.Sync(); err != nil { // nothing pending
		t.Fatal(err)
	}
	step("two fills of new tensors", 0, func() {
		x = tensor.Full(dev, 1, 1000)
		y = tensor.Full(dev, 2, 1000)
	})
	step("z = x + y reads both (read after write)", 1, func() { z = tensor.Add(x, y) })
	step("w = 3·x reads x again (two reads do not conflict)", 0, func() { w = tensor.Scale(x, 3) })
	step("x = z + w writes x, which w read (write after read)", 1, func() { tensor.BinaryInto(tensor.OpAdd, x, z, w) })
	step("x = x + x writes it again (write after write)", 1, func() { tensor.BinaryInto(tensor.OpAdd, x, x, x) })
	got, err := x.ToHost()
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 12 || got[999] != 12 { // ((1+2) + 3·1)·2
		t.Errorf("x = %v … %v, want 12", got[0], got[999])
	}
	for _, v := range []*tensor.Tensor{x, y, z, w} {
		v.Release()
	}
	// With DITGO_VK_BARRIERS=all every command gets one, as before.
	opts := vk.OptionsFromEnv()
	opts.BarrierEveryCommand = true
	all, err := vk.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	a := tensor.Full(all, 1, 10)
	b := tensor.Full(all, 2, 10)
	c := tensor.Add(a, b)
	if _, err := c.ToHost(); err != nil {
		t.Fatal(err)
	}
	if n := all.Counters(); n.Barriers != n.Dispatches+n.Copies+n.Fills {
		t.Errorf("every command: %d barriers for %d commands", n.Barriers, n.Dispatches+n.Copies+n.Fills)
	}
	for _, v := range []*tensor.Tensor{a, b, c} {
		v.Release()
	}
}
