package core

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// SchemaVersion is the value of the record's "schema" field that this
// package writes and understands.
const SchemaVersion = 1

// MaxRecordSize is the largest encoded record ParseRecord accepts: 64 KiB.
const MaxRecordSize = 64 << 10

// Record is the state of one lease, as stored by a Lock. Its JSON form is a
// public wire format (see AppendRecord); other languages read and write it.
type Record struct {
	// HolderIdentity is the identity of the candidate that holds the
	// lease, or "" when the lease was released.
	HolderIdentity string

	// LeaseDuration is how long the holder's lease lasts after each
	// renewal, as measured by each observer on its own clock from when it
	// first saw the record's current version. It is stored in whole
	// milliseconds ("leaseDurationMs").
	LeaseDuration time.Duration

	// AcquireTime and RenewTime are the holder's wall-clock times of the
	// acquisition and of the latest renewal. They are for humans: the
	// election never trusts them, since the clocks of hosts differ.
	AcquireTime time.Time
	RenewTime   time.Time

	// LeaderTransitions counts the changes of holder.
	LeaderTransitions int64

	// Term increments on every acquisition, including a re-acquisition by
	// the same holder after a lapse or a release. It never decreases in the
	// store, so the leader can hand it to downstream systems as a fencing
	// token.
	Term int64

	// Seq increments on every write, so that no two writes have the same
	// body: stores that derive ETags from content still see a change.
	Seq int64
}

// timeLayout is RFC 3339 with all nine digits of nanoseconds, in UTC.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// AppendRecord appends the JSON encoding of r to dst and returns the
// extended buffer. It does not allocate when dst has room. The encoding is
// one JSON object with the fields, in order, schema, holderIdentity,
// leaseDurationMs, acquireTime, renewTime, leaderTransitions, term and seq.
// The lease duration is rounded up to a whole millisecond, so that an
// observer never sees a lease shorter than the holder's. Times are written
// in UTC and clamped to the years 0000 to 9999, which RFC 3339 can express.
func AppendRecord(dst []byte, r Record) []byte {
	dst = append(dst, `{"schema":`...)
	dst = strconv.AppendInt(dst, SchemaVersion, 10)
	dst = append(dst, `,"holderIdentity":`...)
	dst = appendString(dst, r.HolderIdentity)
	dst = append(dst, `,"leaseDurationMs":`...)
	ms := int64(r.LeaseDuration / time.Millisecond)
	if r.LeaseDuration%time.Millisecond > 0 {
		ms++
	}
	dst = strconv.AppendInt(dst, ms, 10)
	dst = append(dst, `,"acquireTime":"`...)
	dst = appendTime(dst, r.AcquireTime)
	dst = append(dst, `","renewTime":"`...)
	dst = appendTime(dst, r.RenewTime)
	dst = append(dst, `","leaderTransitions":`...)
	dst = strconv.AppendInt(dst, r.LeaderTransitions, 10)
	dst = append(dst, `,"term":`...)
	dst = strconv.AppendInt(dst, r.Term, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, r.Seq, 10)
	return append(dst, '}')
}

// The instants RFC 3339 can write: years 0000 to 9999.
var (
	firstTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	lastTime  = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// appendTime appends t in UTC, clamped to the years RFC 3339 can write, so
// that a writer's wild clock never makes a record that no reader accepts
// (the times are for humans; the election never trusts them).
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Before(firstTime) {
		t = firstTime
	} else if t.After(lastTime) {
		t = lastTime
	}
	return t.AppendFormat(dst, timeLayout)
}

// MarshalJSON encodes r as AppendRecord does, so that a Record embedded in a
// user's own JSON keeps the wire format.
func (r Record) MarshalJSON() ([]byte, error) {
	return AppendRecord(make([]byte, 0, 256), r), nil
}

// UnmarshalJSON decodes as ParseRecord does.
func (r *Record) UnmarshalJSON(data []byte) error {
	rec, err := ParseRecord(data)
	if err != nil {
		return err
	}
	*r = rec
	return nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does:
// control characters, '"', '\\', '<', '>', '&', U+2028 and U+2029 are
// escaped, and invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
