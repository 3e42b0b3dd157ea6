package main

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshot reads every file under dir, by path relative to dir.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sameFiles fails the test unless dir holds exactly the files of want.
func sameFiles(t *testing.T, dir string, want map[string][]byte, what string) {
	t.Helper()
	if got := snapshot(t, dir); !maps.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("%s changed %s: %d files, want %d byte-identical ones", what, dir, len(got), len(want))
	}
}

// dispatchOut runs a command in-process and returns its output.
func dispatchOut(args ...string) (string, error) {
	var out bytes.Buffer
	err := dispatch(args, &out, &out)
	return out.String(), err
}

// A second run into a folder that holds a run refuses and leaves the first
// run byte-identical, even when it also has a bad flag; -overwrite keeps
// the first run under a new name.
func TestNewRunNeverClobbersAnEarlierOne(t *testing.T) {
	data := t.TempDir()
	writeTinyMNIST(t, data, 12)
	out := filepath.Join(t.TempDir(), "run")
	if err := run(t, tinyArgs(data, out, 3)...); err != nil {
		t.Fatal(err)
	}
	first := snapshot(t, out)
	for _, extra := range [][]string{nil, {"-lr", "NaN"}, {"-steps", "5"}} {
		_, err := dispatchOut(append(tinyArgs(data, out, 3), extra...)...)
		if err == nil {
			t.Fatalf("a second run %v into %s succeeded", extra, out)
		}
		if extra == nil && (!strings.Contains(err.Error(), "holds an earlier run") || !strings.Contains(err.Error(), "-resume "+out)) {
			t.Errorf("error %q, want one that says the folder holds a run and how to resume it", err)
		}
		sameFiles(t, out, first, "a refused run")
	}

	log, err := dispatchOut(append(tinyArgs(data, out, 2), "-overwrite")...)
	if err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(out + ".old-*")
	if len(aside) != 1 || !strings.Contains(log, "moved the earlier run in "+out+" to "+aside[0]) {
		t.Fatalf("-overwrite left %v beside the run; log:\n%s", aside, log)
	}
	sameFiles(t, aside[0], first, "-overwrite")
	if got := losses(t, out); len(got) != 2 {
		t.Errorf("the new run logged %d steps, want 2", len(got))
	}
}

// A live run locks its folder: a second run (new or resumed, even with
// -overwrite) is refused with the owner's PID. The lock left by a run that
// died is taken over, with a note.
func TestRunFolderLock(t *testing.T) {
	data := t.TempDir()
	writeTinyMNIST(t, data, 12)
	out := tinyCheckpoint(t)
	l, _, err := lockRunFolder(out) // as a live run would hold it
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)
	pid := "pid " + itoa(os.Getpid())
	for _, args := range [][]string{
		{"-resume", out, "-steps", "6", "-device", "cpu"},
		append(tinyArgs(data, out, 3), "-overwrite"),
	} {
		_, err := dispatchOut(args...)
		if err == nil || !strings.Contains(err.Error(), "in use by another run ("+pid) {
			t.Errorf("%v while the folder is locked: %v, want a refusal naming %s", args, err, pid)
		}
		sameFiles(t, out, before, "a run refused by the lock")
	}
	l.f.Close() // the process "dies": the system drops the lock, the file stays

	log, err := dispatchOut("-resume", out, "-steps", "6", "-device", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "took over the lock of "+pid) {
		t.Errorf("no note about the stale lock in:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(out, lockName)); !os.IsNotExist(err) {
		t.Errorf("the finished run left its lock file: %v", err)
	}
}

// Resume is defined: -steps at or below the step reached is an error; a
// run stopped after its last checkpoint finishes its final grid and
// evaluation without training more; a complete run says so; temporary
// files of a killed save are removed.
func TestResumeFinishesTheRun(t *testing.T) {
	out := tinyCheckpoint(t, "-eval-every", "0", "-eval-samples", "6")
	for _, steps := range []string{"2", "3"} {
		_, err := dispatchOut("-resume", out, "-steps", steps)
		if err == nil || !strings.Contains(err.Error(), "already reached step 3") {
			t.Errorf("-resume -steps %s after 3 steps: %v, want an error", steps, err)
		}
	}
	log, err := dispatchOut("-resume", out)
	if err != nil || !strings.Contains(log, "is complete") {
		t.Errorf("resuming a complete run: %v\n%s", err, log)
	}

	// Stopped after its final checkpoint: no grid, no evaluation yet, and a
	// temporary checkpoint left by a kill.
	grid := gridPath(out, 3)
	os.Remove(grid)
	metrics := filepath.Join(out, "metrics.jsonl")
	b, _ := os.ReadFile(metrics)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !strings.Contains(lines[len(lines)-1], `"eval"`) {
		t.Fatalf("the last metrics line is not the evaluation: %s", lines[len(lines)-1])
	}
	os.WriteFile(metrics, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644)
	tmp := filepath.Join(out, ".checkpoint.safetensors.tmp-12345")
	os.WriteFile(tmp, []byte("half a checkpoint"), 0o644)
	ckpt, _ := os.ReadFile(checkpointPath(out))

	if log, err = dispatchOut("-resume", out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(grid); err != nil {
		t.Errorf("the resumed run did not write its final grid: %v", err)
	}
	if done, _ := evalLogged(metrics, 3); !done {
		t.Errorf("the resumed run did not evaluate; log:\n%s", log)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the stale temporary checkpoint is still there: %v", err)
	}
	if now, _ := os.ReadFile(checkpointPath(out)); !bytes.Equal(now, ckpt) || len(losses(t, out)) != 3 {
		t.Errorf("finishing the run trained more: %d logged steps, checkpoint changed: %v", len(losses(t, out)), !bytes.Equal(now, ckpt))
	}
}
