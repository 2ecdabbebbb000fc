package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// statusFlags are the flags of elect status.
type statusFlags struct {
	lock, tokenFile string
	json, observe   bool
	timeout         time.Duration
}

const statusUsage = `Usage: elect status --lock URL [--json] [--observe] [--token-file FILE]

Reads the lock record at URL (file:///PATH or http(s)://HOST/PATH, as for
elect run) and shows its holder, term, acquire time, the time since the last
renewal, the lease duration, and whether the lease is expired as seen from
here. It writes nothing.

Whether the lease is expired, as seen from here:
  default     by the timestamps: expired when the record's renewTime plus its
              lease is before this host's clock. renewTime is written by the
              holder's clock: for a file lock that is this host's clock; for
              an HTTP lock, skew between the hosts' clocks shifts the answer
              by as much.
  --observe   as a candidate here would judge it, which trusts no timestamp:
              it watches the record for up to one lease duration. The lease
              is live as soon as the record changes (a renewal), expired if
              it does not change for the whole lease; on a file lock, a
              holder whose process is gone is reported at once.

Exit codes: 0 a holder leads (a holder whose lease is not expired);
1 none does (no record, a released record, or an expired lease), or the
lock cannot be read; 2 usage error.
`

const statusExamples = `  elect status --lock file:///run/lock/app.lease
  elect status --lock http://10.0.0.5:7468/locks/app --json
  elect status --lock file:///run/lock/app.lease --observe && echo "a leader is alive"
`

func init() {
	register(&command{
		name: "status", summary: "show a lock's holder, term and expiry",
		usage: statusUsage, examples: statusExamples,
		setup: func(fs *flag.FlagSet) runFunc {
			o := &statusFlags{}
			fs.StringVar(&o.lock, "lock", "", "lock `URL`: file:///PATH or http(s)://HOST/PATH (required)")
			fs.BoolVar(&o.json, "json", false, "print one JSON object instead of text")
			fs.BoolVar(&o.observe, "observe", false, "judge expiry by watching the record for up to one lease")
			fs.StringVar(&o.tokenFile, "token-file", "", "`FILE` holding the bearer token of an http(s) lock\n(default $ELECT_TOKEN)")
			fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up reading the lock after this `duration`")
			return func(ctx context.Context, e *env, args []string) int { return o.run(ctx, e, args) }
		},
	})
}

// lockStatus is what elect status reports; its JSON form is printed with
// --json.
type lockStatus struct {
	Lock              string     `json:"lock"`
	Leads             bool       `json:"leads"`
	Holder            string     `json:"holder"`
	Term              int64      `json:"term"`
	AcquireTime       *time.Time `json:"acquireTime,omitempty"`
	RenewTime         *time.Time `json:"renewTime,omitempty"`
	SinceRenewMs      *int64     `json:"sinceRenewMs,omitempty"`
	LeaseDurationMs   int64      `json:"leaseDurationMs"`
	LeaderTransitions int64      `json:"leaderTransitions"`
	Expired           bool       `json:"expired"`
	// JudgedBy says how Expired was judged: "timestamps", "observed",
	// "holder-gone", or "no-holder" (no record or a released one).
	JudgedBy string `json:"judgedBy"`
	Note     string `json:"note"`
}

// run is elect status.
func (o *statusFlags) run(ctx context.Context, e *env, args []string) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "elect status: "+format+"\nRun 'elect status --help' for its flags.\n", a...)
		return exitUsage
	}
	switch {
	case len(args) > 0:
		return usage("unexpected argument %q", args[0])
	case o.lock == "":
		return usage("--lock URL is required")
	case o.timeout <= 0:
		return usage("--timeout %v must be positive", o.timeout)
	}
	ol, err := openLock(lockSpec{url: o.lock, tokenFile: o.tokenFile, getenv: e.getenv}, "elect-status:"+defaultID(), true)
	if errors.Is(err, errLockURL) {
		return usage("%v", err)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "elect status: %v\n", err)
		return exitFail
	}
	if ol.closer != nil {
		defer ol.closer.Close()
	}
	st, err := o.status(ctx, ol)
	if err != nil {
		fmt.Fprintf(e.stderr, "elect status: %s: %v\n", ol.shown, err)
		return exitFail
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(st)
	} else {
		printStatus(e.stdout, st)
	}
	if st.Leads {
		return exitOK
	}
	return exitFail
}

// status reads the lock and judges its lease.
func (o *statusFlags) status(ctx context.Context, ol *openedLock) (*lockStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rec, ver, err := ol.lock.Get(ctx)
	if errors.Is(err, core.ErrNotFound) {
		return &lockStatus{Lock: ol.shown, JudgedBy: "no-holder", Note: "no record: no candidate has held this lock yet"}, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.HolderIdentity == "" || !o.observe {
		return describeRecord(ol.shown, rec, time.Now(), ol.provesDeath), nil
	}
	return o.watch(ctx, ol, rec, ver)
}

// describeRecord reports rec as read at now, judging expiry by its
// timestamps.
func describeRecord(shown string, rec core.Record, now time.Time, sameHost bool) *lockStatus {
	st := &lockStatus{
		Lock: shown, Holder: rec.HolderIdentity, Term: rec.Term,
		LeaseDurationMs: rec.LeaseDuration.Milliseconds(), LeaderTransitions: rec.LeaderTransitions,
	}
	if !rec.AcquireTime.IsZero() {
		t := rec.AcquireTime
		st.AcquireTime = &t
	}
	if !rec.RenewTime.IsZero() {
		t := rec.RenewTime
		st.RenewTime = &t
		since := now.Sub(t).Milliseconds()
		st.SinceRenewMs = &since
	}
	if rec.HolderIdentity == "" {
		st.JudgedBy, st.Note = "no-holder", "released: the last holder gave the lease up"
		return st
	}
	st.JudgedBy = "timestamps"
	clock := "the holder's clock, on another host maybe: skew shifts this"
	if sameHost {
		clock = "the holder is on this host: same clock"
	}
	switch {
	case rec.RenewTime.IsZero():
		st.Expired, st.Note = true, "the record has no renewTime: cannot judge by timestamps; try --observe"
	case now.Sub(rec.RenewTime) > rec.LeaseDuration:
		st.Expired = true
		st.Note = fmt.Sprintf("not renewed for %v, longer than its %v lease (%s)", round(now.Sub(rec.RenewTime)), rec.LeaseDuration, clock)
	case now.Before(rec.RenewTime):
		st.Note = fmt.Sprintf("renewTime is %v ahead of this host's clock: the clocks disagree; try --observe", round(rec.RenewTime.Sub(now)))
	default:
		st.Note = fmt.Sprintf("renewed %v ago, within its %v lease (%s)", round(now.Sub(rec.RenewTime)), rec.LeaseDuration, clock)
	}
	st.Leads = !st.Expired
	return st
}

// watch judges the lease as a candidate here would: live once the record
// changes, expired when it has not changed for one lease duration on this
// host's clock, or at once when the lock reports the holder's process gone.
// Stores that cannot watch are read again every second or so.
func (o *statusFlags) watch(ctx context.Context, ol *openedLock, rec core.Record, ver core.Version) (*lockStatus, error) {
	start := time.Now()
	lease := rec.LeaseDuration
	if lease <= 0 {
		return nil, fmt.Errorf("the record has no lease duration: cannot observe it")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lease+o.timeout)
	defer cancel()
	events := make(chan core.WatchEvent, 1)
	if w, ok := ol.lock.(core.Watcher); ok {
		stop := w.Watch(ver, func(ev core.WatchEvent) {
			select {
			case events <- ev:
			default:
			}
		})
		defer stop()
	}
	poll := time.NewTicker(min(time.Second, max(lease/4, 10*time.Millisecond)))
	defer poll.Stop()
	end := time.NewTimer(lease)
	defer end.Stop()
	for {
		select {
		case ev := <-events:
			if ev == core.WatchHolderGone {
				st := describeRecord(ol.shown, rec, time.Now(), ol.provesDeath)
				st.Leads, st.Expired, st.JudgedBy = false, true, "holder-gone"
				st.Note = "the holder's process is gone (its liveness lock is free): a candidate takes over at once"
				return st, nil
			}
		case <-poll.C:
		case <-end.C:
			st := describeRecord(ol.shown, rec, time.Now(), ol.provesDeath)
			st.Leads, st.Expired, st.JudgedBy = false, true, "observed"
			st.Note = fmt.Sprintf("not renewed while watched for its whole %v lease, on this host's clock", lease)
			return st, nil
		}
		nrec, nver, err := ol.lock.Get(ctx)
		if err != nil && !errors.Is(err, core.ErrNotFound) {
			return nil, err
		}
		if err != nil || nver != ver {
			if err != nil {
				return &lockStatus{Lock: ol.shown, JudgedBy: "no-holder", Note: "the record was deleted while watched"}, nil
			}
			st := describeRecord(ol.shown, nrec, time.Now(), ol.provesDeath)
			if nrec.HolderIdentity != "" {
				st.Leads, st.Expired, st.JudgedBy = true, false, "observed"
				st.Note = fmt.Sprintf("the record changed %v after the first read: the lease is live", round(time.Since(start)))
			}
			return st, nil
		}
	}
}

// printStatus writes st for humans.
func printStatus(w io.Writer, st *lockStatus) {
	line := func(k, v string) { fmt.Fprintf(w, "%-12s %s\n", k, v) }
	line("lock", st.Lock)
	if st.JudgedBy == "no-holder" && st.Term == 0 && st.RenewTime == nil {
		line("holder", "none: "+st.Note)
		return
	}
	holder := st.Holder
	if holder == "" {
		holder = "none"
	}
	line("holder", holder)
	line("term", strconv.FormatInt(st.Term, 10))
	now := time.Now()
	if st.AcquireTime != nil {
		line("acquired", fmt.Sprintf("%s (%v ago)", st.AcquireTime.Format(time.RFC3339Nano), round(now.Sub(*st.AcquireTime))))
	}
	if st.RenewTime != nil {
		line("renewed", fmt.Sprintf("%v ago (%s, by the writer's clock)", round(time.Duration(*st.SinceRenewMs)*time.Millisecond), st.RenewTime.Format(time.RFC3339Nano)))
	}
	line("lease", (time.Duration(st.LeaseDurationMs) * time.Millisecond).String())
	line("transitions", strconv.FormatInt(st.LeaderTransitions, 10))
	if st.Holder == "" {
		line("leads", "no: "+st.Note)
		return
	}
	expired := "no: "
	if st.Expired {
		expired = "yes: "
	}
	line("expired", expired+st.Note)
}

// round rounds d for display: milliseconds under a minute, seconds above.
func round(d time.Duration) time.Duration {
	if d < 0 {
		d = -d
	}
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
