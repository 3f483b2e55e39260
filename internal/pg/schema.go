package pg

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// Schema is the PostgreSQL schema a store's tables (and the functions its
// statements call) are in: DefaultSchema unless the caller names another.
// The stores' SQL names everything qualified with the default,
// "tradeassure.payments", and SQL rewrites that to the schema's, so no
// statement depends on the connection's search_path and nothing is put in
// public.
type Schema string

// DefaultSchema is the schema of a store whose caller named none.
const DefaultSchema Schema = "tradeassure"

// OrDefault returns s, or DefaultSchema when s is empty.
func (s Schema) OrDefault() Schema {
	if s == "" {
		return DefaultSchema
	}
	return s
}

// SQL returns sql, written with names qualified "tradeassure.", with
// them qualified with s instead (quoted as an identifier).
func (s Schema) SQL(sql string) string {
	if s = s.OrDefault(); s == DefaultSchema {
		return sql
	}
	return strings.ReplaceAll(sql, string(DefaultSchema)+".", s.quoted()+".")
}

// quoted returns s as a quoted identifier.
func (s Schema) quoted() string { return pgx.Identifier{string(s.OrDefault())}.Sanitize() }

// SchemaOf returns the schema the options opts set on a new S, as of
// reads it (DefaultSchema when they set none): how a store's Migrate
// learns the schema its New will use.
func SchemaOf[S any, O ~func(*S)](opts []O, of func(*S) Schema) Schema {
	var s S
	for _, o := range opts {
		o(&s)
	}
	return of(&s).OrDefault()
}
