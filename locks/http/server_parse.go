package httplock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// MaxNameLength is the longest lock name the reference server accepts, in
// bytes; it keeps the file names of DataDir within every file system's
// limit.
const MaxNameLength = 120

// checkName checks a lock name as it appears, escaped, in the URL path:
// segments of letters, digits, '.', '_' and '-', separated by '/'; no
// empty, "." or ".." segment.
func checkName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("longer than %d bytes", MaxNameLength)
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch seg {
		case "":
			return errors.New("empty path segment")
		case ".", "..":
			return fmt.Errorf("path segment %q", seg)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("character %q not allowed (letters, digits, '.', '_', '-', and '/' between segments)", c)
			}
		}
	}
	return nil
}

// parseTags splits the values of If-Match or If-None-Match into entity
// tags ("*" included), keeping weak prefixes. Elements that are not entity
// tags are kept as they are: they match nothing.
func parseTags(values []string) []string {
	var tags []string
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
	}
	return tags
}

// matchAny is the strong comparison of If-Match: it reports whether etag
// is among tags; a weak tag never matches, and "*" matches "*" only (the
// callers decide what "*" means).
func matchAny(tags []string, etag string) bool {
	for _, t := range tags {
		if t == etag {
			return true
		}
	}
	return false
}

// noneMatch is the weak comparison of If-None-Match on a GET: it reports
// whether the condition is false, that is whether the list is "*" or holds
// etag, with or without a weak prefix.
func noneMatch(values []string, etag string) bool {
	for _, t := range parseTags(values) {
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// preferWait returns the wait asked for with "Prefer: wait=N" (RFC 7240;
// N in seconds), and whether one was asked for.
func preferWait(h http.Header) (time.Duration, bool) {
	for _, line := range h.Values("Prefer") {
		for pref := range strings.SplitSeq(line, ",") {
			pref, _, _ = strings.Cut(pref, ";") // parameters of the preference
			name, value, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "wait") {
				continue
			}
			n, err := strconv.ParseUint(strings.Trim(strings.TrimSpace(value), `"`), 10, 32)
			if err != nil {
				return 0, false
			}
			return time.Duration(n) * time.Second, true
		}
	}
	return 0, false
}

// checkToken checks that a token can be sent in an Authorization header:
// not empty, visible ASCII without spaces.
func checkToken(t string) error {
	if t == "" {
		return errors.New("empty token")
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return fmt.Errorf("token has a character %q that is not visible ASCII (byte %d)", t[i], i)
		}
	}
	return nil
}

// ReadTokenFile reads bearer tokens for ServerConfig.Tokens from a file:
// one token per line; blank lines and lines starting with '#' are ignored,
// as is white space around a token. A token must be visible ASCII without
// spaces. A file without any token is an error, since it would lock every
// client out.
func ReadTokenFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("httplock: token file: %w", err)
	}
	var tokens []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := checkToken(line); err != nil {
			return nil, fmt.Errorf("%w: token file %s, line %d: %v", ErrInvalidConfig, path, n, err)
		}
		tokens = append(tokens, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("httplock: token file %s: %w", path, err)
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("%w: token file %s has no token", ErrInvalidConfig, path)
	}
	return tokens, nil
}
