package reminders_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/reminders"
	"honestmeasure/internal/storage"
)

const base = "https://jl.example.gov.cn"

// world is a seeded database with a clock the test sets.
type world struct {
	t     *testing.T
	ctx   context.Context
	st    *storage.Store
	ref   *reference.Data
	today time.Time // what Service.Now says
	seq   atomic.Int64
	body  int64
	types map[string]model.InstrumentType
	dist  map[string]int64 // district code → id
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedReference(ctx, ref); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: ctx, st: st, ref: ref, types: map[string]model.InstrumentType{}, dist: map[string]int64{}}
	vb, err := st.VerificationBodyByCode(ctx, ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	w.body = vb.ID
	types, err := st.InstrumentTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range types {
		w.types[ty.Code] = ty
	}
	ds, err := st.Districts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		w.dist[d.Code] = d.ID
	}
	return w
}

// service is a reminders.Service on the world's clock; each call makes a
// new value, as each instance of the program has its own.
func (w *world) service(offsets ...int) *reminders.Service {
	s := &reminders.Service{Store: w.st, BaseURL: base, Now: func() time.Time { return w.today.Add(10 * time.Hour) }}
	if len(offsets) > 0 {
		s.Offsets = offsets
	}
	return s
}

// merchant makes a merchant account with a phone, an e-mail address and
// the language lang.
func (w *world) merchant(lang string) *model.User {
	w.t.Helper()
	n := w.seq.Add(1)
	u := &model.User{Login: fmt.Sprintf("139%08d", n), Phone: fmt.Sprintf("139%08d", n), Email: fmt.Sprintf("m%d@example.com", n),
		DisplayName: "商户", PasswordHash: "x", Role: model.RoleMerchant, Locale: lang}
	if err := w.st.CreateUser(w.ctx, u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

// unit makes a unit of owner in the district with code, in status.
func (w *world) unit(owner *model.User, district string, status model.UnitStatus) *model.Unit {
	w.t.Helper()
	n := w.seq.Add(1)
	u := &model.Unit{OwnerUserID: owner.ID, Name: fmt.Sprintf("红梅农贸市场 %d号摊位", n), USCC: fmt.Sprintf("9132040000%08d", n),
		BusinessType: model.BusinessMarketStall, Address: "红梅南路1号", DistrictID: w.dist[district], ContactName: "张三",
		ContactPhone: "13812345678", Status: status}
	if err := w.st.CreateUnit(w.ctx, u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

// scale registers a price scale in use in unit.
func (w *world) scale(u *model.Unit, serial string) *model.Instrument {
	w.t.Helper()
	return w.instrument(u, "price_scale", serial)
}

func (w *world) instrument(u *model.Unit, typeCode, serial string) *model.Instrument {
	w.t.Helper()
	in := &model.Instrument{UnitID: u.ID, TypeID: w.types[typeCode].ID, SerialNo: serial, Location: "收银台"}
	if err := w.st.CreateInstrument(w.ctx, in); err != nil {
		w.t.Fatal(err)
	}
	return in
}

// certificate records the verification body's pass of in, verified a
// year before validUntil.
func (w *world) certificate(in *model.Instrument, validUntil time.Time) {
	w.t.Helper()
	w.record(in, model.ResultPass, validUntil.AddDate(-1, 0, 1), &validUntil, model.SourceConfirmed)
}

func (w *world) record(in *model.Instrument, result model.VerificationResult, verifiedOn time.Time, validUntil *time.Time, source model.VerificationSource) {
	w.t.Helper()
	id := in.ID
	r := &model.VerificationRecord{InstrumentID: &id, CertificateNo: fmt.Sprintf("JD-%d", w.seq.Add(1)), BodyName: "常州市计量测试技术研究所",
		VerifiedOn: verifiedOn, ValidUntil: validUntil, Result: result, Source: source}
	if source == model.SourceConfirmed {
		r.VerificationBodyID = &w.body
		if result == model.ResultFail {
			r.Kind = model.KindFailNotice
		}
	}
	if err := w.st.AddVerification(w.ctx, r); err != nil {
		w.t.Fatal(err)
	}
}

// run runs one Service for day.
func (w *world) run(s *reminders.Service, day time.Time) reminders.Result {
	w.t.Helper()
	w.today = day
	res, err := s.Run(w.ctx, day)
	if err != nil {
		w.t.Fatalf("run on %s: %v", day.Format(time.DateOnly), err)
	}
	return res
}

// sent lists the reminder messages to recipient, oldest first.
func (w *world) sent(recipient string) []model.OutboxMessage {
	w.t.Helper()
	var out []model.OutboxMessage
	if err := w.st.DB().Where("recipient = ? AND event = ?", recipient, reminders.EventDigest).Order("id").Find(&out).Error; err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *world) count(table string) int64 {
	w.t.Helper()
	var n int64
	if err := w.st.DB().Table(table).Count(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) reminders(in *model.Instrument) []model.ExpiryReminder {
	w.t.Helper()
	var out []model.ExpiryReminder
	if err := w.st.DB().Where("instrument_id = ?", in.ID).Order("id").Find(&out).Error; err != nil {
		w.t.Fatal(err)
	}
	return out
}

func stages(rows []model.ExpiryReminder) string {
	var names []string
	for _, r := range rows {
		names = append(names, r.Stage)
	}
	return strings.Join(names, ",")
}
