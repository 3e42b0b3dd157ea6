package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A run folder (-out) belongs to one run. A new run never writes into a
// folder that holds an earlier run: it refuses, or with -overwrite moves
// the earlier run aside under a new name; nothing is ever deleted. -resume
// continues the run that is there. Either way the folder is locked while
// the run lives (lock.go), and a temporary checkpoint left by a run that
// was killed while saving is removed.

// runFiles are the files a run writes into its folder; any of them means
// the folder holds a run. (classifier.safetensors is not among them: it is
// a cache that any run of the same data may share.)
var runFiles = []string{"checkpoint.safetensors", "metrics.jsonl", "loss.png", "samples_*.png"}

// runFolder is a run folder held by this run.
type runFolder struct {
	dir  string
	lock *runLock
}

// openRunFolder makes dir ready for the run that cfg describes, and locks
// it. It is called only after every flag has been checked: until then
// nothing in dir is touched.
func openRunFolder(cfg config, log io.Writer) (*runFolder, error) {
	dir := cfg.Out
	if cfg.Resume == "" {
		earlier, err := earlierRun(dir)
		if err != nil {
			return nil, err
		}
		if earlier != "" {
			if !cfg.Overwrite {
				return nil, fmt.Errorf("-out %s holds an earlier run (%s); continue it with -resume %s, give a new -out, or pass -overwrite to move it aside (nothing is deleted)", dir, earlier, dir)
			}
			if err := checkNotLocked(dir); err != nil {
				return nil, err
			}
			aside, err := moveAside(dir)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "-overwrite: moved the earlier run in %s to %s\n", dir, aside)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("-out %s: cannot create the output folder: %w", dir, err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	lock, stale, err := lockRunFolder(dir)
	if err != nil {
		return nil, err
	}
	if stale.PID != 0 {
		fmt.Fprintf(log, "took over the lock of %s: a run that is no longer running\n", stale)
	}
	if err := removeStaleTemporaries(dir, log); err != nil {
		lock.release()
		return nil, err
	}
	return &runFolder{dir: dir, lock: lock}, nil
}

// close unlocks the folder.
func (r *runFolder) close() { r.lock.release() }

// earlierRun names the run files in dir, or is "" when there are none (or
// no folder).
func earlierRun(dir string) (string, error) {
	var found []string
	for _, pattern := range runFiles {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return "", err
		}
		if len(m) > 1 {
			found = append(found, fmt.Sprintf("%d %s", len(m), pattern))
		} else if len(m) == 1 {
			found = append(found, filepath.Base(m[0]))
		}
	}
	return strings.Join(found, ", "), nil
}

// checkNotLocked fails if a live run holds dir, which must then not be
// moved.
func checkNotLocked(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, lockName)); err != nil {
		return nil // no lock file: no run
	}
	l, _, err := lockRunFolder(dir)
	if err != nil {
		return err
	}
	l.release()
	return nil
}

// moveAside renames dir to a new sibling, dir.old-<time>, and returns its
// name.
func moveAside(dir string) (string, error) {
	clean := filepath.Clean(dir)
	base := clean + ".old-" + time.Now().Format("20060102-150405")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); os.IsNotExist(err) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(clean, aside); err != nil {
		return "", fmt.Errorf("-overwrite: cannot move the earlier run in %s aside: %w; move it yourself or give a new -out", dir, err)
	}
	return aside, nil
}

// removeStaleTemporaries deletes the temporary files of the run's atomic
// writes (".checkpoint.safetensors.tmp-…", ".samples_000500.png.tmp-…")
// that a killed run left behind; a checkpoint's can be gigabytes. Only
// this run writes its files into the folder now, so none of them is being
// written.
func removeStaleTemporaries(dir string, log io.Writer) error {
	var stale []string
	for _, pattern := range runFiles {
		m, err := filepath.Glob(filepath.Join(dir, "."+pattern+".tmp-*"))
		if err != nil {
			return err
		}
		stale = append(stale, m...)
	}
	for _, path := range stale {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("cannot remove the stale temporary file %s: %w", path, err)
		}
		fmt.Fprintf(log, "removed %s, left by a run that was stopped while writing it\n", path)
	}
	return nil
}

// checkWritable fails early, with a clear message, when the output folder
// cannot be written.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("-out %s: cannot write to the output folder: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
