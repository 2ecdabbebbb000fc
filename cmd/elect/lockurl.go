package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/file"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// tokenEnv names the environment variable that holds the bearer token of
// an HTTP lock, when --token-file is not given.
const tokenEnv = "ELECT_TOKEN"

// errLockURL is wrapped by every error about the form of a --lock URL: a
// usage error, not a failure of the store.
var errLockURL = errors.New("elect: bad lock URL")

// lockSpec says how to open a lock: the --lock URL and where a token comes
// from.
type lockSpec struct {
	url       string // as given
	tokenFile string // --token-file, or ""
	getenv    func(string) string
}

// openedLock is a lock opened from a URL.
type openedLock struct {
	lock core.Lock
	// shown is the URL with any password redacted: for logs and ELECT_LOCK.
	shown string
	// provesDeath is true when the lock's watch tells at once that a
	// holder's process has ended (the file lock's liveness flock), so that
	// a lease left by a crashed holder can be taken without waiting.
	provesDeath bool
	// closer lets go of what the lock holds (the file lock's liveness
	// flock and watches), or is nil.
	closer io.Closer
}

// openLock opens the lock at s.url for the candidate identity. For status
// (readOnly), an HTTP lock skips the probe, which writes on a sibling URL.
// Errors about the URL's form wrap errLockURL.
func openLock(s lockSpec, identity string, readOnly bool) (*openedLock, error) {
	if s.url == "" {
		return nil, fmt.Errorf("%w: --lock is required (file:///PATH or http(s)://HOST/PATH)", errLockURL)
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", errLockURL, s.url, err)
	}
	switch u.Scheme {
	case "file":
		return openFileLock(s, u, identity)
	case "http", "https":
		return openHTTPLock(s, u, identity, readOnly)
	case "":
		return nil, fmt.Errorf("%w: %q has no scheme: write file:///PATH or http(s)://HOST/PATH", errLockURL, s.url)
	}
	return nil, fmt.Errorf("%w: %q: scheme %q is not file, http or https", errLockURL, s.url, u.Scheme)
}

// openFileLock opens file:///PATH (or file://localhost/PATH).
func openFileLock(s lockSpec, u *url.URL, identity string) (*openedLock, error) {
	if s.tokenFile != "" {
		return nil, fmt.Errorf("%w: --token-file applies to http(s) locks, not to %q", errLockURL, s.url)
	}
	switch {
	case u.Opaque != "":
		return nil, fmt.Errorf("%w: %q: write an absolute path with three slashes: file:///PATH", errLockURL, s.url)
	case u.Host != "" && u.Host != "localhost":
		return nil, fmt.Errorf("%w: %q: a file lock is on this host; the host %q must be empty (file:///PATH)", errLockURL, s.url, u.Host)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("%w: %q: a file URL takes no user, query or fragment", errLockURL, s.url)
	case u.Path == "" || !strings.HasPrefix(u.Path, "/"):
		return nil, fmt.Errorf("%w: %q: no absolute path (file:///PATH)", errLockURL, s.url)
	case strings.HasSuffix(u.Path, "/"):
		return nil, fmt.Errorf("%w: %q: the path names a directory; name the lock file (file:///run/lock/app.lease)", errLockURL, s.url)
	}
	path := filepath.FromSlash(u.Path)
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("elect: lock %q: directory %s does not exist", s.url, filepath.Dir(path))
	}
	l, err := file.New(path, identity)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", errLockURL, s.url, err)
	}
	return &openedLock{lock: l, shown: "file://" + filepath.ToSlash(l.Path()), provesDeath: true, closer: l}, nil
}

// openHTTPLock opens an http(s) URL, with a token from --token-file or
// $ELECT_TOKEN.
func openHTTPLock(s lockSpec, u *url.URL, identity string, readOnly bool) (*openedLock, error) {
	var opts []httplock.Option
	token, err := s.token()
	if err != nil {
		return nil, err
	}
	if token != "" {
		opts = append(opts, httplock.WithToken(token))
	}
	if readOnly {
		opts = append(opts, httplock.WithoutProbe())
	}
	l, err := httplock.New(s.url, identity, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errLockURL, err)
	}
	return &openedLock{lock: l, shown: u.Redacted()}, nil
}

// token returns the bearer token: the first token of --token-file (one per
// line, blank lines and # comments ignored: the format of elect serve's
// --token-file), else $ELECT_TOKEN, else "".
func (s lockSpec) token() (string, error) {
	if s.tokenFile != "" {
		tokens, err := httplock.ReadTokenFile(s.tokenFile)
		if err != nil {
			return "", fmt.Errorf("elect: --token-file: %w", err)
		}
		return tokens[0], nil
	}
	if s.getenv == nil {
		return "", nil
	}
	t := strings.TrimSpace(s.getenv(tokenEnv))
	if strings.ContainsAny(t, "\r\n") {
		return "", fmt.Errorf("%w: $%s holds a line break", errLockURL, tokenEnv)
	}
	return t, nil
}
