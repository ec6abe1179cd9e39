package apptest

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"honestmeasure/internal/app"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
)

// WithScanWatermark gives the instance a scan watermark polling db, as
// cmd/honestmeasure serve does, stopped when the test ends. db may be a
// handle of its own on the instance's database, so that a test can tell the
// poller's queries from the pages'.
func WithScanWatermark(t testing.TB, db *gorm.DB) func(*app.Options) {
	return func(o *app.Options) {
		w, err := scan.NewWatermark(storage.New(db), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		o.ScanWatermark = w
	}
}
