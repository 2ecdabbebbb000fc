//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The process tests run the test binary again as helper processes (see
// TestMain and helpers). A helper prints one line per event on stdout:
// a keyword, then fields; the last field of most lines is the wall clock
// in Unix nanoseconds when it happened, comparable across processes of
// one host. It reads commands on stdin, one per line. The tests synchronise
// on these lines only; the bounds below only stop a hung test.

// procTimeout bounds every wait of a process test for a line.
const procTimeout = 30 * time.Second

// event is one line of one helper.
type event struct {
	p      *proc
	fields []string // fields[0] is the keyword; "EXIT" when stdout closed
}

// at is the timestamp in the last field of e.
func (e event) at() time.Time {
	ns, err := strconv.ParseInt(e.fields[len(e.fields)-1], 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// field returns the i-th field of e as an integer, or -1.
func (e event) int(i int) int64 {
	if i >= len(e.fields) {
		return -1
	}
	n, err := strconv.ParseInt(e.fields[i], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (e event) String() string { return fmt.Sprintf("%s: %s", e.p.name, strings.Join(e.fields, " ")) }

// proc is one helper process.
type proc struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	pid   int
	dead  bool
}

// cluster runs helper processes and merges their lines.
type cluster struct {
	t      testing.TB
	events chan event
	procs  []*proc
	log    []string // every line seen, for failure messages

	// waitingOn is, for each lock candidate, the holder named in its last
	// WAITING line, until its next line.
	waitingOn map[*proc]string
}

func newCluster(t testing.TB) *cluster {
	c := &cluster{t: t, events: make(chan event, 256), waitingOn: map[*proc]string{}}
	t.Cleanup(func() {
		for _, p := range c.procs {
			if !p.dead {
				p.cmd.Process.Signal(syscall.SIGKILL)
			}
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("helper output:\n%s", strings.Join(c.log, "\n"))
		}
	})
	return c
}

// start runs the helper mode with the given environment.
func (c *cluster) start(name, mode string, env ...string) *proc {
	c.t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, stdin: stdin, pid: cmd.Process.Pid}
	c.procs = append(c.procs, p)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.events <- event{p, strings.Fields(sc.Text())}
		}
		c.events <- event{p, []string{"EXIT"}}
	}()
	return p
}

// next returns the next line of any helper.
func (c *cluster) next(what string) event {
	c.t.Helper()
	select {
	case e := <-c.events:
		c.log = append(c.log, e.String())
		delete(c.waitingOn, e.p)
		if e.fields[0] == "WAITING" {
			c.waitingOn[e.p] = e.fields[1]
		}
		return e
	case <-time.After(procTimeout):
		c.t.Fatalf("no line from the helpers within %v while waiting for %s", procTimeout, what)
		return event{}
	}
}

// await returns the next line with keyword kw from p (any helper if p is
// nil), and passes every other line to other, which may be nil.
func (c *cluster) await(p *proc, kw string, other func(event)) event {
	c.t.Helper()
	for {
		e := c.next(kw)
		if e.fields[0] == kw && (p == nil || e.p == p) {
			return e
		}
		if e.fields[0] == "EXIT" && !e.p.dead {
			c.t.Fatalf("%s exited unexpectedly while waiting for %s", e.p.name, kw)
		}
		if e.fields[0] == "ERROR" {
			c.t.Fatalf("%s", e)
		}
		if other != nil {
			other(e)
		}
	}
}

// send writes a command line to p.
func (p *proc) send(t testing.TB, cmd string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, cmd+"\n"); err != nil {
		t.Fatalf("command %q to %s: %v", cmd, p.name, err)
	}
}

// signal sends sig to p; SIGKILL marks it dead.
func (p *proc) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if sig == syscall.SIGKILL {
		p.dead = true
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to %s: %v", sig, p.name, err)
	}
}

// now is the wall clock in Unix nanoseconds, as the helpers print it.
func now() string { return strconv.FormatInt(time.Now().UnixNano(), 10) }

// say prints a helper's line.
func say(fields ...any) {
	fmt.Fprintln(os.Stdout, fields...)
}

// commands delivers the lines of stdin; it closes at EOF.
func commands() <-chan string {
	ch := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			ch <- strings.TrimSpace(sc.Text())
		}
		close(ch)
	}()
	return ch
}

// percentile returns the p-th percentile (nearest rank) of ds, sorted.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	i := int(p/100*float64(len(s))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}
