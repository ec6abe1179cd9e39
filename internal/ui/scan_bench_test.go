package ui_test

import (
	"io"
	"net/http"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// BenchmarkScanPage measures /q/{token} end to end over loopback HTTP for
// a unit code and an instrument code of a unit with two scales. hmbench
// measures the same page under concurrent load on a seeded city; this is
// the quick single-request view for profiling.
func BenchmarkScanPage(b *testing.B) {
	a := apptest.New(b)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	for _, bc := range []struct {
		name string
		path string
	}{
		{"unit", a.ScanPath(model.QRUnit, unitID)},
		{"instrument", a.ScanPath(model.QRInstrument, ins[0].ID)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			url := a.URL + bc.path
			for b.Loop() {
				resp, err := http.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
