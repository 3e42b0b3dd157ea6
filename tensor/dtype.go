package tensor

// DType is the element type of a Tensor. Every tensor carries one, so that
// f16/bf16 storage can be added later without changing the API.
type DType uint8

const (
	Float32 DType = iota
	Float64       // the CPU reference only, for float64 gradient checks
	Int32         // indices: labels, positions
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int32:
		return "int32"
	}
	return "dtype(?)"
}

// Size is the number of bytes of one element.
func (d DType) Size() int {
	if d == Float64 {
		return 8
	}
	return 4
}
