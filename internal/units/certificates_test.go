package units_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

func (r *rig) priceScale() *model.InstrumentType {
	r.t.Helper()
	t, err := r.store.InstrumentTypeByCode(r.ctx, "price_scale")
	if err != nil {
		r.t.Fatal(err)
	}
	return t
}

func (r *rig) newForm(serial string) *instruments.Form {
	return &instruments.Form{TypeID: strconv.FormatInt(r.priceScale().ID, 10), SerialNo: serial, Quantity: "1", Location: "8号摊位"}
}

// The new-instrument form with its certificate filled in stores both; a
// certificate with a problem stores neither and says what is wrong with
// each part, together.
func TestAddInstrumentWithCertificate(t *testing.T) {
	r := newRig(t)
	owner := r.merchant()
	u := r.draft(owner, "钟楼菜场 8号摊位", codeA)

	list, err := r.svc.AddInstruments(r.ctx, owner, u, r.newForm("CZ-01"), &instruments.VerificationForm{
		CertificateNo: "JD2026-1", BodyName: "常州市计量测试技术研究所", VerifiedOn: "2026-03-05", Result: "pass"})
	if err != nil || len(list) != 1 {
		t.Fatalf("add: %v, %d instruments", err, len(list))
	}
	recs, err := r.store.Verifications(r.ctx, list[0].ID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %v, %d", err, len(recs))
	}
	rec := recs[0]
	if rec.CertificateNo != "JD2026-1" || rec.Source != model.SourceDeclared || rec.RecordedBy == nil || *rec.RecordedBy != owner.User.ID ||
		rec.UnitID == nil || *rec.UnitID != u.ID || rec.ValidUntil == nil || rec.ValidUntil.Format("2006-01-02") != "2027-03-04" {
		t.Fatalf("record %+v", rec)
	}

	// A certificate dated tomorrow, without a body, with a serial already taken: nothing stored, every problem said.
	before := r.count("instruments")
	_, err = r.svc.AddInstruments(r.ctx, owner, u, r.newForm(""), &instruments.VerificationForm{
		CertificateNo: "JD2026-2", VerifiedOn: "2026-04-07", Result: "pass"})
	e, ok := fail.As(err)
	if !ok || e.Kind != fail.Invalid {
		t.Fatalf("err %v, want invalid", err)
	}
	for _, f := range []string{"serial_no", "body_name", "verified_on"} {
		if !e.Fields.Has(f) {
			t.Errorf("no problem on %s: %v", f, e.Fields)
		}
	}
	_, err = r.svc.AddInstruments(r.ctx, owner, u, r.newForm("CZ-02"), &instruments.VerificationForm{
		CertificateNo: "JD2026-2", BodyName: "常州市计量测试技术研究所", VerifiedOn: "2026-03-05", ValidUntil: "2099-12-31", Result: "pass"})
	if e, ok := fail.As(err); !ok || !e.Fields.Has("valid_until") {
		t.Fatalf("a valid-until beyond the cycle: %v", err)
	}
	// A taken serial is found only by the database: the certificate is not stored either.
	_, err = r.svc.AddInstruments(r.ctx, owner, u, r.newForm("CZ-01"), &instruments.VerificationForm{
		CertificateNo: "JD2026-3", BodyName: "常州市计量测试技术研究所", VerifiedOn: "2026-03-05", Result: "pass"})
	if e, ok := fail.As(err); !ok || e.Fields["serial_no"].Key != "instrument.serial_taken" {
		t.Fatalf("taken serial: %v", err)
	}
	// A certificate with a quantity.
	f := r.newForm("CZ-10")
	f.Quantity = "3"
	_, err = r.svc.AddInstruments(r.ctx, owner, u, f, &instruments.VerificationForm{
		CertificateNo: "JD2026-4", BodyName: "常州市计量测试技术研究所", VerifiedOn: "2026-03-05", Result: "pass"})
	if e, ok := fail.As(err); !ok || !e.Fields.Has("quantity") {
		t.Fatalf("certificate with quantity 3: %v", err)
	}
	if r.count("instruments") != before || r.count("verification_records") != 1 {
		t.Fatalf("%d instruments, %d records after refusals", r.count("instruments"), r.count("verification_records"))
	}

	// An empty section: the instrument alone, as before.
	if _, err := r.svc.AddInstruments(r.ctx, owner, u, r.newForm("CZ-02"), &instruments.VerificationForm{Result: "pass"}); err != nil {
		t.Fatal(err)
	}
	if r.count("instruments") != before+1 || r.count("verification_records") != 1 {
		t.Fatal("an empty certificate section stored something")
	}
	// Someone else's unit is not found.
	if _, err := r.svc.AddInstruments(r.ctx, r.merchant(), u, r.newForm("CZ-03"), &instruments.VerificationForm{}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another merchant: %v", err)
	}
}

// Saving pasted certificates checks them again and stores exactly the good
// rows, once; a preview that no longer holds stores nothing.
func TestSaveCertificates(t *testing.T) {
	r := newRig(t)
	owner := r.merchant()
	u := r.draft(owner, "钟楼菜场 8号摊位", codeA)
	if _, err := r.svc.AddInstruments(r.ctx, owner, u, r.newForm("CZ-01"), &instruments.VerificationForm{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.AddInstruments(r.ctx, owner, u, r.newForm("CZ-02"), &instruments.VerificationForm{}); err != nil {
		t.Fatal(err)
	}
	text := strings.Join([]string{
		"出厂编号\t证书编号\t检定机构\t检定日期\t有效期至\t检定结论",
		"cz-01\tJD-1\t常州市计量测试技术研究所\t2026/3/5\t\t合格",
		"CZ-02\tJD-2\t常州市计量测试技术研究所\t2026-03-06\t\t不合格",
		"CZ-99\tJD-3\t常州市计量测试技术研究所\t2026-03-06\t\t合格",
	}, "\n")
	batch, err := r.svc.CheckCertificates(r.ctx, owner, u, text, "")
	if err != nil || batch.Good != 2 || len(batch.Checked) != 3 || batch.HeaderLine != 1 {
		t.Fatalf("check: %v %+v", err, batch)
	}
	if r.count("verification_records") != 0 {
		t.Fatal("the check stored records")
	}
	if _, err := r.svc.SaveCertificates(r.ctx, owner, u, text, "", 3); !errors.Is(err, units.ErrCertificatesChanged) {
		t.Fatalf("save of 3 when 2 are good: %v", err)
	}
	if _, err := r.svc.SaveCertificates(r.ctx, owner, u, text, "", 2); err != nil {
		t.Fatal(err)
	}
	var recs []model.VerificationRecord
	r.store.DB().Order("id").Find(&recs)
	if len(recs) != 2 || recs[0].CertificateNo != "JD-1" || recs[1].Result != model.ResultFail || recs[1].ValidUntil != nil ||
		recs[0].Source != model.SourceDeclared || *recs[0].RecordedBy != owner.User.ID {
		t.Fatalf("stored %+v", recs)
	}
	// The same paste again: already recorded, nothing good, nothing stored.
	batch, err = r.svc.CheckCertificates(r.ctx, owner, u, text, "")
	if err != nil || batch.Good != 0 || batch.Checked[0].Errors["certificate_no"].Key != "certs.already_recorded" {
		t.Fatalf("again: %v %+v", err, batch)
	}
	if _, err := r.svc.SaveCertificates(r.ctx, owner, u, text, "", 2); !errors.Is(err, units.ErrCertificatesChanged) || r.count("verification_records") != 2 {
		t.Fatalf("saved twice: %v", err)
	}
	// A revoked unit's records are closed.
	r.store.DB().Model(&model.Unit{}).Where("id = ?", u.ID).Update("status", model.UnitRevoked)
	if _, err := r.svc.CheckCertificates(r.ctx, owner, r.reload(u), text, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("revoked unit: %v", err)
	}
}
