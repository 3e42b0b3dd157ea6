package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// A run folder is used by one live run at a time. The run holds an
// operating-system lock on the file run.lock in the folder (flock on Unix,
// LockFileEx on Windows) and writes its PID and host into it, so that a
// second run can say who holds the folder. The system drops the lock when
// the process dies, however it dies: a lock file whose lock is free is
// stale — left by a run that was killed — and the next run takes it over,
// with a note.

// lockName is the lock file of a run folder.
const lockName = "run.lock"

// lockOwner is what a lock file says about the run that holds it.
type lockOwner struct {
	PID     int    `json:"pid"`
	Host    string `json:"host"`
	Started string `json:"started"`
}

func (o lockOwner) String() string {
	return fmt.Sprintf("pid %d on %s, started %s", o.PID, o.Host, o.Started)
}

// runLock is a held lock on a run folder.
type runLock struct {
	f    *os.File
	path string
}

// errLocked is what tryLock returns when another process holds the lock.
var errLocked = errors.New("locked by another process")

// lockRunFolder takes the lock of the run folder dir. If a live run holds
// it, the error names that run. stale is the owner of a lock left by a
// dead run that was taken over (zero if there was none).
func lockRunFolder(dir string) (l *runLock, stale lockOwner, err error) {
	path := filepath.Join(dir, lockName)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, stale, fmt.Errorf("cannot create the lock file %s: %w", path, err)
		}
		if err := tryLock(f); err != nil {
			f.Close()
			if errors.Is(err, errLocked) {
				return nil, stale, fmt.Errorf("%s is in use by another run (%s); wait for it to finish, stop it, or give another -out", dir, readOwner(path))
			}
			return nil, stale, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		// A run that was finishing removed the file after we opened it: the
		// lock we hold is on a file no longer in the folder. Try again.
		if !sameFile(f, path) {
			f.Close()
			continue
		}
		stale = readOwner(path)
		host, _ := os.Hostname()
		me, _ := json.Marshal(lockOwner{PID: os.Getpid(), Host: host, Started: time.Now().Format(time.RFC3339)})
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt(append(me, '\n'), 0)
		}
		if err != nil {
			f.Close()
			return nil, stale, fmt.Errorf("cannot write the lock file %s: %w", path, err)
		}
		return &runLock{f: f, path: path}, stale, nil
	}
}

// readOwner reads a lock file; a file without an owner gives the zero
// owner.
func readOwner(path string) lockOwner {
	var o lockOwner
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &o)
	}
	return o
}

// sameFile reports whether the open file f is still the file at path.
func sameFile(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// release removes the lock file and then drops the lock (in this order, so
// that no other run ever holds a lock on a file that is then removed).
// (Windows cannot remove an open file: there it is removed after.)
func (l *runLock) release() {
	err := os.Remove(l.path)
	l.f.Close()
	if err != nil {
		os.Remove(l.path)
	}
}
