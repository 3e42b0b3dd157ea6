package vk

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/shaders"
)

// writtenBindings, which reads the compiled SPIR-V, agrees for every
// shader with its GLSL source: a binding is written exactly when its
// buffer is not declared readonly.
func TestWrittenBindingsMatchTheSource(t *testing.T) {
	decl := regexp.MustCompile(`layout\([^)]*binding\s*=\s*(\d+)[^)]*\)\s*(readonly\s+)?(writeonly\s+)?buffer`)
	paths, err := filepath.Glob("../shaders/*.comp")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no shaders found: %v", err)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Bindings may also be declared in an included .glsl file.
		text := string(src)
		for _, inc := range regexp.MustCompile(`#include\s+"([^"]+)"`).FindAllStringSubmatch(text, -1) {
			b, err := os.ReadFile(filepath.Join("../shaders", inc[1]))
			if err != nil {
				t.Fatal(err)
			}
			text += string(b)
		}
		var want uint32
		found := 0
		for _, m := range decl.FindAllStringSubmatch(text, -1) {
			b, _ := strconv.Atoi(m[1])
			found++
			if m[2] == "" {
				want |= 1 << b
			}
		}
		name := strings.TrimSuffix(filepath.Base(path), ".comp")
		code, err := shaders.SPIRV(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := writtenBindings(code)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if found == 0 || want == 0 {
			t.Errorf("%s: the source declares %d buffers, %b written; the test's pattern missed them", name, found, want)
		}
		if got != want {
			t.Errorf("%s: SPIR-V says bindings %b are written, the source %b", name, got, want)
		}
	}
}
