package shaders_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/shaders"
)

// Every shader source has its compiled SPIR-V embedded, and every embedded
// module starts with the SPIR-V magic number. (CI also regenerates the .spv
// files and fails if they differ from the committed ones.)
func TestEveryShaderIsCompiledAndEmbedded(t *testing.T) {
	sources, err := filepath.Glob("*.comp")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no shader sources found (%v)", err)
	}
	for _, src := range sources {
		name := strings.TrimSuffix(src, ".comp")
		code, err := shaders.SPIRV(name)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if len(code) < 20 || len(code)%4 != 0 || binary.LittleEndian.Uint32(code) != 0x07230203 {
			t.Errorf("%s: the embedded %s.spv is not a SPIR-V module", src, name)
		}
		header, _ := os.ReadFile(src)
		if !strings.Contains(string(header), "CPU reference") || !strings.Contains(string(header), "Push constants") {
			t.Errorf("%s: the header must name its CPU reference and its push constants", src)
		}
	}
	if _, err := shaders.SPIRV("no_such_shader"); err == nil {
		t.Error("SPIRV of a missing shader returned no error")
	}
}
