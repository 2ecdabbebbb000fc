package core_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

func TestParseRecordErrors(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		in     string
		field  string // RecordError.Field
		msg    string // a substring of the message
	}{
		{"empty", "no input at all", "", "", "empty input"},
		{"blank", "white space only", " \n\t", "", "unexpected end of input, want '{'"},
		{"not-object", "the record is one JSON object", `["schema",1]`, "", `want '{', found '['`},
		{"null", "null is no record (encoding/json would accept it as a no-op)", `null`, "", `want '{', found 'n'`},
		{"truncated-string", "cut inside a string", `{"schema":1,"holderIdentity":"a`, "holderIdentity", "unterminated string"},
		{"truncated-key", "cut after a comma", `{"schema":1,`, "", "want a field name"},
		{"truncated-object", "cut before the closing brace", `{"schema":1`, "", "unexpected end of input in the record"},
		{"truncated-value", "cut after a colon", `{"term":`, "term", "want a number"},
		{"truncated-unknown", "cut inside an unknown field's value", `{"x":[1,`, "", "unexpected end of input, want a value"},
		{"oversized", "more than 64 KiB", `{"x":"` + strings.Repeat("a", core.MaxRecordSize) + `"}`, "", "larger than 64 KiB"},
		{"schema-2", "a newer, incompatible schema", `{"schema":2}`, "schema", "unsupported schema 2, want 1"},
		{"schema-0", "schema 0 does not exist", `{"schema":0}`, "schema", "unsupported schema 0"},
		{"schema-string", "schema is a number", `{"schema":"1"}`, "schema", "want a number"},
		{"negative-term", "terms never go below 0", `{"term":-1}`, "term", "negative value"},
		{"negative-seq", "counters are not negative", `{"seq":-5}`, "seq", "negative value"},
		{"negative-transitions", "counters are not negative", `{"leaderTransitions":-1}`, "leaderTransitions", "negative value"},
		{"negative-lease", "a lease is not negative", `{"leaseDurationMs":-900}`, "leaseDurationMs", "negative value"},
		{"lease-overflow", "milliseconds beyond a Duration's range", `{"leaseDurationMs":9223372036856}`, "leaseDurationMs", "lease too long"},
		{"fraction", "counters are integers", `{"term":1.5}`, "term", `want an integer, found "1.5"`},
		{"exponent", "encoding/json rejects 1e3 for an int64 too", `{"seq":1e3}`, "seq", `want an integer, found "1e3"`},
		{"out-of-range", "beyond int64", `{"term":99999999999999999999}`, "term", "integer out of range"},
		{"bad-number", "a leading zero is not JSON", `{"term":01}`, "", "want ',' or '}' after a field"},
		{"holder-number", "holderIdentity is a string", `{"holderIdentity":5}`, "holderIdentity", "want a string"},
		{"holder-bool", "holderIdentity is a string", `{"holderIdentity":true}`, "holderIdentity", "want a string"},
		{"term-string", "term is a number", `{"term":"5"}`, "term", "want a number"},
		{"time-number", "times are strings", `{"renewTime":1700000000}`, "renewTime", "want an RFC 3339 time string"},
		{"time-malformed", "times are RFC 3339", `{"acquireTime":"yesterday"}`, "acquireTime", `not an RFC 3339 time: "yesterday"`},
		{"time-hour-24", "hour 24 does not exist", `{"acquireTime":"2025-01-01T24:00:00Z"}`, "acquireTime", "not an RFC 3339 time"},
		{"control-char", "raw control characters are not allowed in strings", "{\"holderIdentity\":\"a\x01\"}", "holderIdentity", "control character in string"},
		{"bad-escape", `\x is no JSON escape`, `{"holderIdentity":"\x41"}`, "holderIdentity", `unknown escape "\\x"`},
		{"bad-unicode-escape", `\u needs four hex digits`, `{"holderIdentity":"\u12"}`, "holderIdentity", `malformed \u escape`},
		{"trailing", "one object only", `{"term":1} {"term":2}`, "", "trailing data after the record"},
		{"trailing-comma", "no trailing commas in JSON", `{"term":1,}`, "", "want a field name"},
		{"missing-colon", "key then colon", `{"term" 1}`, "", `want ':', found '1'`},
		{"unquoted-key", "keys are strings", `{term:1}`, "", "want a field name"},
		{"single-quotes", "JSON strings use double quotes", `{'term':1}`, "", "want a field name"},
		{"deep-nesting", "an unknown field nested 10000 deep must not exhaust the stack",
			`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, "", "nested too deeply"},
		{"deep-objects", "nested objects count too",
			`{"x":` + strings.Repeat(`{"y":`, 100) + "1" + strings.Repeat("}", 100) + `}`, "", "nested too deeply"},
		{"bad-literal", "only true, false and null", `{"x":nul}`, "", "want a JSON value"},
		{"bom", "no byte-order mark", "\ufeff{}", "", "want '{'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := core.ParseRecord([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseRecord() = %+v, nil; want an error (%s)", r, tt.reason)
			}
			if !errors.Is(err, core.ErrInvalidRecord) {
				t.Errorf("errors.Is(%v, ErrInvalidRecord) = false", err)
			}
			var re *core.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is a %T, want *core.RecordError", err, err)
			}
			if re.Offset < 0 || re.Offset > len(tt.in) {
				t.Errorf("Offset = %d, outside the input of %d bytes", re.Offset, len(tt.in))
			}
			if diff := cmp.Diff(core.Record{}, r); diff != "" {
				t.Errorf("a rejected record must be zero (-want +got):\n%s", diff)
			}
			got := struct{ Field, Msg string }{re.Field, tt.msg}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "core: invalid record: ") {
				got.Msg = err.Error()
			}
			if diff := cmp.Diff(struct{ Field, Msg string }{tt.field, tt.msg}, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestParseRecordAccepts(t *testing.T) {
	full := core.Record{HolderIdentity: "node-1", LeaseDuration: 900 * time.Millisecond,
		AcquireTime: time.Date(2025, 1, 1, 0, 0, 0, 123456789, time.UTC),
		RenewTime:   time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC), LeaderTransitions: 2, Term: 3, Seq: 4}
	tests := []struct {
		name   string
		reason string
		in     string
		want   core.Record
	}{
		{"empty-object", "every field is optional", `{}`, core.Record{}},
		{"no-schema", "a missing schema is taken as 1", `{"term":3}`, core.Record{Term: 3}},
		{"canonical", "what AppendRecord writes",
			`{"schema":1,"holderIdentity":"node-1","leaseDurationMs":900,"acquireTime":"2025-01-01T00:00:00.123456789Z",` +
				`"renewTime":"2025-01-01T00:00:01.000000000Z","leaderTransitions":2,"term":3,"seq":4}`, full},
		{"any-order-and-space", "fields in any order, insignificant white space",
			" {\n\t\"seq\" : 4 , \"term\":3,\"leaderTransitions\":2,\"renewTime\":\"2025-01-01T00:00:01Z\",\r\n" +
				`"acquireTime":"2025-01-01T00:00:00.123456789Z","leaseDurationMs":900,"holderIdentity":"node-1","schema":1} `, full},
		{"unknown-fields", "a newer writer may add fields, of any kind",
			`{"zone":"eu","x":{"a":[1,2.5e3,-0,true,false,null,{"b":"\u00e9"}]},"term":7,"y":[]}`, core.Record{Term: 7}},
		{"null", "null leaves a field unset", `{"holderIdentity":null,"term":null,"renewTime":null,"schema":null}`, core.Record{}},
		{"duplicate-last-wins", "as encoding/json", `{"term":1,"term":2}`, core.Record{Term: 2}},
		{"escapes", "JSON escapes in strings, a surrogate pair included",
			`{"holderIdentity":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}`, core.Record{HolderIdentity: "a\"b\\c/d\né😀"}},
		{"escaped-key", "keys are unescaped before matching", `{"\u0074erm":5}`, core.Record{Term: 5}},
		{"case-exact", "field names match exactly (unlike encoding/json): Term is an unknown field", `{"Term":5}`, core.Record{}},
		{"invalid-utf8", "invalid UTF-8 becomes U+FFFD, as encoding/json does", "{\"holderIdentity\":\"a\xffb\"}",
			core.Record{HolderIdentity: "a\ufffdb"}},
		{"lone-surrogate", "a lone surrogate becomes U+FFFD", `{"holderIdentity":"\ud800x"}`, core.Record{HolderIdentity: "\ufffdx"}},
		{"offset-time", "times with an offset", `{"renewTime":"2025-01-01T01:00:00+01:00"}`,
			core.Record{RenewTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"nesting-ok", "moderate nesting in unknown fields is fine",
			`{"x":` + strings.Repeat("[", 50) + strings.Repeat("]", 50) + `,"term":1}`, core.Record{Term: 1}},
		{"max-lease", "the largest lease AppendRecord writes (a Duration of MaxInt64, rounded up to ms)",
			`{"leaseDurationMs":9223372036855}`, core.Record{LeaseDuration: 1<<63 - 1}},
		{"exactly-64KiB", "the limit is inclusive", `{"x":"` + strings.Repeat("a", core.MaxRecordSize-9) + `"}`, core.Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := core.ParseRecord([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseRecord() error: %v (%s)", err, tt.reason)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRecord() mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		in     core.Record
		want   core.Record // after AppendRecord and ParseRecord
	}{
		{"zero", "the zero record", core.Record{}, core.Record{}},
		{"typical", "a renewed lease", core.Record{HolderIdentity: "host-1/pid-42", LeaseDuration: 15 * time.Second,
			AcquireTime: time.Date(2025, 6, 1, 12, 0, 0, 1, time.UTC), RenewTime: time.Date(2025, 6, 1, 12, 0, 2, 999999999, time.UTC),
			LeaderTransitions: 3, Term: 9, Seq: 120},
			core.Record{HolderIdentity: "host-1/pid-42", LeaseDuration: 15 * time.Second,
				AcquireTime: time.Date(2025, 6, 1, 12, 0, 0, 1, time.UTC), RenewTime: time.Date(2025, 6, 1, 12, 0, 2, 999999999, time.UTC),
				LeaderTransitions: 3, Term: 9, Seq: 120}},
		{"900ms", "sub-second leases are kept exactly", core.Record{LeaseDuration: 900 * time.Millisecond},
			core.Record{LeaseDuration: 900 * time.Millisecond}},
		{"round-up", "sub-millisecond parts round UP: an observer never sees a shorter lease",
			core.Record{LeaseDuration: 900*time.Millisecond + 1}, core.Record{LeaseDuration: 901 * time.Millisecond}},
		{"max-lease", "the largest Duration is a valid LeaseDuration and must be readable back",
			core.Record{LeaseDuration: 1<<63 - 1}, core.Record{LeaseDuration: 1<<63 - 1}},
		{"local-zone", "times are written in UTC; the instant is kept",
			core.Record{RenewTime: time.Date(2025, 1, 1, 3, 0, 0, 0, time.FixedZone("X", 3*3600))},
			core.Record{RenewTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"year-10000", "RFC 3339 has 4-digit years: later times are clamped to the last instant of 9999, still readable",
			core.Record{RenewTime: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)},
			core.Record{RenewTime: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}},
		{"year-minus-1", "earlier times are clamped to the first instant of year 0",
			core.Record{AcquireTime: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
			core.Record{AcquireTime: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"escapes", "HTML-sensitive and control characters, U+2028, invalid UTF-8",
			core.Record{HolderIdentity: "<a&b>\"\\\x00\x1f\t\u2028\u2029\xff"},
			core.Record{HolderIdentity: "<a&b>\"\\\x00\x1f\t\u2028\u2029\ufffd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := core.AppendRecord(nil, tt.in)
			if !json.Valid(b) {
				t.Fatalf("AppendRecord() = %s, not valid JSON", b)
			}
			got, err := core.ParseRecord(b)
			if err != nil {
				t.Fatalf("ParseRecord(%s): %v (%s)", b, err, tt.reason)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("round trip of %s mismatch (-want +got):\n%s\nreason: %s", b, diff, tt.reason)
			}
		})
	}
}

// TestRecordJSONMethods checks that a Record inside a user's own JSON keeps
// the wire format.
func TestRecordJSONMethods(t *testing.T) {
	in := struct {
		R core.Record `json:"lease"`
	}{core.Record{HolderIdentity: "a", LeaseDuration: time.Second, Term: 2, Seq: 3}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"lease":{"schema":1,"holderIdentity":"a","leaseDurationMs":1000,"acquireTime":"0001-01-01T00:00:00.000000000Z",` +
		`"renewTime":"0001-01-01T00:00:00.000000000Z","leaderTransitions":0,"term":2,"seq":3}}`
	if string(b) != want {
		t.Errorf("json.Marshal = %s\nwant %s", b, want)
	}
	var out struct {
		R core.Record `json:"lease"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in.R, out.R); diff != "" {
		t.Errorf("json.Unmarshal mismatch (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"lease":{"term":-1}}`), &out); !errors.Is(err, core.ErrInvalidRecord) {
		t.Errorf("json.Unmarshal of a negative term: %v, want ErrInvalidRecord", err)
	}
}

// TestAppendRecordAllocs checks that AppendRecord into a buffer with room
// does not allocate.
func TestAppendRecordAllocs(t *testing.T) {
	r := core.Record{HolderIdentity: "node-1", LeaseDuration: 15 * time.Second, AcquireTime: t0, RenewTime: t0, Term: 3, Seq: 9}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { buf = core.AppendRecord(buf[:0], r) }); n != 0 {
		t.Errorf("AppendRecord allocates %v times per call, want 0", n)
	}
}
