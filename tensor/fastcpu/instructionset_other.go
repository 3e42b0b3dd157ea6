//go:build !amd64

package fastcpu

// instructionSets lists the instruction sets this machine can run, fastest
// first. Without amd64 assembly that is plain Go alone.
func instructionSets() []*instructionSet { return []*instructionSet{genericSet} }
