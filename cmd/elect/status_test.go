package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/file"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// statusJSON runs elect status --json with args and decodes its output.
func statusJSON(t *testing.T, getenv func(string) string, args ...string) (int, lockStatus, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	e := &env{stdout: &out, stderr: &errb, getenv: getenv}
	code := dispatch(context.Background(), e, append([]string{"status", "--json"}, args...))
	var st lockStatus
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &st); err != nil {
			t.Fatalf("elect status --json printed %q: %v", out.String(), err)
		}
	}
	return code, st, errb.String()
}

// TestStatusFile checks elect status on lock files: no record, a fresh
// lease, a lease renewed too long ago, and a released one.
func TestStatusFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.lease")
	url := "file://" + path
	holder, err := file.New(path, "holder-1")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	code, st, errs := statusJSON(t, nil, "--lock", url)
	if code != 1 || st.Leads || st.JudgedBy != "no-holder" {
		t.Errorf("no record: exit %d, %+v, %q; want exit 1, no holder", code, st, errs)
	}

	now := time.Now()
	rec := core.Record{HolderIdentity: "holder-1", LeaseDuration: 15 * time.Second, AcquireTime: now.Add(-time.Minute),
		RenewTime: now.Add(-2 * time.Second), Term: 4, LeaderTransitions: 3, Seq: 1}
	v, err := holder.Create(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	code, st, _ = statusJSON(t, nil, "--lock", url)
	if code != 0 || !st.Leads || st.Expired || st.Holder != "holder-1" || st.Term != 4 || st.LeaderTransitions != 3 ||
		st.LeaseDurationMs != 15000 || st.SinceRenewMs == nil || *st.SinceRenewMs < 2000 || st.JudgedBy != "timestamps" ||
		st.AcquireTime == nil || !st.AcquireTime.Equal(rec.AcquireTime) {
		t.Errorf("fresh lease: exit %d, %+v; want exit 0, leads, term 4, 3 transitions, 15s lease, renewed 2s ago", code, st)
	}
	var text bytes.Buffer
	if c := dispatch(ctx, &env{stdout: &text, stderr: &text, getenv: os.Getenv}, []string{"status", "--lock", url}); c != 0 {
		t.Errorf("text status: exit %d", c)
	}
	for _, s := range []string{"holder       holder-1", "term         4", "lease        15s", "expired      no: renewed 2", "same clock"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text status lacks %q:\n%s", s, text.String())
		}
	}

	rec.RenewTime, rec.Seq = now.Add(-20*time.Second), 2
	if v, err = holder.Update(ctx, rec, v); err != nil {
		t.Fatal(err)
	}
	code, st, _ = statusJSON(t, nil, "--lock", url)
	if code != 1 || st.Leads || !st.Expired || !strings.Contains(st.Note, "longer than its 15s lease") {
		t.Errorf("stale lease: exit %d, %+v; want exit 1, expired by the timestamps", code, st)
	}

	rec.HolderIdentity, rec.Seq = "", rec.Seq+1
	if _, err = holder.Update(ctx, rec, v); err != nil {
		t.Fatal(err)
	}
	code, st, _ = statusJSON(t, nil, "--lock", url)
	if code != 1 || st.Leads || st.Holder != "" || st.Term != 4 || !strings.Contains(st.Note, "released") {
		t.Errorf("released: exit %d, %+v; want exit 1, no holder, term 4 kept", code, st)
	}
}

// TestStatusObserve checks elect status --observe on a lock file: a holder
// whose process is gone, and one that renews.
func TestStatusObserve(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.lease")
	url := "file://" + path
	holder, err := file.New(path, "holder-1")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	rec := core.Record{HolderIdentity: "holder-1", LeaseDuration: 15 * time.Second, RenewTime: time.Now(), Term: 4, Seq: 1}
	v, err := holder.Create(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}

	// --observe: the record names holder-2, which let go of its liveness
	// lock as the end of its process would: the file lock says it is
	// gone at once.
	rec.HolderIdentity, rec.RenewTime, rec.Seq = "holder-2", time.Now(), 2
	gone, err := file.New(path, "holder-2")
	if err != nil {
		t.Fatal(err)
	}
	if v, err = gone.Update(ctx, rec, v); err != nil {
		t.Fatal(err)
	}
	gone.Close()
	code, st, _ := statusJSON(t, nil, "--lock", url, "--observe")
	if code != 1 || !st.Expired || st.JudgedBy != "holder-gone" {
		t.Errorf("--observe, holder gone: exit %d, %+v; want exit 1, expired, holder-gone", code, st)
	}

	// --observe on a holder that renews: live as soon as it renews.
	rec.HolderIdentity, rec.Seq = "holder-1", 3
	if v, err = holder.Update(ctx, rec, v); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				rec.RenewTime, rec.Seq = time.Now(), rec.Seq+1
				if v, err = holder.Update(ctx, rec, v); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	code, st, _ = statusJSON(t, nil, "--lock", url, "--observe")
	close(done)
	<-renewed
	if code != 0 || !st.Leads || st.Expired || st.JudgedBy != "observed" {
		t.Errorf("--observe, renewing holder: exit %d, %+v; want exit 0, live, observed", code, st)
	}
}

// TestStatusHTTP checks elect status against a real elect serve with a
// token file: the token from $ELECT_TOKEN or --token-file, and the error
// without one.
func TestStatusHTTP(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("# comment\ntok-s\n"), 0o600)
	s := startServe(t, "--data", filepath.Join(dir, "data"), "--token-file", tokens)
	defer s.stop(t)
	url := s.base + "/locks/status"
	l, err := httplock.New(url, "h", httplock.WithToken("tok-s"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Create(context.Background(), core.Record{HolderIdentity: "h", LeaseDuration: 10 * time.Second,
		AcquireTime: time.Now(), RenewTime: time.Now(), Term: 1, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == tokenEnv {
			return "tok-s"
		}
		return ""
	}
	if code, st, errs := statusJSON(t, env, "--lock", url); code != 0 || st.Holder != "h" || !st.Leads {
		t.Errorf("with $ELECT_TOKEN: exit %d, %+v, %q; want exit 0, holder h", code, st, errs)
	}
	if code, st, errs := statusJSON(t, nil, "--lock", url, "--token-file", tokens); code != 0 || st.Holder != "h" {
		t.Errorf("with --token-file: exit %d, %+v, %q; want exit 0, holder h", code, st, errs)
	}
	wrong := func(k string) string {
		if k == tokenEnv {
			return "nope"
		}
		return ""
	}
	if code, _, errs := statusJSON(t, wrong, "--lock", url, "--token-file", tokens); code != 0 {
		t.Errorf("--token-file with a wrong $ELECT_TOKEN: exit %d, %q; want 0 (the file wins)", code, errs)
	}
	if code, _, errs := statusJSON(t, nil, "--lock", url); code != 1 || !strings.Contains(errs, "401") {
		t.Errorf("without a token: exit %d, %q; want exit 1 naming the 401", code, errs)
	}
}
