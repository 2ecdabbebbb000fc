package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
)

// docWidth is where generated comments wrap.
const docWidth = 76

// docf renders a comment, wrapped at docWidth columns, with a line break
// after it: ready to precede a declaration. A blank line in the text
// ("\n\n") starts a new paragraph.
func docf(format string, args ...any) *jen.Statement {
	s := &jen.Statement{}
	for i, para := range strings.Split(fmt.Sprintf(format, args...), "\n\n") {
		if i > 0 {
			s = s.Comment("").Line()
		}
		for _, line := range wrap(para, docWidth) {
			s = s.Comment(line).Line()
		}
	}
	return s
}

// wrap splits text into lines of at most width bytes, at spaces (a longer
// word gets a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	var line strings.Builder
	for _, w := range strings.Fields(text) {
		if line.Len() > 0 && line.Len()+1+len(w) > width {
			lines = append(lines, line.String())
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	if line.Len() > 0 {
		lines = append(lines, line.String())
	}
	return lines
}
