// Package opendata is what the platform publishes in bulk for anyone to
// reuse: the public directory of demonstration units as CSV and JSON
// downloads, and the concluded cases its Open311 GeoReport v2 facade
// serves. It decides what of a unit or a case is public and in which shape;
// the edges (internal/ui, internal/api) only parse, call and write.
//
// It must never read a reporter's data (storage.PublicCase holds none), nor
// a unit owner's or contact person's details, nor anything staff-only; and
// every free text a case contributes passes pii.Redact, the last line of
// defence of what leaves the system where no reporter is known.
package opendata

import (
	"time"

	"honestmeasure/internal/model"
)

// The terms every download and Open311 answer is published under: reuse
// for any purpose with attribution to the city's bureau. Licence is how the
// files name them.
const (
	LicenceName = "CC BY 4.0"
	LicenceURL  = "https://creativecommons.org/licenses/by/4.0/"
	Licence     = LicenceName + " " + LicenceURL
)

// LicenceLine is the first line of a CSV download: the licence and the
// calendar day (model.Zone) the file was generated on.
func LicenceLine(source string, generated time.Time) string {
	return "# 许可 License: " + Licence + " · 来源 Source: " + source + " · generated " + model.DateOf(generated).Format(time.DateOnly)
}

// MaxConcurrent bounds the downloads one instance generates at once: each
// walks the whole directory, so a crowd asking at the same moment waits
// (503, Retry-After) instead of occupying every database connection.
const MaxConcurrent = 2

var slots = make(chan struct{}, MaxConcurrent)

// Acquire takes one of the MaxConcurrent slots; ok is false when all are
// taken. release must be called once the download is written.
func Acquire() (release func(), ok bool) {
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, true
	default:
		return nil, false
	}
}
