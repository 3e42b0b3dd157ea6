package main

import (
	"slices"
	"testing"

	"github.com/ditgo/ditgo/nn"
)

func writeLatents(t *testing.T, path string, shape []int) {
	t.Helper()
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i%7) - 3
	}
	if err := nn.WriteFile(path, []nn.Tensor{{Name: "latents", Shape: shape, Data: data}}, nil); err != nil {
		t.Fatal(err)
	}
}

func readSamples(t *testing.T, path string, shape []int) []float32 {
	t.Helper()
	f, err := nn.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := f.Get("samples")
	if !ok || !slices.Equal(s.Shape, shape) {
		t.Fatalf("%s: samples %v, want shape %v", path, s.Shape, shape)
	}
	return s.Data
}

func TestParseClasses(t *testing.T) {
	if got, err := parseClasses("3, 1,4", 10); err != nil || !slices.Equal(got, []int32{3, 1, 4}) {
		t.Errorf("3,1,4: %v %v", got, err)
	}
	if got, _ := parseClasses("", 3); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Errorf("default: %v", got)
	}
	for _, bad := range []string{"10", "-1", "a", "1,,2"} {
		if _, err := parseClasses(bad, 10); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
