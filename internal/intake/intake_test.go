package intake_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// fixture is a running app (for its seeded database) and an intake service
// on the same store with the limits under test.
type fixture struct {
	a    *apptest.App
	svc  *intake.Service
	unit *model.Unit
}

func newFixture(t *testing.T, limits intake.Limits) *fixture {
	t.Helper()
	a := apptest.New(t)
	_, id, _ := a.ApprovedUnit("诚信水果店")
	u, err := a.Store.UnitByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{a: a, unit: u, svc: &intake.Service{Store: a.Store, Secret: []byte(apptest.Secret), Limits: limits, Now: a.Now}}
}

// tip is a valid anonymous tip about the fixture's unit.
func (f *fixture) tip(text string) intake.Request {
	return intake.Request{Target: reports.Target{Unit: f.unit},
		Submission: reports.Submission{Kind: "tip", Category: "short_weight", Description: text, Anonymous: true,
			IncidentAt: f.a.Now().Add(-time.Hour).In(model.Zone).Format("2006-01-02T15:04")}}
}

func from(r intake.Request, ip string) intake.Request { r.ClientIP = ip; return r }

// photo is an upload that records whether it was read.
type photo struct{ reads atomic.Int32 }

func (p *photo) upload() ([]byte, error) { p.reads.Add(1); return []byte("this is not an image"), nil }

func TestReportLimitPerAddress(t *testing.T) {
	ctx := context.Background()
	t.Run("sequential: exactly the limit", func(t *testing.T) {
		f := newFixture(t, intake.Limits{PerIPPerHour: 10})
		for i := 1; i <= 10; i++ {
			if _, errs, err := split(f.svc.Submit(ctx, from(f.tip(fmt.Sprintf("第%d次称重少了二两。", i)), "203.0.113.9"))); err != nil || errs.Any() {
				t.Fatalf("report %d of 10: %v %v", i, err, errs)
			}
		}
		_, _, err := split(f.svc.Submit(ctx, from(f.tip("第十一次称重少了二两。"), "203.0.113.9")))
		limited, _ := fail.As(err)
		if !fail.Is(err, fail.RateLimited) || limited.RetryAfter <= 0 || limited.RetryAfter > time.Hour {
			t.Fatalf("11th report: %v, want a rate limit", err)
		}
		// Another address is not affected; the same /64 is the same client.
		if _, _, err := split(f.svc.Submit(ctx, from(f.tip("另一个人也发现称重少了。"), "203.0.113.10"))); err != nil {
			t.Fatalf("another address: %v", err)
		}
		for i, ip := range []string{"2001:db8:7:7::1", "2001:db8:7:7::2"} {
			limits := intake.Limits{PerIPPerHour: 1}
			svc := &intake.Service{Store: f.a.Store, Secret: []byte(apptest.Secret), Limits: limits, Now: f.a.Now}
			_, _, err := split(svc.Submit(ctx, from(f.tip(fmt.Sprintf("IPv6 用户第%d次举报。", i)), ip)))
			if (i == 0) != (err == nil) {
				t.Fatalf("IPv6 %s (report %d of a /64 allowed one): %v", ip, i+1, err)
			}
		}
	})
	t.Run("concurrent: exactly the limit", func(t *testing.T) {
		f := newFixture(t, intake.Limits{PerIPPerHour: 10})
		var accepted, limited atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs, err := split(f.svc.Submit(ctx, from(f.tip(fmt.Sprintf("并发举报第%d条，称重不足。", i)), "198.51.100.4")))
				switch {
				case fail.Is(err, fail.RateLimited):
					limited.Add(1)
				case err != nil || errs.Any():
					t.Errorf("report %d: %v %v", i, err, errs)
				default:
					accepted.Add(1)
				}
			}()
		}
		wg.Wait()
		if accepted.Load() != 10 || limited.Load() != 10 {
			t.Fatalf("%d accepted, %d limited of 20 concurrent reports, want 10 and 10", accepted.Load(), limited.Load())
		}
	})
}

// Invalid text is refused before any photo is read; refused photos count
// against the address, so decoding is never free.
func TestPhotosCostAnAttempt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, intake.Limits{PerIPPerHour: 3})
	p := &photo{}
	bad := f.tip("短")
	bad.Photos = []intake.Upload{p.upload, p.upload}
	for range 20 {
		if _, errs, err := split(f.svc.Submit(ctx, from(bad, "192.0.2.1"))); err != nil || !errs.Has("description") {
			t.Fatalf("invalid text: %v %v", err, errs)
		}
	}
	if n := p.reads.Load(); n != 0 {
		t.Fatalf("%d photos read for reports whose text was invalid", n)
	}
	withPhoto := f.tip("称重少了二两，照片为证。")
	withPhoto.Photos = []intake.Upload{p.upload}
	for i := 1; i <= 3; i++ {
		if _, errs, err := split(f.svc.Submit(ctx, from(withPhoto, "192.0.2.1"))); err != nil || !errs.Has("photos") {
			t.Fatalf("attempt %d with a bad photo: %v %v", i, err, errs)
		}
	}
	if _, _, err := split(f.svc.Submit(ctx, from(withPhoto, "192.0.2.1"))); !fail.Is(err, fail.RateLimited) {
		t.Fatalf("4th attempt with a bad photo: %v, want a rate limit", err)
	}
	if n := p.reads.Load(); n != 3 {
		t.Fatalf("%d photos read, want 3 (the limited attempt must read none)", n)
	}
}

// Reports about one unit beyond the ordinary hourly number are accepted and
// marked; none is refused.
func TestUnitBurstIsMarkedNeverRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, intake.Limits{PerIPPerHour: 10, UnitBurstPerHour: 3})
	for i := 1; i <= 6; i++ {
		rec, errs, err := split(f.svc.Submit(ctx, from(f.tip(fmt.Sprintf("第%d位顾客：称重少了。", i)), fmt.Sprintf("203.0.113.%d", i))))
		if err != nil || errs.Any() {
			t.Fatalf("report %d about the unit refused: %v %v", i, err, errs)
		}
		want := 0
		if i > 3 {
			want = i
		}
		if rec.Case.Burst != want {
			t.Errorf("report %d: burst %d, want %d", i, rec.Case.Burst, want)
		}
		var events []model.CaseEvent
		f.a.DB.Where("case_id = ? AND kind = ?", rec.Case.ID, "burst").Find(&events)
		if (len(events) == 1) != (want > 0) || (len(events) == 1 && events[0].Public) {
			t.Errorf("report %d: %d burst events (public: %v)", i, len(events), len(events) == 1 && events[0].Public)
		}
	}
	// The officer's queue can show just the burst.
	rows, total, err := f.a.Store.Queue(ctx, storage.QueueFilter{Burst: true, PerPage: 50, Page: 1, Now: f.a.Now()})
	if err != nil || total != 3 || len(rows) != 3 {
		t.Fatalf("queue of bursts: %d rows of %d (%v), want 3", len(rows), total, err)
	}
}

// An idempotency key replays its receipt only for the same submission; with
// other content it returns nothing, from any address.
func TestIdempotencyKeyIsBoundToTheRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, intake.Limits{PerIPPerHour: 10})
	first := f.tip("称重少了二两，请核查。")
	first.Submission.IdempotencyKey = "key-0123456789abcdef"
	rec, errs, err := split(f.svc.Submit(ctx, from(first, "203.0.113.1")))
	if err != nil || errs.Any() {
		t.Fatal(err, errs)
	}
	again, _, err := split(f.svc.Submit(ctx, from(first, "203.0.113.1")))
	if err != nil || !again.Replayed || again.AccessCode != rec.AccessCode || again.Report.TrackingNo != rec.Report.TrackingNo {
		t.Fatalf("same submission again: %+v %v, want the first receipt", again, err)
	}
	other := f.tip("完全不同的内容，想拿到别人的回执。")
	other.Submission.IdempotencyKey = first.Submission.IdempotencyKey
	for _, ip := range []string{"203.0.113.1", "198.51.100.77"} {
		got, errs, err := split(f.svc.Submit(ctx, from(other, ip)))
		if !errors.Is(err, intake.ErrKeyReused) || got != nil || errs.Any() {
			t.Fatalf("other content under the same key from %s: %+v %v %v, want ErrKeyReused and nothing", ip, got, errs, err)
		}
	}
	var n int64
	f.a.DB.Model(&model.Report{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d reports stored, want 1", n)
	}
}

// Wrong access codes count against the tracking number from every address:
// many addresses guess no faster than one.
func TestTrackingGuessesCountPerNumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, intake.Limits{})
	rec, errs, err := split(f.svc.Submit(ctx, f.tip("称重少了二两，请核查。")))
	if err != nil || errs.Any() {
		t.Fatal(err, errs)
	}
	no := rec.Report.TrackingNo
	wrong := "00000000"
	if wrong == rec.AccessCode {
		wrong = "11111111"
	}
	for i := 1; i <= 10; i++ {
		if _, err := f.svc.Track(ctx, no, wrong, fmt.Sprintf("198.51.100.%d", i)); !errors.Is(err, intake.ErrNotFound) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := f.svc.Track(ctx, no, wrong, "192.0.2.200"); !fail.Is(err, fail.RateLimited) {
		t.Fatalf("11th guess from a fresh address: %v, want a rate limit", err)
	}
	// An unknown number behaves the same, so the limit reveals nothing.
	unknown := reports.NewTrackingNumber()
	for i := 1; i <= 10; i++ {
		_, _ = f.svc.Track(ctx, unknown, wrong, fmt.Sprintf("203.0.113.%d", i))
	}
	if _, err := f.svc.Track(ctx, unknown, wrong, "192.0.2.201"); !fail.Is(err, fail.RateLimited) {
		t.Fatalf("unknown number: %v, want the same rate limit", err)
	}
	f.a.Advance(time.Hour)
	tracked, err := f.svc.Track(ctx, no, rec.AccessCode, "192.0.2.200")
	if err != nil || tracked.Report.TrackingNo != no {
		t.Fatalf("the owner an hour later: %v", err)
	}
	// A right code gives its attempt back: the owner may look as often as
	// the address allows.
	for i := range 20 {
		if _, err := f.svc.Track(ctx, no, rec.AccessCode, "192.0.2.200"); err != nil {
			t.Fatalf("owner lookup %d: %v", i, err)
		}
	}
	// Addresses of one IPv6 /64 share their allowance.
	for i := 1; i <= 30; i++ {
		_, _ = f.svc.Track(ctx, reports.NewTrackingNumber(), wrong, fmt.Sprintf("2001:db8:9:9::%x", i))
	}
	if _, err := f.svc.Track(ctx, reports.NewTrackingNumber(), wrong, "2001:db8:9:9:ffff::1"); !fail.Is(err, fail.RateLimited) {
		t.Fatalf("31st lookup from one /64: %v, want a rate limit", err)
	}
}

// split turns Submit's answer back into receipt, field problems and other
// errors, as the tests below were first written.
func split(rec *intake.Receipt, err error) (*intake.Receipt, form.Errors, error) {
	if e, ok := fail.As(err); ok && e.Kind == fail.Invalid && !errors.Is(err, intake.ErrKeyReused) {
		return rec, e.Fields, nil
	}
	return rec, nil, err
}
