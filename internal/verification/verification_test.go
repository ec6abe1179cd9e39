package verification_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/uscc"
	"honestmeasure/internal/verification"
)

type rig struct {
	t     *testing.T
	ctx   context.Context
	store *storage.Store
	svc   *verification.Service
	now   time.Time
	n     int
	body  *model.VerificationBody
	other *model.VerificationBody
	scale model.InstrumentType
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := dbtest.Open(t)
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	st := storage.New(db)
	ctx := context.Background()
	if err := st.SeedReference(ctx, ref); err != nil {
		t.Fatal(err)
	}
	log, err := audit.New([]byte("verification-test-audit-key-of-32+bytes"))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: ctx, store: st, now: time.Date(2026, 6, 10, 9, 0, 0, 0, model.Zone)}
	r.svc = &verification.Service{Store: st, Audit: log, BaseURL: "http://127.0.0.1:1", Now: func() time.Time { return r.now }}
	var bodies []model.VerificationBody
	if err := db.Order("id").Find(&bodies).Error; err != nil || len(bodies) == 0 {
		t.Fatalf("no verification bodies seeded: %v", err)
	}
	r.body = &bodies[0]
	r.other = &model.VerificationBody{Code: "other-body", NameZh: "另一检定所", NameEn: "Other body", CreatedAt: time.Now()}
	if err := db.Create(r.other).Error; err != nil {
		t.Fatal(err)
	}
	typ, err := st.InstrumentTypeByCode(ctx, "price_scale")
	if err != nil {
		t.Fatal(err)
	}
	r.scale = *typ
	return r
}

// creditCode makes a valid unified social credit code from n.
func creditCode(n int) string {
	body := fmt.Sprintf("91320402MA%07dX", n)[:17]
	c, ok := uscc.CheckChar(body)
	if !ok {
		panic("bad credit code body " + body)
	}
	return body + string(c)
}

type shop struct {
	unit  *model.Unit
	owner *model.User
	ins   *model.Instrument
}

// shop stores a published unit with one price scale and returns it.
func (r *rig) shop() shop {
	r.t.Helper()
	r.n++
	owner := &model.User{Login: fmt.Sprintf("m%d@example.com", r.n), Email: fmt.Sprintf("m%d@example.com", r.n), DisplayName: "merchant",
		PasswordHash: "x", Role: model.RoleMerchant, Locale: "zh-CN"}
	if err := r.store.CreateUser(r.ctx, owner); err != nil {
		r.t.Fatal(err)
	}
	districts, err := r.store.Districts(r.ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	at := r.now.UTC()
	code := creditCode(r.n)
	u := &model.Unit{OwnerUserID: owner.ID, Name: fmt.Sprintf("钟楼菜场 %d号摊位", r.n), USCC: code, USCCLive: &code, BusinessType: "market_stall",
		Address: "钟楼区", DistrictID: districts[0].ID, ContactName: "张三", ContactPhone: "13800000000", Status: model.UnitApproved,
		ApprovedAt: &at, CreatedAt: at, UpdatedAt: at}
	if err := r.store.DB().Create(u).Error; err != nil {
		r.t.Fatal(err)
	}
	ins := &model.Instrument{UnitID: u.ID, TypeID: r.scale.ID, SerialNo: fmt.Sprintf("sn-%03d", r.n), Model: "ACS-15"}
	if err := r.store.CreateInstrument(r.ctx, ins); err != nil {
		r.t.Fatal(err)
	}
	return shop{unit: u, owner: owner, ins: ins}
}

// declare stores the merchant's declaration of a passed certificate.
func (r *rig) declare(s shop, cert string, on time.Time) *model.VerificationRecord {
	r.t.Helper()
	until := model.CycleEnd(on, 12)
	rec := &model.VerificationRecord{InstrumentID: &s.ins.ID, CertificateNo: cert, BodyName: "某检定所", VerifiedOn: on,
		ValidUntil: until, Result: model.ResultPass, Source: model.SourceDeclared, CreatedAt: r.now.UTC()}
	if err := r.store.AddVerification(r.ctx, rec); err != nil {
		r.t.Fatal(err)
	}
	return rec
}

func (r *rig) sender(b *model.VerificationBody) verification.Sender {
	return verification.Sender{Body: b, TokenHint: "test", IP: "127.0.0.1"}
}

func (r *rig) send(b *model.VerificationBody, key string, recs ...verification.Record) *verification.BatchResult {
	r.t.Helper()
	res, err := r.svc.SubmitBatch(r.ctx, r.sender(b), key, recs)
	if err != nil {
		r.t.Fatalf("batch %s: %v", key, err)
	}
	return res
}

func certificate(s shop, no string, on time.Time) verification.Record {
	return verification.Record{Kind: "certificate", CertificateNo: no, SubmitterName: s.unit.Name, SubmitterUSCC: s.unit.USCC,
		InstrumentSerial: s.ins.SerialNo, InstrumentName: "电子计价秤", VerifiedOn: on.Format(time.DateOnly),
		ValidUntil: model.CycleEnd(on, 12).Format(time.DateOnly), Conclusion: "合格", AccuracyClass: "Ⅲ", Regulation: "JJG 539-2016"}
}

func failNotice(s shop, no string, on time.Time) verification.Record {
	return verification.Record{Kind: "检定结果通知书", CertificateNo: no, SubmitterName: s.unit.Name, SubmitterUSCC: s.unit.USCC,
		InstrumentSerial: s.ins.SerialNo, VerifiedOn: on.Format(time.DateOnly), Conclusion: "不合格"}
}

func (r *rig) view(s shop) storage.InstrumentView {
	r.t.Helper()
	views, err := r.store.InstrumentsOfUnits(r.ctx, []int64{s.unit.ID}, false)
	if err != nil || len(views) != 1 {
		r.t.Fatalf("instruments of unit: %v %v", views, err)
	}
	return views[0]
}

func (r *rig) conflicts(s shop) []model.ConflictKind {
	r.t.Helper()
	list, _, err := r.store.Conflicts(r.ctx, storage.ConflictFilter{UnitIDs: []int64{s.unit.ID}, Status: model.ConflictOpen})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []model.ConflictKind
	for _, c := range list {
		out = append(out, c.Kind)
	}
	return out
}

func (r *rig) publicRev(s shop) int64 {
	var u model.Unit
	if err := r.store.DB().Take(&u, s.unit.ID).Error; err != nil {
		r.t.Fatal(err)
	}
	return u.PublicRev
}

// Each way a body's record and a merchant's declaration can disagree files
// one conflict of its kind, in the queue of the unit's district bureau; a
// record that agrees files none.
func TestConflictKinds(t *testing.T) {
	r := newRig(t)
	on := model.Date(2026, 5, 20)
	for _, tc := range []struct {
		name   string
		setup  func(s shop) verification.Record
		want   []model.ConflictKind
		unlist bool // the body's serial is one the unit never listed
	}{
		{"agrees", func(s shop) verification.Record {
			r.declare(s, "JD-1", on)
			return certificate(s, "JD-1", on)
		}, nil, false},
		{"certificate number", func(s shop) verification.Record {
			r.declare(s, "JD-TYPO", on.AddDate(0, 0, 3))
			return certificate(s, "JD-2", on)
		}, []model.ConflictKind{model.ConflictCertificateNo}, false},
		{"dates", func(s shop) verification.Record {
			r.declare(s, "JD-3", on.AddDate(0, -2, 0))
			return certificate(s, "JD-3", on)
		}, []model.ConflictKind{model.ConflictDates}, false},
		{"fail while declared pass", func(s shop) verification.Record {
			r.declare(s, "JD-4", on)
			return failNotice(s, "TZ-4", on)
		}, []model.ConflictKind{model.ConflictFailDeclared}, false},
		{"unregistered instrument", func(s shop) verification.Record {
			rec := certificate(s, "JD-5", on)
			rec.InstrumentSerial = "NOT-LISTED-9"
			return rec
		}, []model.ConflictKind{model.ConflictUnregistered}, true},
		{"identity code", func(s shop) verification.Record {
			s.ins.IdentityCode = "ID-AAA"
			if err := r.store.UpdateInstrument(r.ctx, s.ins); err != nil {
				t.Fatal(err)
			}
			rec := certificate(s, "JD-6", on)
			rec.IdentityCode = "id-bbb"
			return rec
		}, []model.ConflictKind{model.ConflictIdentity}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := r.shop()
			rec := tc.setup(s)
			res := r.send(r.body, "k-"+tc.name, rec)
			got := res.Results[0]
			if got.Outcome != model.RowNew || got.Matched == tc.unlist {
				t.Fatalf("outcome %+v", got)
			}
			if fmt.Sprint(r.conflicts(s)) != fmt.Sprint(tc.want) {
				t.Errorf("conflicts %v, want %v", r.conflicts(s), tc.want)
			}
			if fmt.Sprint(got.Conflicts) != fmt.Sprint(tc.want) {
				t.Errorf("result lists conflicts %v, want %v", got.Conflicts, tc.want)
			}
			list, _, _ := r.store.Conflicts(r.ctx, storage.ConflictFilter{UnitIDs: []int64{s.unit.ID}})
			for _, c := range list {
				d, _ := r.store.DistrictByID(r.ctx, s.unit.DistrictID)
				if c.AgencyID == nil || *c.AgencyID != *d.DefaultAgencyID {
					t.Errorf("conflict in agency %v's queue, want the district bureau %d", c.AgencyID, *d.DefaultAgencyID)
				}
			}
		})
	}
}

// A body's record for an instrument the unit had not listed is a lead;
// when the merchant lists it, the record is the instrument's and the lead
// is resolved.
func TestUnregisteredClaimedWhenListed(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	rec := certificate(s, "JD-LATER", model.Date(2026, 5, 20))
	rec.InstrumentSerial, rec.ValidUntil = "ＮＥＷ-7", ""
	r.send(r.body, "lead", rec)
	if got := r.conflicts(s); fmt.Sprint(got) != fmt.Sprint([]model.ConflictKind{model.ConflictUnregistered}) {
		t.Fatalf("conflicts %v", got)
	}
	ins := &model.Instrument{UnitID: s.unit.ID, TypeID: r.scale.ID, SerialNo: "new-7"}
	if err := r.store.CreateInstrument(r.ctx, ins); err != nil {
		t.Fatal(err)
	}
	views, _ := r.store.InstrumentsOfUnits(r.ctx, []int64{s.unit.ID}, false)
	for _, v := range views {
		if v.Instrument.ID == ins.ID {
			if v.Latest == nil || v.Latest.CertificateNo != "JD-LATER" || v.ValidUntil() == nil ||
				!v.ValidUntil().Equal(model.Date(2027, 5, 19)) {
				t.Errorf("the new instrument is judged by %+v", v.Latest)
			}
		}
	}
	if got := r.conflicts(s); len(got) != 0 {
		t.Errorf("lead still open: %v", got)
	}
}

// A declaration no body's record confirms within the configured days becomes
// a conflict once, and the body's confirming certificate resolves it.
func TestUnconfirmedDeclaration(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	d := r.declare(s, "JD-U", model.Date(2026, 6, 1))
	if n, err := r.svc.CheckUnconfirmed(r.ctx); err != nil || n != 0 {
		t.Fatalf("fresh declaration: %d conflicts, %v", n, err)
	}
	r.now = r.now.AddDate(0, 0, 31)
	for range 2 {
		if _, err := r.svc.CheckUnconfirmed(r.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.conflicts(s); fmt.Sprint(got) != fmt.Sprint([]model.ConflictKind{model.ConflictUnconfirmed}) {
		t.Fatalf("after 31 days and two runs: %v, want one unconfirmed", got)
	}
	r.send(r.body, "confirm", certificate(s, d.CertificateNo, d.VerifiedOn))
	if got := r.conflicts(s); len(got) != 0 {
		t.Errorf("after the body confirmed it: %v open", got)
	}
	if v := r.view(s); v.Latest.Declared() {
		t.Errorf("the instrument is judged by %+v, want the body's record", v.Latest)
	}
}

// A fail notice makes the instrument failed on the next scan (the public
// revision moves in the same transaction), tells the merchant, and a
// merchant's own later declaration does not undo it; the body's later
// certificate does.
func TestFailNotice(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	r.declare(s, "JD-F", model.Date(2026, 5, 1))
	before := r.publicRev(s)
	r.send(r.body, "fail", failNotice(s, "TZ-F", model.Date(2026, 6, 5)))
	if got := r.view(s).State(r.now); got != model.StateFailed {
		t.Fatalf("state after the fail notice: %s", got)
	}
	if r.publicRev(s) == before {
		t.Error("public revision unchanged: a cached scan page would still show the old state")
	}
	var mails int64
	r.store.DB().Model(&model.OutboxMessage{}).Where("event = ? AND recipient = ?", verification.EventInstrumentFailed, s.owner.Email).Count(&mails)
	if mails != 1 {
		t.Errorf("%d notices to the merchant, want 1", mails)
	}
	r.declare(s, "JD-SELF", model.Date(2026, 6, 8))
	if got := r.view(s).State(r.now); got != model.StateFailed {
		t.Errorf("a merchant's declaration after the fail notice made the instrument %s", got)
	}
	r.send(r.body, "pass-again", certificate(s, "JD-AGAIN", model.Date(2026, 6, 9)))
	if got := r.view(s).State(r.now); got != model.StateValid {
		t.Errorf("after the body's new certificate: %s, want valid", got)
	}
}

// Records are never changed: a correction supersedes, a cancellation
// revokes, and neither can be done twice.
func TestSupersedeAndRevoke(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	on := model.Date(2026, 5, 20)
	r.send(r.body, "orig", certificate(s, "JD-O", on))
	fix := certificate(s, "JD-O2", on)
	fix.AccuracyClass, fix.Supersedes = "Ⅱ", "JD-O"
	res := r.send(r.body, "fix", fix)
	if res.Results[0].Outcome != model.RowNew {
		t.Fatalf("correction: %+v", res.Results[0])
	}
	if got := r.view(s).Latest; got.CertificateNo != "JD-O2" {
		t.Errorf("judged by %s, want the correction", got.CertificateNo)
	}
	again := certificate(s, "JD-O3", on)
	again.Supersedes = "JD-O"
	if res := r.send(r.body, "fix-again", again); res.Results[0].Outcome != model.RowRefused ||
		res.Results[0].Problems[0].Code != "verification.already_revoked" {
		t.Errorf("second correction of a superseded record: %+v", res.Results[0])
	}
	cancel := verification.Record{Kind: "注销", CertificateNo: "JD-O2"}
	if res := r.send(r.body, "cancel", cancel); res.Results[0].Outcome != model.RowNew {
		t.Fatalf("cancellation: %+v", res.Results[0])
	}
	if got := r.view(s).State(r.now); got != model.StateNeverChecked {
		t.Errorf("after its only certificate was cancelled the instrument is %s", got)
	}
	if res := r.send(r.body, "cancel-again", cancel); res.Results[0].Outcome != model.RowUnchanged {
		t.Errorf("the same cancellation again: %+v", res.Results[0])
	}
	// Another body cannot cancel this body's certificate.
	if res := r.send(r.other, "foreign-cancel", verification.Record{Kind: "cancellation", CertificateNo: "JD-O"}); res.Results[0].Outcome != model.RowRefused {
		t.Errorf("another body's cancellation: %+v", res.Results[0])
	}
	// A conflict the cancelled certificate raised no longer stands.
	s2 := r.shop()
	r.declare(s2, "JD-MINE", on)
	r.send(r.body, "c-raise", certificate(s2, "JD-THEIRS", on))
	if got := r.conflicts(s2); len(got) != 1 {
		t.Fatalf("conflicts before the cancellation: %v", got)
	}
	r.send(r.body, "c-cancel", verification.Record{Kind: "cancellation", CertificateNo: "JD-THEIRS"})
	if got := r.conflicts(s2); len(got) != 0 {
		t.Errorf("conflicts of a cancelled certificate still open: %v", got)
	}
	changed := certificate(s, "JD-O", on)
	changed.Conclusion = "合格（改）"
	if res := r.send(r.body, "rewrite", changed); res.Results[0].Outcome != model.RowRefused {
		t.Errorf("rewriting a stored record: %+v", res.Results[0])
	}
}

// The idempotency key: a retried batch is answered as before and writes
// nothing; the key with other records is refused; the same records under a
// new key are all unchanged.
func TestBatchIdempotent(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	recs := []verification.Record{certificate(s, "JD-I1", model.Date(2026, 5, 1)), {Kind: "certificate"}}
	first := r.send(r.body, "once", recs...)
	if first.New != 1 || first.Refused != 1 {
		t.Fatalf("first: %+v", first)
	}
	count := func() int64 {
		var n int64
		r.store.DB().Model(&model.VerificationRecord{}).Count(&n)
		return n
	}
	n := count()
	again := r.send(r.body, "once", recs...)
	if !again.Replayed || again.ImportID != first.ImportID || count() != n {
		t.Errorf("retry: replayed %v, import %d (first %d), records %d → %d", again.Replayed, again.ImportID, first.ImportID, n, count())
	}
	if _, err := r.svc.SubmitBatch(r.ctx, r.sender(r.body), "once", recs[:1]); !fail.Is(err, fail.Conflict) {
		t.Errorf("key with other records: %v", err)
	}
	if _, err := r.svc.SubmitBatch(r.ctx, r.sender(r.body), "", recs); !fail.Is(err, fail.Invalid) {
		t.Errorf("no key: %v", err)
	}
	if res := r.send(r.body, "twice", recs[0]); res.Unchanged != 1 || count() != n {
		t.Errorf("same record, new key: %+v", res)
	}
	// The other body's key space is its own.
	if res := r.send(r.other, "once", recs[0]); res.Replayed || res.New != 1 {
		t.Errorf("another body with the same key: %+v", res)
	}
}

// rows is an uploaded file as the service reads it.
type rows struct {
	header []string
	data   [][]string
	i      int
}

func (f *rows) Header() ([]string, error) { return f.header, nil }
func (f *rows) Next() (verification.Row, error) {
	if f.i >= len(f.data) {
		return verification.Row{}, io.EOF
	}
	f.i++
	return verification.Row{No: f.i + 1, Cells: f.data[f.i-1]}, nil
}

func isoDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, strings.ReplaceAll(s, "/", "-"))
}

func fileOf(recs ...verification.Record) *rows {
	f := &rows{}
	for _, c := range verification.Columns {
		f.header = append(f.header, c.Header)
	}
	for _, rec := range recs {
		var cells []string
		for _, c := range verification.Columns {
			cells = append(cells, fieldOf(rec, c.Field))
		}
		f.data = append(f.data, cells)
	}
	return f
}

func fieldOf(r verification.Record, field string) string {
	return map[string]string{"kind": r.Kind, "certificate_no": r.CertificateNo, "submitter_name": r.SubmitterName,
		"submitter_uscc": r.SubmitterUSCC, "instrument_serial": r.InstrumentSerial, "verified_on": r.VerifiedOn,
		"valid_until": r.ValidUntil, "supersedes": r.Supersedes, "conclusion": r.Conclusion}[field]
}

// An upload is previewed — every row's outcome, nothing written — then
// imported in steps; importing the same file again adds nothing; another
// body cannot see or confirm the batch.
func TestUploadPreviewImportReimport(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	good := certificate(s, "JD-U1", model.Date(2026, 5, 1))
	fix := certificate(s, "JD-U2", model.Date(2026, 5, 1))
	fix.Supersedes = "JD-U1" // corrects a record earlier in the same file
	bad := certificate(s, "JD-U3", model.Date(2026, 5, 1))
	bad.SubmitterUSCC = "123"
	file := func() *rows { return fileOf(good, fix, bad) }
	w := r.sender(r.body)
	count := func() int64 {
		var n int64
		r.store.DB().Model(&model.VerificationRecord{}).Count(&n)
		return n
	}
	before := count()
	b, err := r.svc.Stage(r.ctx, w, "march.xlsx", file(), isoDate)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != model.ImportPreviewed || b.TotalRows != 3 || b.NewRows != 2 || b.RefusedRows != 1 || count() != before {
		t.Fatalf("preview: %+v, records %d → %d", b, before, count())
	}
	refused, err := r.svc.Refused(r.ctx, w, b.ID, 0, 10)
	if err != nil || len(refused) != 1 || refused[0].RowNo != 4 || refused[0].Problems[0].Field != "submitter_uscc" {
		t.Fatalf("refused rows: %+v %v", refused, err)
	}
	if _, err := r.svc.Confirm(r.ctx, r.sender(r.other), b.ID); !fail.Is(err, fail.NotFound) {
		t.Errorf("another body confirmed the batch: %v", err)
	}
	if _, err := r.svc.Confirm(r.ctx, w, b.ID); err != nil {
		t.Fatal(err)
	}
	// Steps of no time at all: each imports one chunk, lets the batch go,
	// and the next claims it at once (no waiting for a lease to run out).
	steps := 0
	for b.Status != model.ImportDone {
		if b, err = r.svc.Step(r.ctx, b.ID, 0); err != nil {
			t.Fatalf("step %d: %v", steps, err)
		}
		steps++
	}
	if b.NewRows != 2 || b.RefusedRows != 1 || count() != before+2 || verification.ProgressPercent(b) != 100 {
		t.Errorf("imported: %+v, records %d → %d", b, before, count())
	}
	again, err := r.svc.Stage(r.ctx, w, "march.xlsx", file(), isoDate)
	if err != nil {
		t.Fatal(err)
	}
	if again.NewRows != 0 || again.UnchangedRows != 2 {
		t.Errorf("the same file again: %+v", again)
	}
}

// A wrong header is refused with what is missing or unknown, and leaves no
// batch behind.
func TestUploadHeader(t *testing.T) {
	r := newRig(t)
	f := &rows{header: []string{"证书编号", "颜色"}, data: [][]string{{"JD-1", "红"}}}
	_, err := r.svc.Stage(r.ctx, r.sender(r.body), "x.csv", f, isoDate)
	herr, ok := err.(*verification.HeaderError)
	if !ok || len(herr.Unknown) != 1 || herr.Unknown[0] != "颜色" || len(herr.Missing) == 0 {
		t.Fatalf("error %v", err)
	}
	var n int64
	r.store.DB().Model(&model.VerificationImport{}).Count(&n)
	if n != 0 {
		t.Errorf("%d batches left after a refused file", n)
	}
}

// A batch larger than one chunk is imported by successive steps, each
// claiming the batch straight after the last let it go.
func TestImportInSteps(t *testing.T) {
	r := newRig(t)
	s := r.shop()
	var recs []verification.Record
	for i := range 250 {
		rec := certificate(s, fmt.Sprintf("JD-S%03d", i), model.Date(2026, 5, 1))
		rec.InstrumentSerial = fmt.Sprintf("LEAD-%03d", i)
		recs = append(recs, rec)
	}
	w := r.sender(r.body)
	b, err := r.svc.Stage(r.ctx, w, "big.csv", fileOf(recs...), isoDate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Confirm(r.ctx, w, b.ID); err != nil {
		t.Fatal(err)
	}
	steps := 0
	for b.Status != model.ImportDone {
		if b, err = r.svc.Step(r.ctx, b.ID, 0); err != nil {
			t.Fatalf("step %d: %v", steps, err)
		}
		if steps++; steps > 10 {
			t.Fatalf("not done after %d steps: %+v", steps, b)
		}
	}
	if steps != 3 || b.NewRows != 250 || b.DoneRows != 250 {
		t.Errorf("%d steps, %+v; want 3 steps of 100 rows", steps, b)
	}
}
