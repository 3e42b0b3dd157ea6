package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the flag tables of ../README.md from the flag sets")

// flagTable writes a flag set as a Markdown table: one row per flag, in
// name order, with its default and its help.
func flagTable(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("| flag | default | what |\n|---|---|---|\n")
	fs.VisitAll(func(f *flag.Flag) {
		def := "`" + f.DefValue + "`"
		if f.DefValue == "" {
			def = "`\"\"`"
		}
		fmt.Fprintf(&b, "| `-%s` | %s | %s |\n", f.Name, def, strings.ReplaceAll(f.Usage, "|", `\|`))
	})
	return b.String()
}

// The README's flag tables are the flag sets written out by flagTable, so
// that the docs cannot drift from the code: a flag added, removed or
// renamed, a default or a help text changed, fails this test until the
// README follows. `go test ./train -run TestREADMEFlagTables -update`
// rewrites the tables.
func TestREADMEFlagTables(t *testing.T) {
	const path = "../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	c, s, e, sc := defaultConfig(), defaultSampleArgs(), defaultEvalArgs(), defaultScalingArgs()
	for _, table := range []struct {
		name string
		fs   *flag.FlagSet
	}{{"train", trainFlags(&c, io.Discard)}, {"sample", sampleFlags(&s, io.Discard)}, {"eval", evalFlags(&e, io.Discard)}, {"scaling", scalingFlags(&sc, io.Discard)}} {
		begin := "<!-- " + table.name + " flags: written by TestREADMEFlagTables -->\n"
		const end = "<!-- end of flags -->"
		i, j := strings.Index(readme, begin), -1
		if i >= 0 {
			j = strings.Index(readme[i:], end)
		}
		if j < 0 {
			t.Fatalf("%s has no %q … %q block for the %s flags", path, strings.TrimSpace(begin), end, table.name)
		}
		j += i
		got, want := readme[i+len(begin):j], flagTable(table.fs)
		if got == want {
			continue
		}
		if *update {
			readme = readme[:i+len(begin)] + want + readme[j:]
			continue
		}
		t.Errorf("the README's %s flags differ from the code's; run go test ./train -run TestREADMEFlagTables -update\nREADME:\n%s\ncode:\n%s", table.name, got, want)
	}
	if *update && readme != string(b) {
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
