// Command s3 runs one candidate of a leader election whose lease is an
// object in an S3 bucket (AWS S3, or MinIO and other S3-compatible stores),
// through locks/http: S3 honours If-None-Match and If-Match on PUT. Every
// request is signed with AWS Signature Version 4 by the AWS SDK for Go v2's
// signer, plugged in with httplock.WithRequestHook. This example is a module
// of its own, so that the SDK never enters the root module's go.mod.
//
// Credentials and region come from the SDK's usual chain (environment,
// shared config files, instance roles). Against AWS S3:
//
//	go run . -url https://BUCKET.s3.eu-west-1.amazonaws.com/leases/app -region eu-west-1
//
// Against MinIO on loopback (scripts/minio.sh start makes the private
// bucket "signed"):
//
//	AWS_ACCESS_KEY_ID=minioadmin AWS_SECRET_ACCESS_KEY=minioadmin \
//	  go run . -url http://127.0.0.1:19000/signed/app -hold 3s
//
// It leads for -hold (forever when 0) and then releases the lease, so that
// another candidate takes over at once; Ctrl-C does the same.
//
// The IAM policy needs s3:GetObject, s3:PutObject and s3:DeleteObject (the
// probe deletes its own objects) on the lease's key and its siblings, and
// s3:ListBucket on the bucket: without it S3 answers 403 instead of 404 for
// a lease that does not exist yet.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/leaderelection/leaderelection"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "s3 example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	host, _ := os.Hostname()
	fs := flag.NewFlagSet("s3", flag.ContinueOnError)
	url := fs.String("url", os.Getenv("LE_S3_SIGNED_URL"), "the lease object's URL, path or virtual-host style (default $LE_S3_SIGNED_URL)")
	region := fs.String("region", "", "the bucket's region (default: from the AWS config, else us-east-1)")
	id := fs.String("id", host+"-"+strconv.Itoa(os.Getpid()), "this candidate's identity")
	hold := fs.Duration("hold", 0, "how long to lead before releasing the lease; 0 leads until Ctrl-C")
	lease := fs.Duration("lease", 15*time.Second, "lease duration")
	renew := fs.Duration("renew", 10*time.Second, "renew deadline")
	retry := fs.Duration("retry", 2*time.Second, "retry period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("-url is required, e.g. -url https://BUCKET.s3.REGION.amazonaws.com/leases/app")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading the AWS config: %w", err)
	}
	if *region == "" {
		*region = cfg.Region
	}
	if *region == "" {
		*region = "us-east-1"
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return fmt.Errorf("no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile): %w", err)
	}
	lock, err := httplock.New(*url, *id, httplock.WithRequestHook(signer(cfg.Credentials, *region, time.Now)))
	if err != nil {
		return err
	}
	// Fail fast on a wrong URL, credentials or policy, or a store that does
	// not honour preconditions; the election would retry such errors.
	if err := lock.Probe(ctx); err != nil {
		return err
	}
	return elect(ctx, lock, *lease, *renew, *retry, *hold, out)
}

// signer returns a request hook that signs every request of the lock with
// SigV4 for service "s3" in region. S3 needs the payload's SHA-256 in the
// X-Amz-Content-Sha256 header; the hook reads the body again through
// GetBody to compute it.
func signer(creds aws.CredentialsProvider, region string, now func() time.Time) func(*http.Request) error {
	s := v4.NewSigner()
	return func(r *http.Request) error {
		c, err := creds.Retrieve(r.Context())
		if err != nil {
			return fmt.Errorf("AWS credentials: %w", err)
		}
		h := sha256.New()
		if r.GetBody != nil {
			body, err := r.GetBody()
			if err != nil {
				return err
			}
			_, err = io.Copy(h, body)
			body.Close()
			if err != nil {
				return err
			}
		}
		sum := hex.EncodeToString(h.Sum(nil))
		r.Header.Set("X-Amz-Content-Sha256", sum)
		return s.SignHTTP(r.Context(), c, r, sum, "s3", region, now())
	}
}

// elect campaigns until this candidate leads, leads for hold (until ctx
// ends when hold is 0), and releases the lease.
func elect(ctx context.Context, lock *httplock.Lock, lease, renew, retry, hold time.Duration, out io.Writer) error {
	id := lock.Identity()
	task := make(chan bool, 1) // a value ends the campaign or the term
	end := func() {
		select {
		case task <- true:
		default: // already ended
		}
	}
	var le *leaderelection.LeaderElector
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(stop <-chan struct{}) {
				term, _ := le.FencingToken()
				fmt.Fprintf(out, "%s: leading %s, term %d\n", id, lock.Describe(), term)
				if hold > 0 {
					t := time.AfterFunc(hold, end)
					defer t.Stop()
				}
				<-stop
			},
			OnStoppedLeading: func() { fmt.Fprintf(out, "%s: stopped leading, lease released\n", id) },
			OnNewLeader:      func(leader string) { fmt.Fprintf(out, "%s: the leader is %q\n", id, leader) },
		},
	})
	if err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			end() // Ctrl-C: stop campaigning, or end the term and release
		case <-done:
		}
	}()
	le.Run(task)
	return nil
}
