package shaders

import (
	"embed"
	"fmt"
)

//go:embed *.spv
var spirv embed.FS

// SPIRV returns the compiled shader name (the .comp file's name without its
// extension, e.g. "matmul").
func SPIRV(name string) ([]byte, error) {
	code, err := spirv.ReadFile(name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shaders: no compiled shader %q (run go generate ./shaders): %w", name, err)
	}
	return code, nil
}
