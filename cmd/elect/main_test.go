package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// call runs elect in-process with args and returns the exit code and the
// output streams.
func call(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := dispatch(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// TestDispatch checks help, version, unknown and planned commands, and
// flag errors, with their exit codes and where the text goes.
func TestDispatch(t *testing.T) {
	for _, c := range []struct {
		name      string
		args      []string
		code      int
		stdout    []string // substrings
		stderr    []string
		reason    string
		emptyOut  bool
		emptyErrs bool
	}{
		{name: "no args", args: nil, code: 2, stderr: []string{"Usage:", "serve"}, emptyOut: true,
			reason: "a missing command is a usage error"},
		{name: "--help", args: []string{"--help"}, code: 0, stdout: []string{"Commands:", "run", "status", "serve", "version"},
			emptyErrs: true, reason: "help goes to stdout"},
		{name: "-h", args: []string{"-h"}, code: 0, stdout: []string{"Commands:"}},
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"Commands:", "run a command while this process leads"}},
		{name: "help serve", args: []string{"help", "serve"}, code: 0,
			stdout: []string{"Usage: elect serve", "--addr HOST:PORT", "(default 127.0.0.1:7468)", "--max-lease", "(default 1m)", "Examples:"}},
		{name: "serve --help", args: []string{"serve", "--help"}, code: 0, stdout: []string{"Usage: elect serve", "--token-file FILE"},
			emptyErrs: true},
		{name: "serve -h", args: []string{"serve", "-h"}, code: 0, stdout: []string{"Usage: elect serve"}},
		{name: "version", args: []string{"version"}, code: 0, stdout: []string{"elect ", "go1."}},
		{name: "--version", args: []string{"--version"}, code: 0, stdout: []string{"elect "}},
		{name: "unknown", args: []string{"frobnicate"}, code: 2, stderr: []string{`unknown command "frobnicate"`, "elect help"},
			reason: "an unknown command is a usage error"},
		{name: "help unknown", args: []string{"help", "frobnicate"}, code: 2, stderr: []string{"unknown command"}},
		{name: "bad flag", args: []string{"serve", "--bogus"}, code: 2, stderr: []string{"-bogus", "elect serve --help"}},
		{name: "bad duration", args: []string{"serve", "--max-lease", "soon"}, code: 2, stderr: []string{"max-lease"}},
		{name: "zero lease", args: []string{"serve", "--max-lease", "0s"}, code: 2, stderr: []string{"--max-lease 0s must be positive"}},
		{name: "tls half", args: []string{"serve", "--tls-cert", "c.pem"}, code: 2, stderr: []string{"--tls-cert and --tls-key go together"}},
		{name: "argument", args: []string{"serve", "extra"}, code: 2, stderr: []string{`unexpected argument "extra"`}},
		{name: "missing token file", args: []string{"serve", "--token-file", "/nonexistent/tokens"}, code: 1,
			stderr: []string{"token file", "/nonexistent/tokens"}, reason: "a runtime failure, not a usage error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := call(c.args...)
			if code != c.code {
				t.Errorf("elect %q exit %d; want %d (%s)\nstdout: %s\nstderr: %s", c.args, code, c.code, c.reason, out, errs)
			}
			for _, s := range c.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("elect %q stdout lacks %q:\n%s", c.args, s, out)
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(errs, s) {
					t.Errorf("elect %q stderr lacks %q:\n%s", c.args, s, errs)
				}
			}
			if c.emptyOut && out != "" {
				t.Errorf("elect %q wrote to stdout: %q", c.args, out)
			}
			if c.emptyErrs && errs != "" {
				t.Errorf("elect %q wrote to stderr: %q", c.args, errs)
			}
		})
	}
}

// TestPlaceholders checks that the commands not implemented yet say so
// until their files register them.
func TestPlaceholders(t *testing.T) {
	for name := range planned {
		if _, ok := commands[name]; ok {
			continue // implemented in this build
		}
		code, _, errs := call(name)
		if code != exitFail || !strings.Contains(errs, "not implemented yet") {
			t.Errorf("elect %s: exit %d, %q; want exit 1 saying it is not implemented yet", name, code, errs)
		}
	}
	for _, name := range order {
		if _, ok := commands[name]; !ok && planned[name] == "" {
			t.Errorf("command %q is listed in order but neither registered nor planned", name)
		}
	}
}

// TestShortDuration checks the defaults shown in help.
func TestShortDuration(t *testing.T) {
	for in, want := range map[string]string{"1m0s": "1m", "30s": "30s", "1h0m0s": "1h", "1m30s": "1m30s", "x": "x"} {
		if got := shortDuration(in); got != want {
			t.Errorf("shortDuration(%q) = %q; want %q", in, got, want)
		}
	}
}
