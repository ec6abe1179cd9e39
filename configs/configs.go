// Package configs carries the reference data of the default deployment
// (Changzhou) inside the binary. Another city points HM_REFERENCE_DIR at a
// folder with the same files instead; nothing city-specific lives in code.
package configs

import (
	"embed"
	"io/fs"
)

//go:embed changzhou
var embedded embed.FS

// Changzhou is the reference data of the default deployment.
func Changzhou() fs.FS {
	sub, err := fs.Sub(embedded, "changzhou")
	if err != nil {
		panic(err) // the folder is embedded at build time; absent only if the build is broken
	}
	return sub
}
