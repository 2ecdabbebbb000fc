package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// logFlags are the logging flags shared by run and status.
type logFlags struct {
	quiet bool
	json  bool
}

// newLogger returns the logger of a command: short human lines
// ("elect[PID]: msg key=value"), or slog JSON lines with --json; with
// --quiet, errors only.
func newLogger(w io.Writer, o logFlags, pid int) *slog.Logger {
	level := slog.LevelInfo
	if o.quiet {
		level = slog.LevelError
	}
	if o.json {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(&humanHandler{w: w, level: level, prefix: "elect[" + strconv.Itoa(pid) + "]: ", mu: new(sync.Mutex)})
}

// humanHandler writes one short line per record, without time (journald
// and terminals have their own): the prefix, "warning: " or "error: " by
// level, the message, then key=value pairs. It leaves out the attributes
// the election library adds to every line ("election", "identity"): elect
// runs one election and says which at its start.
type humanHandler struct {
	w      io.Writer
	level  slog.Level
	prefix string
	attrs  []slog.Attr
	mu     *sync.Mutex
}

func (h *humanHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *humanHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *humanHandler) WithGroup(string) slog.Handler { return h }

func (h *humanHandler) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString(h.prefix)
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	}
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if a.Key == "election" || a.Key == "identity" || a.Equal(slog.Attr{}) {
			return true
		}
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(humanValue(a.Value))
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b.Bytes())
	return err
}

// humanValue formats a value: durations rounded to the millisecond,
// strings quoted only when they hold spaces or quotes.
func humanValue(v slog.Value) string {
	v = v.Resolve()
	var s string
	switch v.Kind() {
	case slog.KindDuration:
		s = v.Duration().Round(time.Millisecond).String()
	case slog.KindTime:
		s = v.Time().Format(time.RFC3339Nano)
	default:
		s = v.String()
	}
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return fmt.Sprintf("%q", s)
	}
	return s
}
