package data

import "testing"

func TestFlipHorizontal(t *testing.T) {
	img := []float32{ // [2, 2, 3]
		1, 2, 3, 4, 5, 6,
		7, 8, 9, 10, 11, 12,
	}
	want := []float32{
		3, 2, 1, 6, 5, 4,
		9, 8, 7, 12, 11, 10,
	}
	got := FlipHorizontal(img, 2, 2, 3)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("FlipHorizontal = %v, want %v", got, want)
		}
	}
	if img[0] != 1 {
		t.Errorf("FlipHorizontal changed its input")
	}
}
