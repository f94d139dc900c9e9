package azbilling_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestEveryExportedIdentifierIsDocumented walks the non-test Go files of every public package
// (everything outside internal/, testdata/ and nested modules) and fails on a package without a
// package comment or an exported identifier without a doc comment — struct fields, interface
// methods, methods, and names in grouped declarations included. It keeps `go doc` complete.
func TestEveryExportedIdentifierIsDocumented(t *testing.T) {
	var missing []string
	pkgDoc := map[string]bool{} // directory -> has a package comment
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (name == "internal" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if f.Name.Name == "main" {
			return nil // commands document themselves in their package comment only
		}
		if _, ok := pkgDoc[dir]; !ok {
			pkgDoc[dir] = false
		}
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			pkgDoc[dir] = true
		}
		report := func(pos token.Pos, what string) {
			p := fset.Position(pos)
			missing = append(missing, p.Filename+":"+strconv.Itoa(p.Line)+": "+what)
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if !decl.Name.IsExported() || (decl.Recv != nil && !exportedRecv(decl.Recv)) {
					continue
				}
				if decl.Doc == nil {
					report(decl.Pos(), "func "+decl.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if !spec.Name.IsExported() {
							continue
						}
						if spec.Doc == nil && decl.Doc == nil {
							report(spec.Pos(), "type "+spec.Name.Name)
						}
						checkFields(spec.Name.Name, spec.Type, report)
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							if n.IsExported() && spec.Doc == nil && spec.Comment == nil && decl.Doc == nil {
								report(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, ok := range pkgDoc {
		if !ok {
			missing = append(missing, dir+": package comment")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("undocumented: %s", m)
	}
}

// checkFields reports exported struct fields and interface methods without a doc or line comment.
func checkFields(typeName string, expr ast.Expr, report func(token.Pos, string)) {
	var list *ast.FieldList
	switch e := expr.(type) {
	case *ast.StructType:
		list = e.Fields
	case *ast.InterfaceType:
		list = e.Methods
	default:
		return
	}
	for _, field := range list.List {
		documented := field.Doc != nil || field.Comment != nil
		if len(field.Names) == 0 { // embedded: documented by its own type
			continue
		}
		for _, n := range field.Names {
			if n.IsExported() && !documented {
				report(n.Pos(), typeName+"."+n.Name)
			}
		}
	}
}

func exportedRecv(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}
