// Package templates embeds the html/template files; internal/render parses
// them once at start-up.
package templates

import "embed"

// FS holds the templates.
//
//go:embed *.html
var FS embed.FS
