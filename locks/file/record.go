package file

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/leaderelection/leaderelection/core"
)

// versionField is the member the Lock appends, last, to the records it
// writes: "fileVersion":"INCARNATION.COUNTER". Readers of the wire format
// ignore unknown members, so the file stays a plain record.
const versionField = `,"fileVersion":"`

// incLen is the length of an incarnation: 16 lowercase hex digits.
const incLen = 16

// bufPool holds the buffers of reads and writes, so that a renewal does not
// allocate one each time.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeFile writes the record to the temp file. Tests replace it to inject
// write errors on systems where they cannot fill a file system.
var writeFile = (*os.File).Write

// state is a record file as read.
type state struct {
	rec         core.Record
	version     core.Version
	incarnation string // "" when the file has no version member of ours
	counter     uint64
}

// newIncarnation returns 64 random bits in hex, chosen when a record file
// is created, so that a file deleted and created again never repeats the
// versions of the one before.
func newIncarnation() string {
	var b [incLen / 2]byte
	rand.Read(b[:]) // never fails (crypto/rand aborts the program instead)
	return hex.EncodeToString(b[:])
}

// encode appends the file form of r, with its version member, to dst.
func encode(dst []byte, r core.Record, inc string, n uint64) []byte {
	dst = core.AppendRecord(dst, r)
	dst = dst[:len(dst)-1] // AppendRecord ends with '}'
	dst = append(dst, versionField...)
	dst = append(dst, inc...)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, n, 10)
	return append(dst, "\"}\n"...)
}

// versionOf is the version of the file data written as incarnation inc,
// write n: "INC.N.CRC", where CRC is the CRC-32 of the whole file, so that a
// hand edit that keeps the version member still changes the version.
func versionOf(data []byte, inc string, n uint64) core.Version {
	var b [64]byte
	s := append(b[:0], inc...)
	s = append(s, '.')
	s = strconv.AppendUint(s, n, 10)
	s = append(s, '.')
	c := crc32.ChecksumIEEE(data)
	for shift := 28; shift >= 0; shift -= 4 {
		s = append(s, "0123456789abcdef"[c>>uint(shift)&0xf])
	}
	return core.Version(s)
}

// foreignVersion is the version of a file that another program wrote
// without our version member: a hash of its content.
func foreignVersion(data []byte) core.Version {
	sum := sha256.Sum256(data)
	return core.Version("sha256-" + hex.EncodeToString(sum[:12]))
}

// parseVersionField finds our version member at the end of data.
func parseVersionField(data []byte) (inc string, n uint64, ok bool) {
	end := len(data)
	for end > 0 && (data[end-1] == '\n' || data[end-1] == ' ' || data[end-1] == '\r' || data[end-1] == '\t') {
		end--
	}
	if end < 2 || data[end-2] != '"' || data[end-1] != '}' {
		return "", 0, false
	}
	i := bytes.LastIndex(data[:end-2], []byte(versionField))
	if i < 0 {
		return "", 0, false
	}
	val := data[i+len(versionField) : end-2]
	if len(val) < incLen+2 || len(val) > incLen+1+20 || val[incLen] != '.' {
		return "", 0, false
	}
	for _, c := range val[:incLen] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", 0, false
		}
	}
	for _, c := range val[incLen+1:] {
		if c < '0' || c > '9' {
			return "", 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return "", 0, false
		}
		n = n*10 + d
	}
	return string(val[:incLen]), n, true
}

// load reads and decodes the record file.
func (l *Lock) load() (state, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	data, err := readFile(l.path, (*bp)[:0])
	*bp = data[:0]
	if err != nil {
		return state{}, l.readError(err)
	}
	return l.decode(data)
}

// decode parses the content of the record file.
func (l *Lock) decode(data []byte) (state, error) {
	if len(data) == 0 {
		return state{}, fmt.Errorf("file: %s: corrupt record: the file is empty (%w); it is never overwritten: inspect it, then delete it to start over",
			l.path, core.ErrInvalidRecord)
	}
	rec, err := core.ParseRecord(data)
	if err != nil {
		return state{}, fmt.Errorf("file: %s: corrupt record (it is never overwritten: inspect it, then delete it to start over): %w",
			l.path, err)
	}
	st := state{rec: rec}
	if inc, n, ok := parseVersionField(data); ok {
		st.incarnation, st.counter = inc, n
		st.version = versionOf(data, inc, n)
	} else {
		st.version = foreignVersion(data)
	}
	return st, nil
}

// readFile appends the content of the file at path to buf, reading no more
// than a little over core.MaxRecordSize, which ParseRecord then rejects.
func readFile(path string, buf []byte) ([]byte, error) {
	f, err := openRead(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	for {
		if len(buf) == cap(buf) {
			if len(buf) > core.MaxRecordSize {
				return buf, nil
			}
			buf = append(buf, make([]byte, len(buf)+512)...)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readError turns a failure to read the record file into an error that
// names the file and the problem.
func (l *Lock) readError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("file: %s: %w", l.path, core.ErrNotFound)
	}
	if fi, serr := os.Stat(l.path); serr == nil && fi.IsDir() {
		return fmt.Errorf("file: %s is a directory, not a record file", l.path)
	}
	return describe("file: "+l.path+": reading the record", err)
}

// describe prefixes err with what was being done, and spells out the path
// and operation of a *fs.PathError so that the message names the file.
func describe(what string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %s %s: %w", what, pe.Op, pe.Path, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %s %s to %s: %w", what, le.Op, le.Old, le.New, le.Err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
