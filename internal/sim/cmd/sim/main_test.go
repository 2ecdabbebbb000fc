package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var lastLine = regexp.MustCompile(`^sim: elections=(\d+) violations=(\d+) seeds=(\d+)-(\d+)$`)

func last(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestRun checks the command's contract: the last line, the exit status,
// and flag errors.
func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		wantLast string // regexp the last line of stdout must match
		wantErr  string // substring of stderr
	}{
		{"clean", []string{"-n", "300", "-seed", "5"}, 0, `^sim: elections=\d+ violations=0 seeds=5-\d+$`, ""},
		{"quiet", []string{"-n", "300", "-q"}, 0, `^sim: elections=\d+ violations=0 seeds=1-\d+$`, ""},
		{"control", []string{"-n", "20", "-control", "trust-timestamps", "-q"}, 1, `^sim: elections=\d+ violations=[1-9]\d* seeds=1-\d+$`, ""},
		{"trace", []string{"-seed", "3", "-trace", "-control", "short-lease"}, 1, `^sim: elections=\d+ violations=1 seeds=3-3$`, ""},
		{"bad control", []string{"-control", "nope"}, 2, ``, `unknown -control "nope"`},
		{"bad n", []string{"-n", "0"}, 2, ``, `-n must be at least 1`},
		{"extra argument", []string{"x"}, 2, ``, `unexpected argument "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("run(%q) = %d, want %d; stderr: %s", tt.args, code, tt.code, stderr.String())
			}
			if tt.wantLast != "" {
				if l := last(stdout.String()); !regexp.MustCompile(tt.wantLast).MatchString(l) || !lastLine.MatchString(l) {
					t.Errorf("run(%q): last line %q, want a match for %s", tt.args, l, tt.wantLast)
				}
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("run(%q): stderr %q, want it to contain %q", tt.args, stderr.String(), tt.wantErr)
			}
		})
	}
}
