package httplock

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/leaderelection/leaderelection/core"
)

// diskMagic starts every record file of DataDir.
const diskMagic = "leaderelection-lock 1\n"

// disk keeps the server's records in a directory, one file per record:
// the hex form of the lock name plus ".lock" (lock names may hold '/',
// and file systems differ on case and reserved names), holding the magic
// line, "name: NAME", "etag: ETAG", an empty line, then the body byte for
// byte. Writes go to a temporary file that is fsynced, renamed over the
// record, and the directory fsynced, so a record on disk is always whole
// and a write answered is durable.
type disk struct {
	dir  string
	lock *os.File // holds the directory's flock (Unix); nil elsewhere
}

// storedRecord is a record loaded from disk.
type storedRecord struct {
	name, etag string
	body       []byte
}

// openDisk creates dir if needed, takes its lock, removes temporary files
// a crash left behind, and loads every record.
func openDisk(dir string) (*disk, []storedRecord, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("httplock: data directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	d := &disk{dir: dir, lock: lock}
	records, err := d.load()
	if err != nil {
		d.close()
		return nil, nil, err
	}
	return d, records, nil
}

// load reads every record file of the directory.
func (d *disk) load() ([]storedRecord, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("httplock: data directory: %w", err)
	}
	var out []storedRecord
	for _, ent := range ents {
		name := ent.Name()
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			os.Remove(filepath.Join(d.dir, name)) //nolint:errcheck // a leftover of a crash
		case strings.HasSuffix(name, ".lock") && name != ".lock" && ent.Type().IsRegular():
			r, err := readRecordFile(filepath.Join(d.dir, name))
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// readRecordFile reads and checks one record file.
func readRecordFile(path string) (storedRecord, error) {
	bad := func(why string) (storedRecord, error) {
		return storedRecord{}, fmt.Errorf("httplock: data directory: %s: %s (move the file away to start)", path, why)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return storedRecord{}, fmt.Errorf("httplock: data directory: %w", err)
	}
	rest, ok := bytes.CutPrefix(b, []byte(diskMagic))
	if !ok {
		return bad("not a lock record file (bad first line)")
	}
	var r storedRecord
	for _, key := range []string{"name: ", "etag: "} {
		line, after, found := bytes.Cut(rest, []byte("\n"))
		v, ok := bytes.CutPrefix(line, []byte(key))
		if !found || !ok {
			return bad("missing " + strings.TrimSuffix(key, ": ") + " line")
		}
		if key == "name: " {
			r.name = string(v)
		} else {
			r.etag = string(v)
		}
		rest = after
	}
	body, ok := bytes.CutPrefix(rest, []byte("\n"))
	if !ok {
		return bad("missing empty line after the header")
	}
	r.body = body
	want := hex.EncodeToString([]byte(r.name)) + ".lock"
	switch {
	case checkName(r.name) != nil:
		return bad(fmt.Sprintf("invalid lock name %q", r.name))
	case filepath.Base(path) != want:
		return bad(fmt.Sprintf("lock name %q belongs in file %s", r.name, want))
	case !validStrongETag(r.etag):
		return bad(fmt.Sprintf("invalid ETag %q", r.etag))
	}
	if _, err := core.ParseRecord(r.body); err != nil {
		return bad(err.Error())
	}
	return r, nil
}

// path returns the file of a lock name.
func (d *disk) path(name string) string {
	return filepath.Join(d.dir, hex.EncodeToString([]byte(name))+".lock")
}

// write stores a record durably.
func (d *disk) write(name, etag string, body []byte) error {
	f, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	buf := make([]byte, 0, len(diskMagic)+len(name)+len(etag)+len(body)+16)
	buf = append(buf, diskMagic...)
	buf = append(buf, "name: "+name+"\netag: "+etag+"\n\n"...)
	buf = append(buf, body...)
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, d.path(name))
	}
	if err != nil {
		os.Remove(tmp) //nolint:errcheck // the write failed already
		return err
	}
	return d.syncDir()
}

// remove deletes a record durably.
func (d *disk) remove(name string) error {
	if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return d.syncDir()
}

// syncDir makes renames and removals in the directory durable. Windows
// cannot open a directory for syncing; NTFS journals the rename itself.
func (d *disk) syncDir() error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(d.dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// close releases the directory's lock.
func (d *disk) close() error {
	if d.lock == nil {
		return nil
	}
	return d.lock.Close()
}
