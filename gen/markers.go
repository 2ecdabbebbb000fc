package gen

import (
	"go/ast"
	"go/token"
	"strings"
)

// markerPrefix starts a role comment: "//genlock:get" on a method,
// "//genlock:notfound" on a variable. Like Go's own directives it has no
// space after the slashes.
const markerPrefix = "//genlock:"

// marker is one //genlock: comment.
type marker struct {
	role string
	pos  token.Pos
}

// markers maps the position of a declared name (a method name in an
// interface, a variable name) to the //genlock: comments on its
// declaration.
type markers map[token.Pos][]marker

// collectMarkers finds the //genlock: comments on every interface method
// and every package-level variable of the files.
func collectMarkers(files []*ast.File) markers {
	m := markers{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.InterfaceType:
				for _, field := range n.Methods.List {
					found := commentMarkers(field.Doc, field.Comment)
					for _, name := range field.Names {
						m[name.Pos()] = found
					}
				}
			case *ast.GenDecl:
				if n.Tok != token.VAR {
					return true
				}
				for _, spec := range n.Specs {
					vs := spec.(*ast.ValueSpec)
					found := commentMarkers(vs.Doc, vs.Comment)
					if n.Lparen == token.NoPos {
						found = append(commentMarkers(n.Doc), found...)
					}
					for _, name := range vs.Names {
						m[name.Pos()] = found
					}
				}
			}
			return true
		})
	}
	return m
}

func commentMarkers(groups ...*ast.CommentGroup) []marker {
	var out []marker
	for _, g := range groups {
		if g == nil {
			continue
		}
		for _, c := range g.List {
			if rest, ok := strings.CutPrefix(c.Text, markerPrefix); ok {
				role, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
				out = append(out, marker{role: role, pos: c.Pos()})
			}
		}
	}
	return out
}
