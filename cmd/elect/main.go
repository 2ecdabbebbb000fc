// Command elect runs leader election from the shell: it runs a command only
// while this process leads (elect run), serves the reference HTTP lock
// (elect serve), and shows a lock's holder (elect status).
//
// Usage:
//
//	elect <command> [flags] [arguments]
//	elect help <command>
//
// Exit codes: 0 success, 1 failure, 2 usage error; elect run documents its
// own codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand. Each lives in its own file and registers
// itself from an init function with register.
type command struct {
	name    string // as typed: "serve"
	summary string // one line for `elect help`
	// usage is the help text before the flags: a "Usage:" line and a
	// description. examples follows the flags.
	usage, examples string
	// setup declares the command's flags on fs and returns the function
	// that runs the command, once fs has parsed the arguments, with the
	// arguments left after the flags; it returns the exit code.
	setup func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command.
type runFunc func(ctx context.Context, e *env, args []string) int

// noFlags is the setup of a command without flags.
func noFlags(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}

// env is what a command may use of the process: its output streams and
// its environment, so tests can run commands in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// order lists the commands in `elect help`. A name without a registered
// command is shown as not implemented yet, and running it says so (exit
// 1): `run` and `status` register themselves from run.go and status.go.
var order = []string{"run", "status", "serve", "version", "help"}

// planned describes the commands that other files are to provide.
var planned = map[string]string{}

// commands holds the registered commands by name.
var commands = map[string]*command{}

// register adds a command; init functions call it.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("elect: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func init() {
	register(&command{
		name: "version", summary: "print the version of elect",
		usage: "Usage: elect version\n\nPrints the module version, the VCS revision when known, and the Go version.\n",
		setup: noFlags(func(_ context.Context, e *env, _ []string) int {
			fmt.Fprintln(e.stdout, version())
			return exitOK
		}),
	})
	register(&command{
		name: "help", summary: "show the help of elect or of a command",
		usage: "Usage: elect help [command]\n",
		setup: noFlags(func(_ context.Context, e *env, args []string) int {
			if len(args) == 0 {
				mainUsage(e.stdout)
				return exitOK
			}
			c, ok := commands[args[0]]
			if !ok {
				return unknown(e, args[0])
			}
			commandUsage(e.stdout, c)
			return exitOK
		}),
	})
}

func main() {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(dispatch(context.Background(), e, os.Args[1:]))
}

// dispatch runs the command named by args[0] and returns the exit code.
func dispatch(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		mainUsage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		mainUsage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		return unknown(e, name)
	}
	fs := flag.NewFlagSet("elect "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	run := c.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(e.stdout, c)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "elect %s: %v\nRun 'elect %s --help' for its flags.\n", c.name, err, c.name)
		return exitUsage
	}
	return run(ctx, e, fs.Args())
}

// unknown reports a command that is not registered.
func unknown(e *env, name string) int {
	if what, ok := planned[name]; ok {
		fmt.Fprintf(e.stderr, "elect %s (%s): not implemented yet in this build\n", name, what)
		return exitFail
	}
	fmt.Fprintf(e.stderr, "elect: unknown command %q\nRun 'elect help' for the commands.\n", name)
	return exitUsage
}

// mainUsage prints the list of commands.
func mainUsage(w io.Writer) {
	fmt.Fprint(w, `elect: leader election for programs and scripts, on a lock file or an HTTP lock.

Usage:
  elect <command> [flags] [arguments]

Commands:
`)
	for _, name := range order {
		summary := planned[name] + " (not implemented yet)"
		if c, ok := commands[name]; ok {
			summary = c.summary
		}
		fmt.Fprintf(w, "  %-8s  %s\n", name, summary)
	}
	fmt.Fprint(w, `
Run 'elect help <command>' or 'elect <command> --help' for a command's flags.
Exit codes: 0 success, 1 failure, 2 usage error.
`)
}

// commandUsage prints a command's usage, flags and examples.
func commandUsage(w io.Writer, c *command) {
	fmt.Fprint(w, c.usage)
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(fs)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprint(w, "\nFlags:\n")
			first = false
		}
		arg, text := flag.UnquoteUsage(f)
		head := "--" + f.Name
		if arg != "" {
			head += " " + arg
		}
		fmt.Fprintf(w, "  %s\n      %s", head, strings.ReplaceAll(text, "\n", "\n      "))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", shortDuration(f.DefValue))
		}
		fmt.Fprintln(w)
	})
	if c.examples != "" {
		fmt.Fprint(w, "\nExamples:\n", c.examples)
	}
}

// shortDuration drops the zero units of a duration's default ("1m0s"
// becomes "1m"); other values are returned as they are.
func shortDuration(v string) string {
	if _, err := time.ParseDuration(v); err != nil {
		return v
	}
	if strings.HasSuffix(v, "m0s") {
		v = strings.TrimSuffix(v, "0s")
	}
	if strings.HasSuffix(v, "h0m") {
		v = strings.TrimSuffix(v, "0m")
	}
	return v
}

// version returns "elect VERSION (REVISION, GOVERSION OS/ARCH)".
func version() string {
	v, rev := "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = s.Value[:12] + ", "
			}
		}
	}
	return fmt.Sprintf("elect %s (%s%s %s/%s)", v, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
