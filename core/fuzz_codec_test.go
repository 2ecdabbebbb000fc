package core_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

// mirror is the record as encoding/json decodes it: the oracle of the
// codec fuzz targets.
type mirror struct {
	Schema            *int64    `json:"schema"`
	HolderIdentity    string    `json:"holderIdentity"`
	LeaseDurationMs   int64     `json:"leaseDurationMs"`
	AcquireTime       time.Time `json:"acquireTime"`
	RenewTime         time.Time `json:"renewTime"`
	LeaderTransitions int64     `json:"leaderTransitions"`
	Term              int64     `json:"term"`
	Seq               int64     `json:"seq"`
}

var fieldNames = []string{"schema", "holderIdentity", "leaseDurationMs", "acquireTime", "renewTime",
	"leaderTransitions", "term", "seq"}

const maxLeaseMs = int64(1<<63-1)/int64(time.Millisecond) + 1 // AppendRecord's largest

// clampTime is what AppendRecord does to a time: UTC, years 0000-9999.
func clampTime(t time.Time) time.Time {
	first := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	switch t = t.UTC(); {
	case t.Before(first):
		return first
	case t.After(last):
		return last
	}
	return t
}

// incomparable reports whether encoding/json and ParseRecord are not
// meant to agree on data: when a top-level key matches a field name only
// case-insensitively (encoding/json folds case; the wire format's names are
// exact) or when a field appears twice (ParseRecord checks each
// occurrence, encoding/json only keeps the last).
func incomparable(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		for _, f := range fieldNames {
			if strings.EqualFold(key, f) {
				if key != f || seen[f] {
					return true
				}
				seen[f] = true
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// deliberate reports why ParseRecord rejects what encoding/json accepted
// into m, or "" when there is no deliberate reason. The other deliberate
// differences: ParseRecord rejects a top-level null (encoding/json takes it
// as a no-op) and unknown fields nested deeper than 64 levels.
func deliberate(m mirror) string {
	switch {
	case m.Schema != nil && *m.Schema != 1:
		return "schema"
	case m.LeaseDurationMs < 0 || m.LeaderTransitions < 0 || m.Term < 0 || m.Seq < 0:
		return "negative"
	case m.LeaseDurationMs > maxLeaseMs:
		return "lease too long"
	}
	return ""
}

func fuzzSeeds() []string {
	return []string{
		``, `{}`, `null`, `[]`, `{"schema":1}`, `{"schema":2}`,
		string(core.AppendRecord(nil, core.Record{HolderIdentity: "a", LeaseDuration: 900 * time.Millisecond,
			AcquireTime: time.Date(2025, 1, 1, 0, 0, 0, 5, time.UTC), RenewTime: time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC),
			LeaderTransitions: 1, Term: 2, Seq: 3})),
		`{"holderIdentity":"\u00e9\ud83d\ude00\"","term":1e3}`,
		`{"term":-1}`, `{"Term":5}`, `{"term":1,"term":2}`, `{"x":[[[{"y":null}]]],"seq":7}`,
		`{"renewTime":"2025-01-01T01:00:00+01:00"}`, `{"acquireTime":"0000-01-01T00:00:00+01:00"}`,
		`{"leaseDurationMs":9223372036855}`, `{"leaseDurationMs":9223372036856}`,
		"{\"holderIdentity\":\"a\xffb\"}", `{"holderIdentity":"\ud800\u0041"}`, ` { "seq" : 4 } `,
	}
}

// FuzzParseRecord: ParseRecord never panics; what it accepts round-trips
// through AppendRecord and ParseRecord to the same record (times in UTC,
// clamped to years 0000-9999 as AppendRecord writes them) and the same
// bytes; and it agrees with encoding/json, the oracle, except where they
// differ by design (see incomparable and deliberate).
func FuzzParseRecord(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := core.ParseRecord(data)
		if err == nil {
			b := core.AppendRecord(nil, r)
			r2, err := core.ParseRecord(b)
			if err != nil {
				t.Fatalf("ParseRecord(AppendRecord(%+v)) = %v\nencoded: %s", r, err, b)
			}
			want := r
			want.AcquireTime, want.RenewTime = clampTime(r.AcquireTime), clampTime(r.RenewTime)
			if diff := cmp.Diff(want, r2); diff != "" {
				t.Fatalf("round trip mismatch (-want +got):\n%s\nencoded: %s", diff, b)
			}
			if b2 := core.AppendRecord(nil, r2); !bytes.Equal(b, b2) {
				t.Fatalf("encoding is not a fixed point:\n%s\n%s", b, b2)
			}
		}
		if len(data) > core.MaxRecordSize {
			return
		}
		var m mirror
		jerr := json.Unmarshal(data, &m)
		switch {
		case incomparable(data):
			return
		case jerr != nil && err == nil:
			t.Fatalf("ParseRecord accepted what encoding/json rejects (%v): %q -> %+v", jerr, data, r)
		case jerr != nil:
			return
		case err != nil:
			if deliberate(m) == "" && !strings.Contains(err.Error(), "nested too deeply") &&
				string(bytes.TrimSpace(data)) != "null" {
				t.Fatalf("ParseRecord rejected what encoding/json accepts: %v\ninput: %q\njson: %+v", err, data, m)
			}
			return
		}
		want := core.Record{HolderIdentity: m.HolderIdentity, LeaseDuration: time.Duration(m.LeaseDurationMs) * time.Millisecond,
			AcquireTime: m.AcquireTime, RenewTime: m.RenewTime, LeaderTransitions: m.LeaderTransitions, Term: m.Term, Seq: m.Seq}
		if m.LeaseDurationMs == maxLeaseMs {
			want.LeaseDuration = 1<<63 - 1
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Fatalf("ParseRecord disagrees with encoding/json (-json +ours):\n%s\ninput: %q", diff, data)
		}
	})
}

// FuzzAppendRecord: whatever the record, AppendRecord writes valid JSON
// that encoding/json decodes to the same values (invalid UTF-8 in the
// holder replaced by U+FFFD per byte, the lease rounded up to whole
// milliseconds, times in UTC clamped to years 0000-9999), and that
// ParseRecord reads back to the same when the counters are not negative.
func FuzzAppendRecord(f *testing.F) {
	f.Add("a", int64(15*time.Second), int64(1735689600), int64(5), int64(1735689602), int64(999999999), int64(1), int64(2), int64(3))
	f.Add("<&>\u2028\x00\xff", int64(900*time.Millisecond+1), int64(0), int64(0), int64(-62135596800), int64(0), int64(0), int64(0), int64(0))
	f.Add("", int64(-1), int64(1<<62), int64(-1), int64(-1<<62), int64(1<<40), int64(-1), int64(1<<63-1), int64(-1<<63))
	f.Add("x", int64(1<<63-1), int64(253402300799), int64(999999999), int64(-62167219200), int64(0), int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, holder string, lease, acqSec, acqNsec, renSec, renNsec, trans, term, seq int64) {
		r := core.Record{HolderIdentity: holder, LeaseDuration: time.Duration(lease),
			AcquireTime: time.Unix(acqSec, acqNsec), RenewTime: time.Unix(renSec, renNsec),
			LeaderTransitions: trans, Term: term, Seq: seq}
		b := core.AppendRecord(nil, r)
		if !json.Valid(b) {
			t.Fatalf("AppendRecord(%+v) = %s: not valid JSON", r, b)
		}
		var m mirror
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("encoding/json cannot decode %s: %v", b, err)
		}
		ms := lease / int64(time.Millisecond)
		if lease%int64(time.Millisecond) > 0 {
			ms++
		}
		one := int64(1)
		want := mirror{Schema: &one, HolderIdentity: string([]rune(holder)), LeaseDurationMs: ms,
			AcquireTime: clampTime(r.AcquireTime), RenewTime: clampTime(r.RenewTime),
			LeaderTransitions: trans, Term: term, Seq: seq}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Fatalf("encoding/json reads %s differently (-want +got):\n%s", b, diff)
		}
		got, err := core.ParseRecord(b)
		if lease < 0 || trans < 0 || term < 0 || seq < 0 {
			if err == nil {
				t.Fatalf("ParseRecord accepted negative values in %s", b)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseRecord(%s): %v", b, err)
		}
		wantRec := core.Record{HolderIdentity: want.HolderIdentity, LeaseDuration: time.Duration(ms) * time.Millisecond,
			AcquireTime: want.AcquireTime, RenewTime: want.RenewTime, LeaderTransitions: trans, Term: term, Seq: seq}
		if ms == maxLeaseMs {
			wantRec.LeaseDuration = 1<<63 - 1
		}
		if diff := cmp.Diff(wantRec, got); diff != "" {
			t.Fatalf("ParseRecord(%s) mismatch (-want +got):\n%s", b, diff)
		}
	})
}
