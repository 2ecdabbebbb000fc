package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// electBinary builds elect once per test run and returns its path.
func electBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "elect-test-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "elect")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building elect: %v", buildErr)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// served is a running `elect serve`.
type served struct {
	cmd    *exec.Cmd
	base   string // e.g. http://127.0.0.1:12345
	stderr chan string
	exited chan error
}

// startServe runs `elect serve --addr 127.0.0.1:0 args...` and waits for
// its "listening on" line.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	cmd := exec.Command(electBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, stderr: make(chan string, 100), exited: make(chan error, 1)}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			if _, addr, ok := strings.Cut(line, "listening on "); ok {
				listening <- addr
			}
			select {
			case s.stderr <- line:
			default:
			}
		}
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	select {
	case s.base = <-listening:
	case err := <-s.exited:
		t.Fatalf("elect serve exited before listening: %v\n%s", err, drain(s.stderr))
	case <-time.After(20 * time.Second):
		t.Fatalf("elect serve did not listen within 20s:\n%s", drain(s.stderr))
	}
	return s
}

// stop sends SIGTERM and returns the exit error.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("elect serve did not exit within 20s of SIGTERM")
	}
	return nil
}

// drain returns the lines buffered in ch.
func drain(ch chan string) string {
	var b strings.Builder
	for {
		select {
		case l := <-ch:
			b.WriteString(l + "\n")
		default:
			return b.String()
		}
	}
}

// request sends one request with hdr (name, value pairs) and returns the
// status, headers and body.
func request(t *testing.T, c *http.Client, method, url, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestServeBinary runs the built `elect serve` with a token file and a data
// directory, speaks the protocol to it over loopback, stops it with
// SIGTERM, and starts it again on the same data.
func TestServeBinary(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("# ops\n\n  tok-1  \ntok-2\n"), 0o600)
	data := filepath.Join(dir, "data")
	s := startServe(t, "--data", data, "--token-file", tokens, "--max-lease", "30s", "--max-wait", "2s")
	c := http.DefaultClient
	u := s.base + "/locks/team/app"
	auth := []string{"Authorization", "Bearer tok-2"}
	with := func(h ...string) []string { return append(append([]string{}, auth...), h...) }
	rec := string(core.AppendRecord(nil, core.Record{HolderIdentity: "a", LeaseDuration: 10 * time.Second, Seq: 1}))

	if code, _, _ := request(t, c, "GET", s.base+"/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, h, _ := request(t, c, "GET", u, ""); code != 401 || h.Get("WWW-Authenticate") == "" {
		t.Errorf("GET without a token: %d; want 401 with WWW-Authenticate", code)
	}
	if code, _, _ := request(t, c, "GET", u, "", "Authorization", "Bearer tok-3"); code != 403 {
		t.Errorf("GET with a wrong token: %d; want 403", code)
	}
	if code, _, _ := request(t, c, "PUT", u, rec, auth...); code != 428 {
		t.Errorf("PUT without a precondition: %d; want 428", code)
	}
	code, h, _ := request(t, c, "PUT", u, rec, with("If-None-Match", "*")...)
	if code != 201 || h.Get("Etag") == "" {
		t.Fatalf("create: %d ETag %q; want 201 with an ETag", code, h.Get("Etag"))
	}
	e1 := h.Get("Etag")
	if code, _, _ := request(t, c, "PUT", u, rec, with("If-None-Match", "*")...); code != 412 {
		t.Errorf("second create: %d; want 412", code)
	}
	start := time.Now()
	code, h, _ = request(t, c, "GET", u, "", with("If-None-Match", e1, "Prefer", "wait=1")...)
	if code != 304 || h.Get("Preference-Applied") != "wait=1" || time.Since(start) < 900*time.Millisecond {
		t.Errorf("long-poll: %d, Preference-Applied %q after %v; want 304, wait=1 after 1s", code, h.Get("Preference-Applied"), time.Since(start))
	}
	code, h, _ = request(t, c, "PUT", u, rec, with("If-Match", e1)...)
	if code != 200 || h.Get("Etag") == e1 {
		t.Fatalf("CAS: %d ETag %q; want 200 with a new ETag", code, h.Get("Etag"))
	}
	e2 := h.Get("Etag")
	if code, _, _ := request(t, c, "PUT", u, rec, with("If-Match", e1)...); code != 412 {
		t.Errorf("stale CAS: %d; want 412", code)
	}
	if code, _, _ := request(t, c, "GET", s.base+"/locks/a/../b", "", auth...); code != 400 {
		t.Errorf("traversal: %d; want 400", code)
	}
	if code, _, _ := request(t, c, "PUT", s.base+"/locks/big", strings.Repeat("x", 70<<10), with("If-None-Match", "*")...); code != 413 {
		t.Errorf("70 KiB body: %d; want 413", code)
	}

	// The Go client, probe included, on the same server.
	l, err := httplock.New(s.base+"/locks/client", "me", httplock.WithToken("tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Create(context.Background(), core.Record{HolderIdentity: "me", LeaseDuration: time.Second}); err != nil {
		t.Fatalf("client Create: %v", err)
	}

	if err := s.stop(t); err != nil {
		t.Fatalf("elect serve after SIGTERM: %v; want exit 0\n%s", err, drain(s.stderr))
	}
	s2 := startServe(t, "--data", data, "--token-file", tokens)
	code, h, body := request(t, c, "GET", s2.base+"/locks/team/app", "", auth...)
	if code != 200 || h.Get("Etag") != e2 || body != rec {
		t.Errorf("GET after a restart with --data: %d ETag %q; want 200, ETag %s, the same body", code, h.Get("Etag"), e2)
	}
	if code, _, _ := request(t, c, "PUT", s2.base+"/locks/team/app", rec, with("If-Match", e2)...); code != 200 {
		t.Errorf("CAS after a restart with --data: %d; want 200 at once", code)
	}
	s2.stop(t)
}

// TestServeRestartRule: without --data, `elect serve` refuses writes with
// 503 and Retry-After for one --max-lease after it starts, and says so.
func TestServeRestartRule(t *testing.T) {
	s := startServe(t, "--max-lease", "45s")
	code, h, body := request(t, http.DefaultClient, "PUT", s.base+"/locks/x", `{"seq":1}`, "If-None-Match", "*")
	if code != 503 || (h.Get("Retry-After") != "45" && h.Get("Retry-After") != "44") {
		t.Errorf("PUT right after the start: %d Retry-After %q %q; want 503 with Retry-After 45", code, h.Get("Retry-After"), body)
	}
	if code, _, _ := request(t, http.DefaultClient, "GET", s.base+"/locks/x", ""); code != 404 {
		t.Errorf("GET right after the start: %d; want 404 (reads are allowed)", code)
	}
	s.stop(t)
	if log := drain(s.stderr); !strings.Contains(log, "writes are refused until") {
		t.Errorf("elect serve did not say that writes are refused:\n%s", log)
	}
}

// TestServeAddrInUse: a port in use is a failure (exit 1) with a message.
func TestServeAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, err := exec.Command(electBinary(t), "serve", "--addr", ln.Addr().String()).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "address already in use") {
		t.Errorf("elect serve on a port in use: %v %q; want exit 1 naming the problem", err, out)
	}
}

// TestServeTLS: with --tls-cert and --tls-key, elect serve speaks HTTPS.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startServe(t, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.base, "https://") {
		t.Fatalf("listening on %s; want https", s.base)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, _, _ := request(t, c, "GET", s.base+"/healthz", ""); code != 200 {
		t.Errorf("GET /healthz over HTTPS: %d", code)
	}
	s.stop(t)
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and returns its
// files and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "elect test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
