package core

import (
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of unknown fields' values that ParseRecord
// skips, so that hostile input cannot exhaust the stack.
const maxDepth = 64

// RecordError describes why ParseRecord rejected its input. It wraps
// ErrInvalidRecord.
type RecordError struct {
	Offset int    // byte offset in the input where the problem was found
	Field  string // the field being decoded, or ""
	Msg    string // what was wrong
}

// Error reports the offset, the field and the problem.
func (e *RecordError) Error() string {
	b := make([]byte, 0, 64+len(e.Msg)+len(e.Field))
	b = append(b, "core: invalid record: "...)
	if e.Field != "" {
		b = append(b, "field "...)
		b = strconv.AppendQuote(b, e.Field)
		b = append(b, ": "...)
	}
	b = append(b, e.Msg...)
	b = append(b, " (at byte "...)
	b = strconv.AppendInt(b, int64(e.Offset), 10)
	b = append(b, ')')
	return string(b)
}

// Unwrap returns ErrInvalidRecord.
func (e *RecordError) Unwrap() error { return ErrInvalidRecord }

// ParseRecord decodes a record from its JSON form. It accepts what
// encoding/json would accept into the record's fields: fields in any
// order, unknown fields (ignored, so that a newer writer may add some),
// null for "unset", and insignificant white space. A missing "schema" is
// taken as 1; any other schema than 1 is rejected, as are negative
// counters, a negative lease, malformed or truncated JSON, trailing data
// and input over MaxRecordSize. It never panics.
func ParseRecord(data []byte) (Record, error) {
	var r Record
	if len(data) > MaxRecordSize {
		return r, &RecordError{Offset: MaxRecordSize, Msg: "larger than 64 KiB"}
	}
	p := parser{data: data}
	if err := p.object(&r); err != nil {
		return Record{}, err
	}
	p.space()
	if p.pos != len(p.data) {
		return Record{}, p.fail("trailing data after the record")
	}
	return r, nil
}

type parser struct {
	data  []byte
	pos   int
	field string
	buf   []byte // scratch for unescaping strings
}

func (p *parser) fail(msg string) error {
	return &RecordError{Offset: p.pos, Field: p.field, Msg: msg}
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, or 0 at the end.
func (p *parser) peek() byte {
	p.space()
	if p.pos >= len(p.data) {
		return 0
	}
	return p.data[p.pos]
}

func (p *parser) expect(c byte) error {
	if p.peek() != c {
		if p.pos >= len(p.data) {
			return p.fail("unexpected end of input, want " + strconv.QuoteRune(rune(c)))
		}
		return p.fail("want " + strconv.QuoteRune(rune(c)) + ", found " + strconv.QuoteRune(rune(p.data[p.pos])))
	}
	p.pos++
	return nil
}

func (p *parser) object(r *Record) error {
	if err := p.expect('{'); err != nil {
		if p.pos == 0 && len(p.data) == 0 {
			return p.fail("empty input")
		}
		return err
	}
	if p.peek() == '}' {
		p.pos++
		return nil
	}
	for {
		p.field = ""
		if p.peek() != '"' {
			return p.fail("want a field name")
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := p.member(r, key); err != nil {
			return err
		}
		p.field = ""
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return nil
		case 0:
			return p.fail("unexpected end of input in the record")
		default:
			return p.fail("want ',' or '}' after a field")
		}
	}
}

var fieldNames = [...]string{"schema", "holderIdentity", "leaseDurationMs",
	"acquireTime", "renewTime", "leaderTransitions", "term", "seq"}

// member decodes the value of one field. Field names match exactly, as
// this is a wire format; encoding/json's case-insensitive matching is not
// copied.
func (p *parser) member(r *Record, key []byte) error {
	name := ""
	for _, f := range fieldNames {
		if string(key) == f {
			name = f
			break
		}
	}
	if name == "" {
		return p.skip(0)
	}
	p.field = name
	if p.null() {
		return nil
	}
	switch name {
	case "schema":
		n, err := p.integer()
		if err != nil {
			return err
		}
		if n != SchemaVersion {
			return p.fail("unsupported schema " + strconv.FormatInt(n, 10) + ", want 1")
		}
	case "holderIdentity":
		if p.peek() != '"' {
			return p.fail("want a string")
		}
		s, err := p.str()
		if err != nil {
			return err
		}
		r.HolderIdentity = string(s)
	case "leaseDurationMs":
		n, err := p.counter()
		if err != nil {
			return err
		}
		const maxMs = int64(1<<63-1) / int64(time.Millisecond)
		switch {
		case n <= maxMs:
			r.LeaseDuration = time.Duration(n) * time.Millisecond
		case n == maxMs+1:
			// AppendRecord rounds the largest Durations up to this.
			r.LeaseDuration = 1<<63 - 1
		default:
			return p.fail("lease too long")
		}
	case "acquireTime", "renewTime":
		t, err := p.time()
		if err != nil {
			return err
		}
		if name == "acquireTime" {
			r.AcquireTime = t
		} else {
			r.RenewTime = t
		}
	case "leaderTransitions", "term", "seq":
		n, err := p.counter()
		if err != nil {
			return err
		}
		switch name {
		case "leaderTransitions":
			r.LeaderTransitions = n
		case "term":
			r.Term = n
		default:
			r.Seq = n
		}
	}
	return nil
}

// null consumes a JSON null, which leaves a field unset.
func (p *parser) null() bool {
	if p.peek() == 'n' && p.literal("null") {
		return true
	}
	return false
}

func (p *parser) literal(lit string) bool {
	if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
		p.pos += len(lit)
		return true
	}
	return false
}

func (p *parser) time() (time.Time, error) {
	if p.peek() != '"' {
		return time.Time{}, p.fail("want an RFC 3339 time string")
	}
	start := p.pos
	s, err := p.str()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		p.pos = start
		return time.Time{}, p.fail("not an RFC 3339 time: " + strconv.Quote(string(s)))
	}
	return t, nil
}

// counter reads a non-negative integer.
func (p *parser) counter() (int64, error) {
	start := p.pos
	n, err := p.integer()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		p.pos = start
		return 0, p.fail("negative value")
	}
	return n, nil
}

// integer reads a JSON number that is an integer in int64's range. A
// fraction or an exponent is rejected, as encoding/json does for int64.
func (p *parser) integer() (int64, error) {
	start := p.pos
	if err := p.number(); err != nil {
		return 0, err
	}
	lit := p.data[start:p.pos]
	for _, c := range lit {
		if c == '.' || c == 'e' || c == 'E' {
			p.pos = start
			return 0, p.fail("want an integer, found " + strconv.Quote(string(lit)))
		}
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		p.pos = start
		return 0, p.fail("integer out of range: " + string(lit))
	}
	return n, nil
}

// number consumes a JSON number as RFC 8259 defines it.
func (p *parser) number() error {
	p.space()
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return p.fail("want a number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			return p.fail("want a digit after '.'")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			return p.fail("want a digit in the exponent")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	p.pos = i
	return nil
}

// str reads a JSON string at p.pos (which holds '"') and returns its
// unescaped bytes. The result aliases the input when the string has no
// escapes, and p.buf otherwise; either way it is valid until the next call.
// Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func (p *parser) str() ([]byte, error) {
	p.pos++ // opening quote
	d := p.data
	start := p.pos
	i := start
	for i < len(d) {
		c := d[i]
		if c == '"' {
			p.pos = i + 1
			return d[start:i], nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	buf := append(p.buf[:0], d[start:i]...)
	for {
		if i >= len(d) {
			p.pos = i
			return nil, p.fail("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = buf
			return buf, nil
		case c < 0x20:
			p.pos = i
			return nil, p.fail("control character in string")
		case c == '\\':
			if i+1 >= len(d) {
				p.pos = i
				return nil, p.fail("unterminated escape")
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
				i += 2
			case 'b':
				buf = append(buf, '\b')
				i += 2
			case 'f':
				buf = append(buf, '\f')
				i += 2
			case 'n':
				buf = append(buf, '\n')
				i += 2
			case 'r':
				buf = append(buf, '\r')
				i += 2
			case 't':
				buf = append(buf, '\t')
				i += 2
			case 'u':
				r, n := hex4(d[i+2:])
				if n < 0 {
					p.pos = i
					return nil, p.fail("malformed \\u escape")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						if x, m := hex4(d[i+2:]); m >= 0 {
							r2 = x
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.pos = i
				return nil, p.fail("unknown escape " + strconv.Quote(string(d[i:i+2])))
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, d[i:i+size]...)
			}
			i += size
		}
	}
}

// hex4 decodes four hex digits; n is -1 when they are not.
func hex4(b []byte) (r rune, n int) {
	if len(b) < 4 {
		return 0, -1
	}
	for _, c := range b[:4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, -1
		}
		r = r<<4 | rune(v)
	}
	return r, 4
}

// skip consumes one JSON value of any kind, for fields this package does
// not know.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return p.fail("nested too deeply")
	}
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return err
	case c == '{' || c == '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		p.pos++
		if p.peek() == closing {
			p.pos++
			return nil
		}
		for {
			if c == '{' {
				if p.peek() != '"' {
					return p.fail("want a field name")
				}
				if _, err := p.str(); err != nil {
					return err
				}
				if err := p.expect(':'); err != nil {
					return err
				}
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.pos++
			case closing:
				p.pos++
				return nil
			default:
				return p.fail("want ',' or " + strconv.QuoteRune(rune(closing)))
			}
		}
	case c == 't':
		if p.literal("true") {
			return nil
		}
	case c == 'f':
		if p.literal("false") {
			return nil
		}
	case c == 'n':
		if p.literal("null") {
			return nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 0:
		return p.fail("unexpected end of input, want a value")
	}
	return p.fail("want a JSON value")
}
