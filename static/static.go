// Package static embeds the stylesheets, scripts and images served under
// /static/. Everything here is vendored: pages make no external requests.
package static

import "embed"

// FS holds the static files.
//
//go:embed css js img
var FS embed.FS
