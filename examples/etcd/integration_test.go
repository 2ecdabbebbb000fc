package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
)

// etcdClient returns a client of the etcd at $LE_ETCD_URL, and a key
// prefix of this test's own that is deleted when it ends. Without
// LE_ETCD_URL the test is skipped: scripts/integration-etcd.sh starts etcd
// and sets it.
func etcdClient(t *testing.T) (*Client, string) {
	t.Helper()
	url := os.Getenv("LE_ETCD_URL")
	if url == "" {
		t.Skip("LE_ETCD_URL is not set: run scripts/integration-etcd.sh (make integration) to test against a real etcd")
	}
	c := &Client{Endpoint: url, HTTP: &http.Client{Timeout: 10 * time.Second}}
	var b [8]byte
	rand.Read(b[:])
	prefix := "leaderelection-test/" + t.Name() + "/" + hex.EncodeToString(b[:]) + "/"
	t.Cleanup(func() {
		end := []byte(prefix)
		end[len(end)-1]++ // the end of the prefix range: "/" + 1
		var resp struct{}
		err := c.post(context.Background(), "/v3/kv/deleterange", map[string][]byte{"key": []byte(prefix), "range_end": end}, &resp)
		if err != nil {
			t.Errorf("deleting %s: %v", prefix, err)
		}
	})
	return c, prefix
}

// TestEtcdLocktest runs the conformance suite on the generated KVLock over
// a real etcd: every check gets a key of its own.
func TestEtcdLocktest(t *testing.T) {
	c, prefix := etcdClient(t)
	var keys atomic.Int64
	locktest.Run(t, func(t *testing.T) func() core.Lock {
		key := prefix + strconv.FormatInt(keys.Add(1), 10)
		var n atomic.Int64
		return func() core.Lock {
			return NewKVLock(c, key, "candidate-"+strconv.FormatInt(n.Add(1), 10))
		}
	})
}

// errPartitioned is what a cut-off candidate's lock answers.
var errPartitioned = errors.New("test: partitioned from etcd")

// cuttable is a lock that can be cut off from etcd, as a network
// partition or a hung process would: every call then fails.
type cuttable struct {
	core.Lock
	cut atomic.Bool
}

func (c *cuttable) Get(ctx context.Context) (core.Record, core.Version, error) {
	if c.cut.Load() {
		return core.Record{}, "", errPartitioned
	}
	return c.Lock.Get(ctx)
}

func (c *cuttable) Create(ctx context.Context, r core.Record) (core.Version, error) {
	if c.cut.Load() {
		return "", errPartitioned
	}
	return c.Lock.Create(ctx, r)
}

func (c *cuttable) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if c.cut.Load() {
		return "", errPartitioned
	}
	return c.Lock.Update(ctx, r, v)
}

// event is a leadership change of one candidate.
type event struct {
	who     int
	started bool
	term    int64
	at      time.Time
}

// candidate is one elector of the election test.
type candidate struct {
	le   *leaderelection.LeaderElector
	lock *cuttable
	task chan bool
	done chan struct{}
}

const (
	leaseDuration = 2 * time.Second
	renewDeadline = 1500 * time.Millisecond
	retryPeriod   = 250 * time.Millisecond
)

func startCandidates(t *testing.T, c *Client, key string, n int, events chan<- event) []*candidate {
	t.Helper()
	cands := make([]*candidate, n)
	for i := range cands {
		cd := &candidate{
			lock: &cuttable{Lock: NewKVLock(c, key, "candidate-"+strconv.Itoa(i))},
			task: make(chan bool, 1),
			done: make(chan struct{}),
		}
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:          cd.lock,
			LeaseDuration: leaseDuration,
			RenewDeadline: renewDeadline,
			RetryPeriod:   retryPeriod,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(stop <-chan struct{}) {
					term, _ := cd.le.FencingToken()
					events <- event{who: i, started: true, term: term, at: time.Now()}
					<-stop
				},
				OnStoppedLeading: func() { events <- event{who: i, at: time.Now()} },
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		cd.le = le
		cands[i] = cd
	}
	for _, cd := range cands {
		go func() {
			defer close(cd.done)
			cd.le.Run(cd.task)
		}()
	}
	t.Cleanup(func() {
		for _, cd := range cands {
			cd.lock.cut.Store(false)
			select {
			case cd.task <- false:
			default:
			}
			close(cd.task)
			<-cd.done
		}
	})
	return cands
}

// next waits for the next event, failing the test after limit.
func next(t *testing.T, events <-chan event, limit time.Duration, what string) event {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(limit):
		t.Fatalf("no event within %v while waiting for %s", limit, what)
		return event{}
	}
}

// TestEtcdElection runs three candidates on one etcd key: one leads; when
// it is cut off from etcd it steps down within its renew deadline and
// another takes over only after that; a leader that finishes its task
// releases the lease and the last one takes over at once; terms only grow.
func TestEtcdElection(t *testing.T) {
	c, prefix := etcdClient(t)
	key := prefix + "election"
	events := make(chan event, 16)
	cands := startCandidates(t, c, key, 3, events)

	first := next(t, events, 10*time.Second, "a first leader")
	if !first.started {
		t.Fatalf("first event %+v; want a start", first)
	}
	for i, cd := range cands {
		if i != first.who && cd.le.IsLeader() {
			t.Errorf("candidate-%d leads while candidate-%d does", i, first.who)
		}
	}
	observer := NewKVLock(c, key, "observer")
	rec, _, err := observer.Get(t.Context())
	if err != nil || rec.HolderIdentity != "candidate-"+strconv.Itoa(first.who) || rec.Term != first.term {
		t.Fatalf("etcd holds %+v, %v; want candidate-%d in term %d", rec, err, first.who, first.term)
	}

	// Cut the leader off: it must step down within its renew deadline,
	// and nobody may lead before it has.
	cut := time.Now()
	cands[first.who].lock.cut.Store(true)
	stopped := next(t, events, renewDeadline+2*time.Second, "the cut-off leader to step down")
	if stopped.started || stopped.who != first.who {
		t.Fatalf("event %+v; want candidate-%d to stop leading", stopped, first.who)
	}
	if d := stopped.at.Sub(cut); d > renewDeadline+time.Second {
		t.Errorf("the cut-off leader stepped down %v after the cut; want within RenewDeadline %v (+1s)", d, renewDeadline)
	}
	second := next(t, events, leaseDuration+5*time.Second, "a second leader")
	if !second.started || second.who == first.who || second.term <= first.term {
		t.Fatalf("event %+v; want another candidate leading in a term above %d", second, first.term)
	}
	t.Logf("takeover after a cut-off leader: %v after the cut (lease %v)", second.at.Sub(cut).Round(time.Millisecond), leaseDuration)

	// The second leader finishes its task: it releases, and the third
	// takes over without waiting out the lease.
	released := time.Now()
	cands[second.who].task <- true
	stop2 := next(t, events, 5*time.Second, "the second leader to stop")
	third := next(t, events, leaseDuration, "the third leader, before the lease could expire")
	if stop2.started || stop2.who != second.who || !third.started || third.term <= second.term {
		t.Fatalf("events %+v, %+v; want candidate-%d to stop, then another to lead in a term above %d", stop2, third, second.who, second.term)
	}
	if third.who == first.who {
		t.Fatalf("candidate-%d, whose Run ended when it was cut off, leads again", first.who)
	}
	t.Logf("handover after a release: %v", third.at.Sub(released).Round(time.Millisecond))

	cands[third.who].task <- true
	if e := next(t, events, 5*time.Second, "the third leader to stop"); e.started || e.who != third.who {
		t.Fatalf("event %+v; want candidate-%d to stop", e, third.who)
	}
	var wg sync.WaitGroup
	for _, i := range []int{second.who, third.who} {
		wg.Go(func() { <-cands[i].done })
	}
	wg.Wait()
	rec, _, err = observer.Get(t.Context())
	if err != nil || rec.HolderIdentity != "" || rec.Term != third.term {
		t.Errorf("etcd holds %+v, %v at the end; want the lease released after term %d", rec, err, third.term)
	}
}

// lineWriter sends every line written to it on a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// TestEtcdMain runs the example program against etcd until it leads, then
// stops it as Ctrl-C would.
func TestEtcdMain(t *testing.T) {
	c, prefix := etcdClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	out := &lineWriter{lines: make(chan string, 16)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-endpoint", c.Endpoint, "-key", prefix + "main", "-id", "main-test", "-lease", "2s", "-renew", "1500ms", "-retry", "250ms"}, out)
	}()
	deadline := time.After(10 * time.Second)
	for leading := false; !leading; {
		select {
		case line := <-out.lines:
			t.Log(line)
			leading = line == "main-test: leading"
		case err := <-done:
			t.Fatalf("run returned before leading: %v", err)
		case <-deadline:
			t.Fatal("the example did not lead within 10s")
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("run = %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of its context ending")
	}
	rec, _, err := NewKVLock(c, prefix+"main", "observer").Get(t.Context())
	if err != nil || rec.HolderIdentity != "" {
		t.Errorf("etcd holds %+v, %v after the example stopped; want the lease released", rec, err)
	}
}
