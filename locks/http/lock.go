package httplock

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/leaderelection/leaderelection/core"
)

// nonceField is the field the client adds to every record it writes, with
// 16 random hex digits: stores that derive ETags from the content (MinIO,
// S3, Apache with FileETag Digest) then give a new ETag even to a write of
// an identical record, and the client can recognise its own write when a
// store answers a PUT without an ETag. Readers ignore unknown fields.
const nonceField = "writeNonce"

// Get reads the record and its version (the ETag). It returns an error
// wrapping core.ErrNotFound when the store answers 404.
//
// A read needs no trust in the store, so Get does not wait for the probe;
// the first read that the store answers starts it in the background, so
// that it is done before the first write (often the takeover) needs it.
func (l *Lock) Get(ctx context.Context) (core.Record, core.Version, error) {
	resp, err := l.send(ctx, http.MethodGet, l.url, nil, 0)
	if err != nil {
		return core.Record{}, "", err
	}
	switch resp.code {
	case http.StatusOK:
		l.probeEarly()
		return l.decode(http.MethodGet, l.url, resp)
	case http.StatusNotFound:
		l.probeEarly()
		return core.Record{}, "", fmt.Errorf("httplock: GET %s: 404: %w", l.describe, core.ErrNotFound)
	}
	return core.Record{}, "", unexpected(http.MethodGet, l.describe, resp, "want 200 or 404")
}

// decode checks a 200 answer to a GET and returns its record and ETag.
func (l *Lock) decode(method, target string, resp *response) (core.Record, core.Version, error) {
	if resp.tooLarge {
		return core.Record{}, "", fmt.Errorf("httplock: %s %s: %w: longer than %d bytes", method, redact(target), ErrBadRecord, l.maxBody)
	}
	v, err := strongETag(method, target, resp)
	if err != nil {
		return core.Record{}, "", err
	}
	r, err := core.ParseRecord(resp.body)
	if err != nil {
		return core.Record{}, "", fmt.Errorf("httplock: %s %s: %w: %w", method, redact(target), ErrBadRecord, err)
	}
	return r, v, nil
}

// Create stores r with "PUT If-None-Match: *" and returns the new ETag. It
// returns an error wrapping core.ErrConflict when the store answers 412 (a
// record exists).
func (l *Lock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	if err := l.ready(ctx); err != nil {
		return "", err
	}
	return l.put(ctx, l.url, encode(r), "If-None-Match", "*")
}

// Update replaces the record with "PUT If-Match: v" and returns the new
// ETag. It returns an error wrapping core.ErrConflict when the store
// answers 412 (the record moved), or 404 (S3 and MinIO answer so to
// If-Match on a missing key), and without a request when v is not a strong
// ETag, since this Lock never issued such a version.
func (l *Lock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("httplock: PUT %s: %w", l.describe, err)
	}
	if !validStrongETag(string(v)) {
		return "", fmt.Errorf("httplock: PUT %s: version %q is not a strong ETag, so not current: %w", l.describe, v, core.ErrConflict)
	}
	if err := l.ready(ctx); err != nil {
		return "", err
	}
	return l.put(ctx, l.url, encode(r), "If-Match", string(v))
}

// put writes body to target under one precondition and returns the new
// ETag.
func (l *Lock) put(ctx context.Context, target string, body []byte, cond, value string) (core.Version, error) {
	resp, err := l.send(ctx, http.MethodPut, target, body, 0, cond, value)
	if err != nil {
		return "", err
	}
	switch {
	case resp.code == http.StatusPreconditionFailed:
		return "", conflict(http.MethodPut, redact(target), resp.code, cond+": "+value+" refused")
	case resp.code == http.StatusNotFound && cond == "If-Match":
		return "", conflict(http.MethodPut, redact(target), resp.code, "If-Match on a missing record")
	case resp.code < 200 || resp.code > 299:
		return "", unexpected(http.MethodPut, redact(target), resp, "want 2xx or 412")
	}
	if resp.etag() == "" {
		return l.learnETag(ctx, target, body)
	}
	return strongETag(http.MethodPut, target, resp)
}

// learnETag finds the ETag of a write whose answer carried none (Apache's
// mod_dav answers a PUT without one). It reads the record back: when the
// body read is byte for byte the one written, the ETag read is the one of
// this write, since every body carries a random nonce that no other write
// has. Otherwise another write came in between, and the version of ours is
// lost: the caller gets core.ErrConflict, which is the truth about the
// record now (it is no longer at our write). A HEAD would not be safe: it
// cannot tell our write from a later one.
//
// The read-back is not aborted when ctx is cancelled (its deadline still
// holds): the write happened, and its caller is better served by its
// version than by an error.
func (l *Lock) learnETag(ctx context.Context, target string, body []byte) (core.Version, error) {
	ctx, cancel := detach(ctx)
	defer cancel()
	resp, err := l.send(ctx, http.MethodGet, target, nil, 0)
	if err != nil {
		return "", fmt.Errorf("httplock: PUT %s answered without an ETag, reading it back: %w", redact(target), err)
	}
	switch {
	case resp.code == http.StatusNotFound:
		return "", fmt.Errorf("httplock: PUT %s answered without an ETag, and the record was gone when read back: %w",
			redact(target), core.ErrConflict)
	case resp.code != http.StatusOK:
		return "", unexpected(http.MethodGet, redact(target), resp, "reading back a PUT that answered without an ETag")
	case !bytes.Equal(resp.body, body):
		return "", fmt.Errorf("httplock: PUT %s answered without an ETag, and another write came before it was read back: %w",
			redact(target), core.ErrConflict)
	}
	return strongETag(http.MethodGet, target, resp)
}

// encode returns r's JSON form with a random nonce field.
func encode(r core.Record) []byte {
	b := core.AppendRecord(make([]byte, 0, 256), r)
	b = b[:len(b)-1] // the closing brace
	b = append(b, `,"`+nonceField+`":"`...)
	n := rand.Uint64()
	for i := 60; i >= 0; i -= 4 {
		b = append(b, "0123456789abcdef"[n>>uint(i)&0xf])
	}
	return append(b, `"}`...)
}

// strongETag returns the answer's ETag as a version, or an error wrapping
// ErrBadETag when it is missing, weak or malformed.
func strongETag(method, target string, resp *response) (core.Version, error) {
	e := strings.TrimSpace(resp.etag())
	switch {
	case e == "":
		return "", fmt.Errorf("httplock: %s %s: %w: the answer (%s) has no ETag", method, redact(target), ErrBadETag, resp.status)
	case strings.HasPrefix(e, "W/"):
		return "", fmt.Errorf("httplock: %s %s: %w: ETag %s is weak, and a weak ETag never satisfies If-Match "+
			"(Apache: set FileETag Digest)", method, redact(target), ErrBadETag, e)
	case !validStrongETag(e):
		return "", fmt.Errorf("httplock: %s %s: %w: malformed ETag %q (want a quoted string)", method, redact(target), ErrBadETag, e)
	}
	return core.Version(e), nil
}

// validStrongETag reports whether e is a strong entity tag of RFC 9110: a
// double-quoted string of visible characters other than the quote.
func validStrongETag(e string) bool {
	if len(e) < 2 || e[0] != '"' || e[len(e)-1] != '"' {
		return false
	}
	for i := 1; i < len(e)-1; i++ {
		c := e[i]
		if c < 0x21 || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}
