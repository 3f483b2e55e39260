package escrowpg

import "io/fs"

// Migrations returns the embedded migrations, for the tests.
func Migrations() fs.FS { return migrations }
