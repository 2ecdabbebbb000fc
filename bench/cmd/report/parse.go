package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// kv is one SUMMARY line: its key-value pairs.
type kv map[string]string

// num returns the number at the start of k's value ("149.8ms" gives 149.8)
// and whether there is one.
func (m kv) num(k string) (float64, bool) {
	s, ok := m[k]
	if !ok {
		return 0, false
	}
	end := 0
	for end < len(s) && (s[end] == '-' || s[end] == '.' || s[end] >= '0' && s[end] <= '9') {
		end++
	}
	v, err := strconv.ParseFloat(s[:end], 64)
	return v, err == nil
}

// summaries reads the SUMMARY lines of the files matching pattern. Both
// forms are read: "SUMMARY name=N k=v ..." (etcd's harness and ours) and
// "SUMMARY N k=v ..." (the client-go harness).
func summaries(pattern string) map[string]kv {
	out := map[string]kv{}
	for name, ms := range summariesAll(pattern) {
		out[name] = ms[len(ms)-1]
	}
	return out
}

// summariesAll is summaries keeping every line of a name (repeated runs),
// in file order.
func summariesAll(pattern string) map[string][]kv {
	out := map[string][]kv{}
	files, _ := filepath.Glob(pattern)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 2 || fs[0] != "SUMMARY" {
				continue
			}
			m := kv{}
			name := fs[1]
			rest := fs[2:]
			if strings.HasPrefix(name, "name=") {
				name = strings.TrimPrefix(name, "name=")
			} else if strings.Contains(name, "=") {
				continue
			}
			for _, f := range rest {
				if k, v, ok := strings.Cut(f, "="); ok {
					m[k] = v
				}
			}
			out[name] = append(out[name], m)
		}
		fh.Close()
	}
	return out
}

// medianBy returns the line whose key k is the median of ms (the lower
// middle one for an even count), and the number of lines.
func medianBy(ms []kv, k string) (kv, int) {
	if len(ms) == 0 {
		return nil, 0
	}
	s := append([]kv(nil), ms...)
	sort.SliceStable(s, func(i, j int) bool {
		a, _ := s[i].num(k)
		b, _ := s[j].num(k)
		return a < b
	})
	return s[(len(s)-1)/2], len(s)
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

// benchMedians reads `go test -bench -benchmem -count N` output and returns
// per benchmark the medians of ns/op, B/op and allocs/op as a kv.
func benchMedians(file string) map[string]kv {
	type acc struct{ ns, b, a []float64 }
	m := map[string]*acc{}
	fh, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		mm := benchLine.FindStringSubmatch(sc.Text())
		if mm == nil {
			continue
		}
		x := m[mm[1]]
		if x == nil {
			x = &acc{}
			m[mm[1]] = x
		}
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		x.ns, x.b, x.a = append(x.ns, f(mm[2])), append(x.b, f(mm[3])), append(x.a, f(mm[4]))
	}
	out := map[string]kv{}
	for name, x := range m {
		out[name] = kv{
			"ns/op":     strconv.FormatFloat(median(x.ns), 'f', 1, 64),
			"B/op":      strconv.FormatFloat(median(x.b), 'f', 0, 64),
			"allocs/op": strconv.FormatFloat(median(x.a), 'f', 0, 64),
			"runs":      strconv.Itoa(len(x.ns)),
		}
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
