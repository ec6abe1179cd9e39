package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// reminderWorld makes units with one instrument each and certificates.
type reminderWorld struct {
	t     *testing.T
	st    *storage.Store
	owner *model.User
	body  int64
	types map[string]int64
	dist  []model.District
	seq   int
}

func newReminderWorld(t *testing.T) *reminderWorld {
	st, ref := seeded(t)
	ctx := context.Background()
	w := &reminderWorld{t: t, st: st, owner: newMerchant(t, st, "13900000077"), types: map[string]int64{}}
	vb, err := st.VerificationBodyByCode(ctx, ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	w.body = vb.ID
	types, _ := st.InstrumentTypes(ctx)
	for _, ty := range types {
		w.types[ty.Code] = ty.ID
	}
	w.dist, _ = st.Districts(ctx)
	return w
}

func (w *reminderWorld) unit(district int64, status model.UnitStatus) *model.Unit {
	w.t.Helper()
	w.seq++
	u := &model.Unit{OwnerUserID: w.owner.ID, Name: fmt.Sprintf("摊位 %d", w.seq), USCC: fmt.Sprintf("9132040000%08d", w.seq),
		BusinessType: model.BusinessMarketStall, Address: "红梅农贸市场", DistrictID: district, ContactName: "张",
		ContactPhone: "13900000077", Status: status}
	if err := w.st.CreateUnit(context.Background(), u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

func (w *reminderWorld) instrument(u *model.Unit, typ string) *model.Instrument {
	w.t.Helper()
	w.seq++
	in := &model.Instrument{UnitID: u.ID, TypeID: w.types[typ], SerialNo: fmt.Sprintf("S-%d", w.seq)}
	if err := w.st.CreateInstrument(context.Background(), in); err != nil {
		w.t.Fatal(err)
	}
	return in
}

// record adds a record; validUntil nil means none written.
func (w *reminderWorld) record(in *model.Instrument, result model.VerificationResult, verified time.Time, validUntil *time.Time, source model.VerificationSource) {
	w.t.Helper()
	w.seq++
	id := in.ID
	r := &model.VerificationRecord{InstrumentID: &id, CertificateNo: fmt.Sprintf("C-%d", w.seq), BodyName: "所", VerifiedOn: verified,
		ValidUntil: validUntil, Result: result, Source: source}
	if source == model.SourceConfirmed {
		r.VerificationBodyID = &w.body
	}
	if err := w.st.AddVerification(context.Background(), r); err != nil {
		w.t.Fatal(err)
	}
}

func (w *reminderWorld) pass(in *model.Instrument, validUntil time.Time) {
	w.record(in, model.ResultPass, validUntil.AddDate(-1, 0, 1), &validUntil, model.SourceConfirmed)
}

var live = []model.UnitStatus{model.UnitApproved, model.UnitSuspended}

// TestUnitsWithValidUntilIn: the candidates are exactly the live units with
// an instrument in use whose judged certificate may end in the window, paged
// by id; a renewed certificate, a failed instrument, a retired one, a draft
// and a date outside the window are not.
func TestUnitsWithValidUntilIn(t *testing.T) {
	ctx := context.Background()
	w := newReminderWorld(t)
	d := w.dist[0].ID
	from, to := model.Date(2026, 9, 1), model.Date(2026, 9, 30)
	var want []int64
	for i := range 5 {
		u := w.unit(d, live[i%2])
		w.pass(w.instrument(u, "price_scale"), from.AddDate(0, 0, i*7))
		want = append(want, u.ID)
	}
	// A declaration without a date, capped at its 12-month cycle's end.
	declared := w.unit(d, model.UnitApproved)
	w.record(w.instrument(declared, "price_scale"), model.ResultPass, model.Date(2025, 9, 15), nil, model.SourceDeclared)
	want = append(want, declared.ID)

	renewed := w.unit(d, model.UnitApproved)
	in := w.instrument(renewed, "price_scale")
	w.pass(in, from.AddDate(0, 0, 3))
	w.pass(in, to.AddDate(1, 0, 0))
	failed := w.unit(d, model.UnitApproved)
	in = w.instrument(failed, "price_scale")
	w.pass(in, from)
	w.record(in, model.ResultFail, from.AddDate(0, -1, 0), nil, model.SourceConfirmed)
	retired := w.unit(d, model.UnitApproved)
	in = w.instrument(retired, "price_scale")
	w.pass(in, from)
	if err := w.st.RetireInstrument(ctx, in.ID, from); err != nil {
		t.Fatal(err)
	}
	draft := w.unit(d, model.UnitDraft)
	w.pass(w.instrument(draft, "price_scale"), from)
	outside := w.unit(d, model.UnitApproved)
	w.pass(w.instrument(outside, "price_scale"), to.AddDate(0, 0, 1))
	meter := w.unit(d, model.UnitApproved)
	w.record(w.instrument(meter, "water_meter"), model.ResultPass, model.Date(2025, 9, 15), nil, model.SourceDeclared)

	maxID, err := w.st.MaxUnitID(ctx)
	if err != nil || maxID != meter.ID {
		t.Fatalf("max unit id %d %v, want %d", maxID, err, meter.ID)
	}
	var got []int64
	for after := int64(0); after < maxID; after += 2 {
		ids, err := w.st.UnitsWithValidUntilIn(ctx, live, from, to, after, after+2)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if id <= after || id > after+2 {
				t.Fatalf("unit %d outside the window (%d, %d]", id, after, after+2)
			}
		}
		got = append(got, ids...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("candidates %v, want %v (renewed %d, failed %d, retired %d, draft %d, outside %d, meter %d)",
			got, want, renewed.ID, failed.ID, retired.ID, draft.ID, outside.ID, meter.ID)
	}
}

// TestExpiredInUse: expired instruments in use of live units, limited to
// the districts and type asked for, sorted by valid-until either way, paged
// with the total.
func TestExpiredInUse(t *testing.T) {
	ctx := context.Background()
	w := newReminderWorld(t)
	today := model.Date(2026, 10, 1)
	d1, d2 := w.dist[0].ID, w.dist[1].ID
	var inD1 []int64
	for i := range 4 {
		in := w.instrument(w.unit(d1, model.UnitApproved), "price_scale")
		w.pass(in, today.AddDate(0, 0, -1-i*10)) // expired 1, 11, 21, 31 days ago
		inD1 = append(inD1, in.ID)
	}
	other := w.instrument(w.unit(d2, model.UnitSuspended), "fuel_dispenser")
	w.pass(other, today.AddDate(0, 0, -5))
	valid := w.instrument(w.unit(d1, model.UnitApproved), "price_scale")
	w.pass(valid, today) // valid through today
	renewed := w.instrument(w.unit(d1, model.UnitApproved), "price_scale")
	w.pass(renewed, today.AddDate(0, 0, -40))
	w.pass(renewed, today.AddDate(1, 0, 0))
	revoked := w.instrument(w.unit(d1, model.UnitRevoked), "price_scale")
	w.pass(revoked, today.AddDate(0, 0, -3))

	ids := func(rows []storage.ExpiredRow) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, r.View.Instrument.ID)
		}
		return out
	}
	rows, total, err := w.st.ExpiredInUse(ctx, storage.ExpiredFilter{Districts: []int64{d1}, Statuses: live, Today: today, PerPage: 3, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	longest := []int64{inD1[3], inD1[2], inD1[1], inD1[0]}
	if total != 4 || !slices.Equal(ids(rows), longest[:3]) || rows[0].Unit.ID == 0 || !rows[0].ValidUntil.Equal(today.AddDate(0, 0, -31)) {
		t.Fatalf("district 1, page 1: %d %v, want 4 %v", total, ids(rows), longest[:3])
	}
	rows, _, _ = w.st.ExpiredInUse(ctx, storage.ExpiredFilter{Districts: []int64{d1}, Statuses: live, Today: today, PerPage: 3, Page: 2})
	if !slices.Equal(ids(rows), longest[3:]) {
		t.Fatalf("page 2: %v", ids(rows))
	}
	rows, total, _ = w.st.ExpiredInUse(ctx, storage.ExpiredFilter{Statuses: live, Today: today, Desc: true, PerPage: 10})
	if total != 5 || !slices.Equal(ids(rows), []int64{inD1[0], other.ID, inD1[1], inD1[2], inD1[3]}) {
		t.Fatalf("every district, newest first: %v", ids(rows))
	}
	rows, total, _ = w.st.ExpiredInUse(ctx, storage.ExpiredFilter{Statuses: live, Today: today, TypeID: w.types["fuel_dispenser"], PerPage: 10})
	if total != 1 || rows[0].View.Instrument.ID != other.ID {
		t.Fatalf("fuel dispensers: %v", ids(rows))
	}
	if _, total, _ = w.st.ExpiredInUse(ctx, storage.ExpiredFilter{Districts: []int64{}, Statuses: live, Today: today}); total != 0 {
		t.Fatalf("no districts: %d", total)
	}
}

// TestReminderRowsAreUnique: a second digest for a unit and day, or a second
// reminder of a certificate's stage, is ErrDuplicate; an acknowledgement
// only counts for the owner.
func TestReminderRowsAreUnique(t *testing.T) {
	ctx := context.Background()
	w := newReminderWorld(t)
	u := w.unit(w.dist[0].ID, model.UnitApproved)
	in := w.instrument(u, "price_scale")
	day := model.Date(2026, 9, 1)
	d := &model.ReminderDigest{UnitID: u.ID, Day: day}
	if err := w.st.CreateReminderDigest(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateReminderDigest(ctx, &model.ReminderDigest{UnitID: u.ID, Day: day.Add(3 * time.Hour)}); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("second digest that day: %v", err)
	}
	r := model.ExpiryReminder{InstrumentID: in.ID, ValidUntil: day.AddDate(0, 0, 30), Stage: "d30", UnitID: u.ID, DigestID: d.ID}
	if err := w.st.CreateExpiryReminders(ctx, []model.ExpiryReminder{r}); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateExpiryReminders(ctx, []model.ExpiryReminder{r}); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("second reminder of the stage: %v", err)
	}
	sent, err := w.st.RemindersOfUnits(ctx, []int64{u.ID}, day)
	if err != nil || len(sent) != 1 {
		t.Fatalf("reminders of the unit: %v %v", sent, err)
	}
	stranger := newMerchant(t, w.st, "13900000078")
	if err := w.st.AcknowledgeReminder(ctx, sent[0].ID, stranger.ID, day); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a stranger acknowledging: %v", err)
	}
	if err := w.st.AcknowledgeReminder(ctx, sent[0].ID, w.owner.ID, day); err != nil {
		t.Fatal(err)
	}
	if err := w.st.AcknowledgeReminder(ctx, sent[0].ID, w.owner.ID, day.AddDate(0, 0, 1)); err != nil {
		t.Fatalf("twice: %v", err)
	}
	sent, _ = w.st.RemindersOfUnits(ctx, []int64{u.ID}, day)
	if sent[0].AcknowledgedAt == nil || !sent[0].AcknowledgedAt.Equal(day) {
		t.Fatalf("acknowledged at %v", sent[0].AcknowledgedAt)
	}
	if err := w.st.SetRemindersOff(ctx, w.owner.ID, true); err != nil {
		t.Fatal(err)
	}
	var off bool
	w.st.DB().Table("users").Select("reminders_off").Where("id = ?", w.owner.ID).Scan(&off)
	if !off {
		t.Fatal("reminders still on")
	}
}
