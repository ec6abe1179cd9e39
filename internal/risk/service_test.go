package risk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/storage"
)

// world is a seeded database (SQLite, or MySQL/MariaDB with
// HM_TEST_MYSQL_DSN) with units to classify.
type world struct {
	t      *testing.T
	ctx    context.Context
	st     *storage.Store
	ref    *reference.Data
	log    *audit.Log
	seq    int
	owner  *model.User
	agency *model.Agency
	dist   int64
	body   int64
	types  map[string]model.InstrumentType
	now    time.Time
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
	log, err := audit.New([]byte("risk-test-audit-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: ctx, st: st, ref: ref, log: log, types: map[string]model.InstrumentType{}, now: now}
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
	w.dist = ds[0].ID
	if w.agency, err = st.AgencyByID(ctx, *ds[0].DefaultAgencyID); err != nil {
		t.Fatal(err)
	}
	vb, err := st.VerificationBodyByCode(ctx, ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	w.body = vb.ID
	w.owner = &model.User{Login: "13900000001", Phone: "13900000001", DisplayName: "商户", PasswordHash: "x", Role: model.RoleMerchant}
	if err := st.CreateUser(ctx, w.owner); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) service() *risk.Service {
	return &risk.Service{Store: w.st, Audit: w.log, Rule: w.ref.Risk, Now: func() time.Time { return w.now }, Window: 3}
}

func (w *world) unit(status model.UnitStatus) *model.Unit {
	w.t.Helper()
	w.seq++
	u := &model.Unit{OwnerUserID: w.owner.ID, Name: fmt.Sprintf("菜场 %d号", w.seq), USCC: fmt.Sprintf("9132040000%08d", w.seq),
		BusinessType: model.BusinessMarketStall, Address: "红梅南路1号", DistrictID: w.dist, ContactName: "张三",
		ContactPhone: "13812345678", Status: status}
	if err := w.st.CreateUnit(w.ctx, u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

// scale adds a price scale (mandatory) to u with a record of source valid
// until validUntil (nil: never verified).
func (w *world) scale(u *model.Unit, validUntil *time.Time, source model.VerificationSource) *model.Instrument {
	w.t.Helper()
	w.seq++
	in := &model.Instrument{UnitID: u.ID, TypeID: w.types["price_scale"].ID, SerialNo: fmt.Sprintf("S%d", w.seq), Location: "收银台"}
	if err := w.st.CreateInstrument(w.ctx, in); err != nil {
		w.t.Fatal(err)
	}
	if validUntil != nil {
		id := in.ID
		r := &model.VerificationRecord{InstrumentID: &id, CertificateNo: fmt.Sprintf("JD-%d", w.seq), BodyName: "常州市计量测试技术研究所",
			VerifiedOn: validUntil.AddDate(-1, 0, 1), ValidUntil: validUntil, Result: model.ResultPass, Source: source}
		if source == model.SourceConfirmed {
			r.VerificationBodyID = &w.body
		}
		if err := w.st.AddVerification(w.ctx, r); err != nil {
			w.t.Fatal(err)
		}
	}
	return in
}

// substantiated files a report about u and concludes its case as
// substantiated at concluded.
func (w *world) substantiated(u *model.Unit, cat model.Category, concluded time.Time) {
	w.t.Helper()
	w.seq++
	id := u.ID
	r := &model.Report{TrackingNo: fmt.Sprintf("T%011d", w.seq), AccessCodeHash: fmt.Sprintf("%064d", w.seq), Kind: model.KindComplaint,
		Category: cat, UnitID: &id, DistrictID: w.dist, Description: "少秤", Request: "查处", CreatedAt: concluded.AddDate(0, 0, -10)}
	if err := w.st.CreateReport(w.ctx, r, nil); err != nil {
		w.t.Fatal(err)
	}
	c := &model.Case{ReportID: r.ID, AgencyID: w.agency.ID, Kind: model.KindComplaint, Category: cat, DistrictID: w.dist,
		Status: model.CaseConcluded, Priority: model.PriorityNormal, ReceivedAt: r.CreatedAt, DecisionDueAt: r.CreatedAt.AddDate(0, 0, 7),
		ConcludedAt: &concluded, Outcome: cases.OutcomeSubstantiated}
	if err := w.st.CreateCase(w.ctx, c); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) spotCheck(u *model.Unit, result string, on time.Time) {
	w.t.Helper()
	if err := w.st.CreateSpotCheck(w.ctx, &model.SpotCheck{UnitID: u.ID, AgencyID: &w.agency.ID, CheckedOn: on, Result: result, Published: true}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) conflict(u *model.Unit, in *model.Instrument) {
	w.t.Helper()
	w.seq++
	uid, iid := u.ID, in.ID
	if _, err := w.st.AddConflict(w.ctx, &model.Conflict{Kind: model.ConflictKind("unconfirmed"), DedupeKey: fmt.Sprintf("k%d", w.seq),
		UnitID: &uid, InstrumentID: &iid, AgencyID: &w.agency.ID}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) recompute(scope risk.Scope) risk.Summary {
	w.t.Helper()
	sum, err := w.service().Recompute(w.ctx, scope)
	if err != nil {
		w.t.Fatal(err)
	}
	return sum
}

func (w *world) class(u *model.Unit) *model.UnitRisk {
	w.t.Helper()
	r, err := w.st.UnitRisk(w.ctx, u.ID)
	if err != nil {
		w.t.Fatalf("unit %d: %v", u.ID, err)
	}
	return r
}

func (w *world) audits(u *model.Unit) []model.AuditEntry {
	w.t.Helper()
	var out []model.AuditEntry
	if err := w.st.DB().Where("action = ? AND object_type = ? AND object_id = ?", audit.ActionRiskClass, audit.ObjectUnit,
		strconv.FormatInt(u.ID, 10)).Order("id").Find(&out).Error; err != nil {
		w.t.Fatal(err)
	}
	return out
}

func day(t time.Time) *time.Time { d := model.DateOf(t); return &d }

// TestGatherRiskFacts: the batch gather returns each unit's own facts,
// within the window, for every unit asked for.
func TestGatherRiskFacts(t *testing.T) {
	w := newWorld(t)
	a, b, empty := w.unit(model.UnitApproved), w.unit(model.UnitApproved), w.unit(model.UnitSuspended)
	inA := w.scale(a, day(now.AddDate(0, 6, 0)), model.SourceConfirmed)
	w.scale(a, day(now.AddDate(0, -1, 0)), model.SourceDeclared)
	w.scale(b, nil, "")
	w.substantiated(a, model.CategoryCheatingDevice, now.AddDate(0, -2, 0))
	w.substantiated(a, model.CategoryShortWeight, now.AddDate(-3, 0, 0)) // outside the window
	w.substantiated(b, model.CategoryShortWeight, now.AddDate(0, -1, 0))
	w.spotCheck(b, risk.SpotFail, now.AddDate(0, -1, 0))
	w.spotCheck(b, risk.SpotFail, now.AddDate(-5, 0, 0))
	w.conflict(a, inA)

	since := risk.WindowStart(w.ref.Risk, now)
	facts, err := w.st.GatherRiskFacts(w.ctx, []int64{a.ID, b.ID, empty.ID}, cases.OutcomeSubstantiated, since)
	if err != nil {
		t.Fatal(err)
	}
	fa, fb, fe := facts[a.ID], facts[b.ID], facts[empty.ID]
	if fa == nil || fb == nil || fe == nil {
		t.Fatalf("facts for %v", facts)
	}
	if len(fa.Instruments) != 2 || len(fa.Cases) != 1 || fa.Cases[0].Category != model.CategoryCheatingDevice || fa.OpenConflicts != 1 || len(fa.SpotChecks) != 0 {
		t.Errorf("unit a: %+v", fa)
	}
	if len(fb.Instruments) != 1 || len(fb.Cases) != 1 || len(fb.SpotChecks) != 1 || fb.OpenConflicts != 0 {
		t.Errorf("unit b: %+v", fb)
	}
	if len(fe.Instruments)+len(fe.Cases)+len(fe.SpotChecks)+fe.OpenConflicts != 0 {
		t.Errorf("empty unit: %+v", fe)
	}
	ra := risk.Classify(w.ref.Risk, risk.FactsOf(fa, now), now)
	if ra.Inputs.ConfirmedValid != 1 || ra.Inputs.Expired != 1 || ra.Inputs.Cases[model.CategoryCheatingDevice] != 1 || ra.Class != model.RiskD {
		t.Errorf("unit a classified %+v", ra)
	}
}

// TestRecomputeAuditsOnlyChanges: the first run classifies every unit but
// drafts and audits each; a second run on the same facts writes nothing; a
// new fact changes one unit's class, with one audit entry naming the rule
// version and the inputs before and after.
func TestRecomputeAuditsOnlyChanges(t *testing.T) {
	w := newWorld(t)
	var units []*model.Unit
	for i := range 7 { // more than a window of 3
		u := w.unit(model.UnitApproved)
		w.scale(u, day(now.AddDate(0, 6, 0)), model.SourceConfirmed)
		if i == 2 {
			w.spotCheck(u, risk.SpotIssuesFound, now.AddDate(0, -1, 0))
		}
		units = append(units, u)
	}
	draft := w.unit(model.UnitDraft)

	sum := w.recompute(risk.AllUnits)
	if sum.Units != 7 || sum.Changed != 7 {
		t.Fatalf("first run %+v, want 7 units classified and written", sum)
	}
	if _, err := w.st.UnitRisk(w.ctx, draft.ID); err == nil {
		t.Error("a draft was classified")
	}
	if c := w.class(units[0]); c.Class != model.RiskA || c.RuleVersion != w.ref.Risk.Version || c.Revision != 1 {
		t.Errorf("unit 0: %+v", c)
	}
	if c := w.class(units[2]); c.Class != model.RiskB {
		t.Errorf("unit 2 with issues found: %+v", c)
	}
	first := w.class(units[4])
	if n := len(w.audits(units[4])); n != 1 {
		t.Fatalf("%d audit entries after the first run", n)
	}

	// The same facts again: nothing written, nothing audited, the same rows.
	if sum := w.recompute(risk.AllUnits); sum.Units != 7 || sum.Changed != 0 {
		t.Fatalf("second run %+v, want no change", sum)
	}
	if again := w.class(units[4]); *again != *first {
		t.Errorf("row changed without a change: %+v → %+v", first, again)
	}

	// A cheating device at unit 4: only its class changes.
	w.substantiated(units[4], model.CategoryCheatingDevice, now.AddDate(0, 0, -1))
	if sum := w.recompute(risk.AllUnits); sum.Changed != 1 {
		t.Fatalf("after the case %+v, want one change", sum)
	}
	after := w.class(units[4])
	if after.Class != model.RiskC || after.Revision != 2 {
		t.Errorf("after the case: %+v", after)
	}
	entries := w.audits(units[4])
	if len(entries) != 2 {
		t.Fatalf("%d audit entries, want 2", len(entries))
	}
	last := entries[1]
	if last.Actor != "system" || last.ActorUserID != nil || last.BeforeJSON == nil || last.AfterJSON == nil {
		t.Fatalf("audit entry %+v", last)
	}
	var before, afterJSON struct {
		Class       string          `json:"class"`
		RuleVersion string          `json:"rule_version"`
		Inputs      json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(*last.BeforeJSON), &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(*last.AfterJSON), &afterJSON); err != nil {
		t.Fatal(err)
	}
	if before.Class != "A" || afterJSON.Class != "C" || afterJSON.RuleVersion != w.ref.Risk.Version || len(afterJSON.Inputs) == 0 {
		t.Errorf("audit before %+v after %+v", before, afterJSON)
	}
	inputs, reasons := risk.Stored(after)
	if inputs.Cases[model.CategoryCheatingDevice] != 1 || len(reasons) == 0 || reasons[0].Key != "risk.reason.case.cheating_device" {
		t.Errorf("stored inputs %+v reasons %+v", inputs, reasons)
	}
	for _, u := range units {
		if u.ID != units[4].ID && len(w.audits(u)) != 1 {
			t.Errorf("unit %d audited %d times", u.ID, len(w.audits(u)))
		}
	}

	// One unit by id; time passing changes what counts: 25 months later the
	// case has left the window, and the certificate has expired.
	w.now = now.AddDate(2, 1, 0)
	if sum := w.recompute(risk.Units(units[4].ID, draft.ID)); sum.Units != 1 {
		t.Fatalf("by id: %+v", sum)
	}
	if in, _ := risk.Stored(w.class(units[4])); len(in.Cases) != 0 || in.Expired != 1 {
		t.Errorf("25 months on: %+v", in)
	}
	if sum := w.recompute(risk.Units()); sum.Units != 0 {
		t.Errorf("no ids recomputed %+v", sum)
	}
}

// TestRecomputeDeterministic: two databases with the same facts get the
// same stored classes and inputs, whatever the window size.
func TestRecomputeDeterministic(t *testing.T) {
	build := func(window int) []model.UnitRisk {
		w := newWorld(t)
		for i := range 9 {
			u := w.unit(model.UnitApproved)
			for j := range i % 4 {
				src := model.SourceConfirmed
				if j%2 == 1 {
					src = model.SourceDeclared
				}
				w.scale(u, day(now.AddDate(0, j*5-6, 0)), src)
			}
			if i%3 == 0 {
				w.substantiated(u, model.Categories[i%len(model.Categories)], now.AddDate(0, -i, 0))
			}
		}
		s := w.service()
		s.Window = window
		if _, err := s.Recompute(w.ctx, risk.AllUnits); err != nil {
			t.Fatal(err)
		}
		var rows []model.UnitRisk
		if err := w.st.DB().Order("unit_id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		return rows
	}
	a, b := build(2), build(500)
	if len(a) != 9 || len(a) != len(b) {
		t.Fatalf("%d and %d rows", len(a), len(b))
	}
	for i := range a {
		if a[i].Class != b[i].Class || a[i].Score != b[i].Score || a[i].Inputs != b[i].Inputs {
			t.Errorf("unit %d: %+v vs %+v", i, a[i], b[i])
		}
	}
}
