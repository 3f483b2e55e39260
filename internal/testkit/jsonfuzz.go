package testkit

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// RoundTripJSON is the check of the packages' JSON fuzz targets for one
// type: it decodes data into a new T and reports whether that succeeded.
// Refusing data is always fine (the fuzzer reports a panic or a hang, not an
// error); when data decodes, the value must encode, and that encoding must
// decode again to an equal value. And the encoding must be stable: once a
// value has been through JSON, encoding, decoding and encoding it again
// gives the same bytes. (Not after the first trip: an omitzero struct that
// holds only an empty slice encodes as {} and then, its slice nil, not at
// all; the values are equal.)
//
// Values compare as the SDK's tests compare them: empty and nil slices are
// equal and times compare as instants; opts add the package's own
// conventions (Money with ==, decimals with Equal).
func RoundTripJSON[T any](t testing.TB, data []byte, opts ...cmp.Option) bool {
	t.Helper()
	var first T
	if err := json.Unmarshal(data, &first); err != nil {
		return false
	}
	name := reflect.TypeFor[T]().String()
	enc, err := json.Marshal(first)
	if err != nil {
		t.Errorf("%s decoded from %q does not encode: %v", name, data, err)
		return true
	}
	var again T
	if err := json.Unmarshal(enc, &again); err != nil {
		t.Errorf("%s decoded from %q encodes as %s, which does not decode: %v", name, data, enc, err)
		return true
	}
	opts = append([]cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}, opts...)
	if diff := cmp.Diff(first, again, opts...); diff != "" {
		t.Errorf("%s decoded from %q, encoded as %s and decoded again differs (-first +again):\n%s", name, data, enc, diff)
	}
	enc2, err := json.Marshal(again)
	if err != nil {
		t.Errorf("%s decoded from its own encoding %s does not encode: %v", name, enc, err)
		return true
	}
	var third T
	if err := json.Unmarshal(enc2, &third); err != nil {
		t.Errorf("%s decoded from %q encodes as %s, which does not decode: %v", name, data, enc2, err)
		return true
	}
	if enc3, err := json.Marshal(third); err != nil || !bytes.Equal(enc2, enc3) {
		t.Errorf("%s decoded from %q encodes after a round trip as\n%s\nand after another as\n%s (%v)", name, data, enc2, enc3, err)
	}
	return true
}

// JSONType is one type a package's JSON fuzz target decodes: its name and
// the RoundTripJSON check for it.
type JSONType struct {
	Name  string
	Check func(t testing.TB, data []byte) bool
}

// JSONTypeOf returns the JSONType of T, compared with opts.
func JSONTypeOf[T any](opts ...cmp.Option) JSONType {
	return JSONType{
		Name:  reflect.TypeFor[T]().Name(),
		Check: func(t testing.TB, data []byte) bool { t.Helper(); return RoundTripJSON[T](t, data, opts...) },
	}
}

// FuzzJSON is a package's JSON fuzz target: it adds seeds to f's corpus
// and decodes every input into each of types in turn.
func FuzzJSON(f *testing.F, seeds [][]byte, types []JSONType) {
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, jt := range types {
			jt.Check(t, data)
		}
	})
}

// CheckJSONTypes reports the exported types of the package in dir (its
// non-test Go files) that decode from JSON — structs with a json tag, and
// types with an UnmarshalJSON or UnmarshalText method — and that are not
// in types, so that a package's JSON fuzz target keeps decoding every one.
func CheckJSONTypes(t testing.TB, dir string, types []JSONType) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	have := map[string]bool{}
	for _, jt := range types {
		have[jt.Name] = true
	}
	var missing []string
	for _, name := range jsonDecodable(files) {
		if !have[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if missing = slices.Compact(missing); len(missing) > 0 {
		t.Errorf("the JSON fuzz target of %s does not decode %s", dir, strings.Join(missing, ", "))
	}
}

// jsonDecodable returns the exported types declared in files that decode
// from JSON by their own rules: structs with a json tag, and types with an
// UnmarshalJSON or UnmarshalText method.
func jsonDecodable(files []*ast.File) []string {
	var names []string
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) != 1 || (d.Name.Name != "UnmarshalJSON" && d.Name.Name != "UnmarshalText") {
					continue
				}
				recv := d.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				if id, ok := recv.(*ast.Ident); ok && id.IsExported() {
					names = append(names, id.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok || !ts.Name.IsExported() {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					if slices.ContainsFunc(st.Fields.List, func(f *ast.Field) bool {
						return f.Tag != nil && strings.Contains(f.Tag.Value, `json:"`)
					}) {
						names = append(names, ts.Name.Name)
					}
				}
			}
		}
	}
	return names
}
