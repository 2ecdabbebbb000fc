package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/leaderelection/leaderelection/core"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// TestSignerHook checks that every request of the lock reaches the store
// signed with SigV4, with the payload's hash in X-Amz-Content-Sha256.
func TestSignerHook(t *testing.T) {
	var got []*http.Request
	var bodies [][]byte
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, b)
		w.Header().Set("Etag", `"e1"`)
		w.WriteHeader(http.StatusCreated)
	}))
	defer ts.Close()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
	})
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	l, err := httplock.New(ts.URL+"/bucket/lease", "a", httplock.WithoutProbe(), httplock.WithRequestHook(signer(creds, "eu-west-1", now)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	r := got[0]
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/eu-west-1/s3/aws4_request") ||
		!strings.Contains(auth, "if-none-match") {
		t.Errorf("Authorization %q; want a SigV4 signature for s3 in eu-west-1 that covers If-None-Match", auth)
	}
	sum := sha256.Sum256(bodies[0])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != hex.EncodeToString(sum[:]) || len(bodies[0]) == 0 {
		t.Errorf("X-Amz-Content-Sha256 %q; want the SHA-256 of the body %q", h, bodies[0])
	}
	if r.Header.Get("X-Amz-Date") != "20260102T030405Z" {
		t.Errorf("X-Amz-Date %q", r.Header.Get("X-Amz-Date"))
	}
}

// TestIntegrationSigned runs the example against MinIO's private bucket:
// the store accepts only correctly signed requests.
func TestIntegrationSigned(t *testing.T) {
	url := os.Getenv("LE_S3_SIGNED_URL")
	if url == "" {
		t.Skip("LE_S3_SIGNED_URL is not set: this test needs MinIO with the private bucket \"signed\" " +
			"(scripts/minio.sh; scripts/integration-http.sh sets it and the credentials)")
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", strings.TrimSuffix(url, "/") + "/example-test", "-id", "tester", "-hold", "100ms"}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"tester: leading", "stopped leading, lease released"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
