package vk

import (
	"encoding/binary"
	"fmt"
)

// The recorder orders a command after an earlier one only where they
// touch the same memory (record.go), so it must know, for every binding of
// a shader, whether the shader may write it. The shaders say so themselves:
// an input is declared `readonly buffer`, which glslc compiles to the
// NonWritable decoration. writtenBindings reads that from the SPIR-V, so
// the knowledge cannot drift from the shader code.

// SPIR-V opcodes and decorations that writtenBindings reads (from the
// SPIR-V specification).
const (
	spvMagic          = 0x07230203
	opTypeStruct      = 30
	opTypePointer     = 32
	opVariable        = 59
	opDecorate        = 71
	opMemberDecorate  = 72
	decorNonWritable  = 24
	decorBinding      = 33
	storageUniform    = 2  // the storage class of GLSL buffers before SPIR-V 1.3
	storageStorageBuf = 12 // StorageBuffer, from SPIR-V 1.3
)

// writtenBindings returns a mask with bit i set when the shader may write
// the storage buffer at binding i: the buffer's variable is not decorated
// NonWritable, nor is every member of its block.
func writtenBindings(code []byte) (uint32, error) {
	if len(code)%4 != 0 || len(code) < 20 || binary.LittleEndian.Uint32(code) != spvMagic {
		return 0, fmt.Errorf("vk: not little-endian SPIR-V (%d bytes)", len(code))
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	binding := map[uint32]uint32{}      // variable id → binding
	nonWritable := map[uint32]bool{}    // variable id, decorated NonWritable
	readonlyMembers := map[uint32]int{} // struct type id → members decorated NonWritable
	members := map[uint32]int{}         // struct type id → its members
	pointee := map[uint32]uint32{}      // pointer type id → the type it points to
	varType := map[uint32]uint32{}      // buffer variable id → its pointer type
	for i := 5; i < len(words); {
		n, op := int(words[i]>>16), words[i]&0xffff
		if n == 0 || i+n > len(words) {
			return 0, fmt.Errorf("vk: malformed SPIR-V instruction at word %d", i)
		}
		w := words[i : i+n]
		switch {
		case op == opDecorate && n >= 4 && w[2] == decorBinding:
			binding[w[1]] = w[3]
		case op == opDecorate && n >= 3 && w[2] == decorNonWritable:
			nonWritable[w[1]] = true
		case op == opMemberDecorate && n >= 4 && w[3] == decorNonWritable:
			readonlyMembers[w[1]]++
		case op == opTypeStruct:
			members[w[1]] = n - 2
		case op == opTypePointer && n >= 4:
			pointee[w[1]] = w[3]
		case op == opVariable && n >= 4 && (w[3] == storageUniform || w[3] == storageStorageBuf):
			varType[w[2]] = w[1]
		}
		i += n
	}
	var mask uint32
	for v, b := range binding {
		ptr, ok := varType[v]
		if !ok {
			continue // not a buffer
		}
		block := pointee[ptr]
		readonly := nonWritable[v] || (members[block] > 0 && readonlyMembers[block] == members[block])
		if !readonly {
			if b >= 32 {
				return 0, fmt.Errorf("vk: binding %d is beyond the 32 a mask holds", b)
			}
			mask |= 1 << b
		}
	}
	return mask, nil
}
