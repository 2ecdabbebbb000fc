package httplock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"

	"github.com/leaderelection/leaderelection/core"
)

// probeGate runs the probe once before a Lock's first write. A probe
// that fails for a transient reason (the store cannot be reached) runs
// again at the next operation; a store found untrustworthy stays refused.
type probeGate struct {
	sem  chan struct{} // held while a probe runs; a channel so that waiting honours ctx
	done bool          // the probe passed; guarded by sem
	err  error         // the store failed the probe (wraps ErrUntrustedStore); guarded by sem
}

func (g *probeGate) init() { g.sem = make(chan struct{}, 1) }

// probeEarly starts the probe in the background, once, when the store has
// answered a read: a standby candidate's first write is usually the
// takeover itself, which must not wait for the probe's round trips. The
// write still waits for the probe (ready) if it has not finished, and runs
// it again if it failed for a passing reason.
func (l *Lock) probeEarly() {
	if !l.probe || !l.early.CompareAndSwap(false, true) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 8*l.timeout)
		defer cancel()
		_ = l.ready(ctx) // a failure is kept, or retried by the first write
	}()
}

// ready returns nil once the store has passed the probe, running it if
// needed; it returns at once when the Lock was made WithoutProbe.
func (l *Lock) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("httplock: %s: %w", l.describe, err)
	}
	if !l.probe {
		return nil
	}
	select {
	case l.gate.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("httplock: %s: waiting for the store probe: %w", l.describe, ctx.Err())
	}
	defer func() { <-l.gate.sem }()
	if l.gate.done {
		return nil
	}
	if l.gate.err != nil {
		return l.gate.err
	}
	err := l.Probe(ctx)
	switch {
	case err == nil:
		l.gate.done = true
	case errors.Is(err, ErrUntrustedStore):
		l.gate.err = err
	}
	return err
}

// probeRecord is the record the probe writes; seq makes each write differ.
func probeRecord(seq int64) []byte {
	return encode(core.Record{HolderIdentity: "leaderelection-probe", Seq: seq})
}

// sibling returns the lock's URL with suffix appended to its path: the
// same collection, bucket or directory, but another record.
func (l *Lock) sibling(suffix string) (string, error) {
	u, err := url.Parse(l.url)
	if err != nil {
		return "", err
	}
	u.Path += suffix
	if u.RawPath != "" {
		u.RawPath += suffix
	}
	return u.String(), nil
}

// Probe checks that the store honours conditional requests, on records
// next to the lock's (its URL plus ".probe-" and random hex digits), never
// on the lock's record itself. In order, it checks that:
//
//  1. PUT If-None-Match: * creates a new record (2xx);
//  2. a second PUT If-None-Match: * is refused (412);
//  3. GET answers the record with a strong ETag (weak ones never satisfy
//     If-Match);
//  4. PUT If-Match with that ETag succeeds and the ETag changes;
//  5. PUT If-Match with the old, now stale ETag is refused (412);
//  6. PUT If-Match on a record that does not exist is refused (412, or 404
//     as S3 answers) and creates nothing.
//
// Then it deletes the probe's records (plain DELETE; errors ignored). It
// returns an error wrapping ErrUntrustedStore that names the store's URL
// and the check that failed when the store accepted a write it had to
// refuse, or gave weak or unchanging ETags; nginx's dav module, s3rver and
// golang.org/x/net/webdav fail it. Any other error (unreachable, 5xx,
// auth) is returned as it is.
func (l *Lock) Probe(ctx context.Context) error {
	suffix := ".probe-" + strconv.FormatUint(rand.Uint64(), 16)
	target, err := l.sibling(suffix)
	if err != nil {
		return fmt.Errorf("httplock: probe of %s: %w", l.describe, err)
	}
	missing, err := l.sibling(suffix + "-missing")
	if err != nil {
		return fmt.Errorf("httplock: probe of %s: %w", l.describe, err)
	}
	p := &prober{l: l, target: target, shown: redact(target)}
	err = p.run(ctx, missing)
	p.cleanup(ctx)
	return err
}

// prober carries the state of one probe.
type prober struct {
	l       *Lock
	target  string // the probe record's URL
	shown   string // target, redacted
	written bool   // target may exist: delete it at the end
	etag    string // target's latest ETag
	missing string // the missing record's URL when the store created it
}

// untrusted builds the error for a failed check.
func (p *prober) untrusted(format string, args ...any) error {
	return fmt.Errorf("%w: the store at %s %s (on probe record %s); refusing to use it as a lock",
		ErrUntrustedStore, p.l.describe, fmt.Sprintf(format, args...), p.shown)
}

// run performs the checks.
func (p *prober) run(ctx context.Context, missing string) error {
	if err := p.create(ctx); err != nil {
		return err
	}
	v1, err := p.read(ctx, "after a create")
	if err != nil {
		return err
	}
	v2, err := p.update(ctx, v1)
	if err != nil {
		return err
	}
	if err := p.stale(ctx, v1, v2); err != nil {
		return err
	}
	return p.updateMissing(ctx, missing)
}

// create checks steps 1 and 2.
func (p *prober) create(ctx context.Context) error {
	resp, err := p.l.send(ctx, http.MethodPut, p.target, probeRecord(1), 0, "If-None-Match", "*")
	if err != nil {
		return fmt.Errorf("httplock: probe: %w", err)
	}
	p.written = true
	if resp.code < 200 || resp.code > 299 {
		return unexpected(http.MethodPut, p.shown, resp, "probe: create with If-None-Match: * of a new record; want 2xx")
	}
	resp, err = p.l.send(ctx, http.MethodPut, p.target, probeRecord(2), 0, "If-None-Match", "*")
	if err != nil {
		return fmt.Errorf("httplock: probe: %w", err)
	}
	switch {
	case resp.code >= 200 && resp.code <= 299:
		return p.untrusted("ignores If-None-Match: * (a create over an existing record answered %s)", resp.status)
	case resp.code != http.StatusPreconditionFailed:
		return unexpected(http.MethodPut, p.shown, resp, "probe: create with If-None-Match: * over an existing record; want 412")
	}
	return nil
}

// read checks step 3 and returns the ETag.
func (p *prober) read(ctx context.Context, when string) (string, error) {
	resp, err := p.l.send(ctx, http.MethodGet, p.target, nil, 0)
	if err != nil {
		return "", fmt.Errorf("httplock: probe: %w", err)
	}
	if resp.code != http.StatusOK {
		return "", unexpected(http.MethodGet, p.shown, resp, "probe: read "+when+"; want 200")
	}
	v, err := strongETag(http.MethodGet, p.target, resp)
	if err != nil {
		return "", p.untrusted("gives no usable strong ETag %s: %v", when, err)
	}
	p.etag = string(v)
	return p.etag, nil
}

// update checks step 4 and returns the new ETag.
func (p *prober) update(ctx context.Context, v1 string) (string, error) {
	resp, err := p.l.send(ctx, http.MethodPut, p.target, probeRecord(3), 0, "If-Match", v1)
	if err != nil {
		return "", fmt.Errorf("httplock: probe: %w", err)
	}
	if resp.code < 200 || resp.code > 299 {
		return "", unexpected(http.MethodPut, p.shown, resp, "probe: update with the current If-Match; want 2xx")
	}
	v2, err := p.read(ctx, "after an update")
	if err != nil {
		return "", err
	}
	if v2 == v1 {
		return "", p.untrusted("kept ETag %s after a write that changed the record", v1)
	}
	if e := resp.etag(); e != "" && e != v2 {
		return "", p.untrusted("answered a PUT with ETag %s but then served the record with ETag %s", e, v2)
	}
	return v2, nil
}

// stale checks step 5.
func (p *prober) stale(ctx context.Context, v1, v2 string) error {
	resp, err := p.l.send(ctx, http.MethodPut, p.target, probeRecord(4), 0, "If-Match", v1)
	if err != nil {
		return fmt.Errorf("httplock: probe: %w", err)
	}
	switch {
	case resp.code >= 200 && resp.code <= 299:
		p.etag = ""
		return p.untrusted("ignores If-Match (a PUT with the stale If-Match %s, current %s, answered %s)", v1, v2, resp.status)
	case resp.code != http.StatusPreconditionFailed:
		return unexpected(http.MethodPut, p.shown, resp, "probe: update with a stale If-Match; want 412")
	}
	return nil
}

// updateMissing checks step 6.
func (p *prober) updateMissing(ctx context.Context, missing string) error {
	resp, err := p.l.send(ctx, http.MethodPut, missing, probeRecord(5), 0, "If-Match", `"leaderelection-probe-never-issued"`)
	if err != nil {
		return fmt.Errorf("httplock: probe: %w", err)
	}
	switch resp.code {
	case http.StatusPreconditionFailed, http.StatusNotFound:
		return nil
	}
	if resp.code >= 200 && resp.code <= 299 {
		p.missing = missing
		return p.untrusted("ignores If-Match on a missing record (a PUT to %s with If-Match answered %s and created it)",
			redact(missing), resp.status)
	}
	return unexpected(http.MethodPut, redact(missing), resp, "probe: update of a missing record; want 412 or 404")
}

// cleanup deletes what the probe wrote, ignoring errors: with If-Match
// where the ETag is known (a store that honours it then deletes only its
// own record), plainly otherwise.
func (p *prober) cleanup(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if p.written {
		var hdr []string
		if p.etag != "" {
			hdr = []string{"If-Match", p.etag}
		}
		p.l.send(ctx, http.MethodDelete, p.target, nil, 0, hdr...) //nolint:errcheck // best effort
	}
	if p.missing != "" {
		p.l.send(ctx, http.MethodDelete, p.missing, nil, 0) //nolint:errcheck // best effort
	}
}
