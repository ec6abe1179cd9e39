package e2e

import (
	"context"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// TestGreenTickMeansWhatItSays: a listed unit whose scales failed or ran
// out of verification is not shown a plain green tick; the scale's own page
// tells the shopper what that means and its report button preselects the
// right category; a revoked unit's pledge is not shown as standing. On a
// 360 px phone and a 1366 px desktop.
func TestGreenTickMeansWhatItSays(t *testing.T) {
	for _, vp := range screens() {
		t.Run(vp.name, func(t *testing.T) {
			a := apptest.New(t)
			_, unitID, ins := a.ApprovedUnit(unitName)
			ctx := context.Background()
			failed := &model.VerificationRecord{InstrumentID: &ins[0].ID, CertificateNo: "JD2026-000101", BodyName: "常州市计量测试技术研究所",
				VerifiedOn: a.Now().AddDate(0, -1, 0), Result: model.ResultFail, Source: model.SourceConfirmed}
			until := a.Now().AddDate(0, 0, -3)
			expired := &model.VerificationRecord{InstrumentID: &ins[1].ID, CertificateNo: "JD2025-000102", BodyName: "常州市计量测试技术研究所",
				VerifiedOn: a.Now().AddDate(-1, 0, -3), ValidUntil: &until, Result: model.ResultPass, Source: model.SourceConfirmed}
			for _, r := range []*model.VerificationRecord{failed, expired} {
				if err := a.Store.AddVerification(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			unitPath, expiredPath := a.ScanPath(model.QRUnit, unitID), a.ScanPath(model.QRInstrument, ins[1].ID)

			b := newBrowser(t)
			b.do(t, vp.size)
			shot := b.step(t, "unit-with-unfit-scales",
				open(a.URL+unitPath, 200),
				hasText("p.badge-big", "诚信计量示范单位", "1 台器具检定不合格", "1 台器具检定过期"),
				lacks("p.badge-big", "✓"),
				holds(`document.querySelector('p.badge-big').classList.contains('badge-caution')`, "the verdict is coloured as a plain pass"),
				fitsWidth(),
			)
			b.publish(t, shot, "scan-unit-caution-"+vp.name+".png")

			shot = b.step(t, "expired-scale",
				open(a.URL+expiredPath, 200),
				hasText("section.instrument-first", "检定已过期", "不得用于贸易结算"),
				hasText("section.instrument-first a.report-button", "举报这台器具"),
				fitsWidth(),
			)
			b.publish(t, shot, "scan-instrument-expired-"+vp.name+".png")
			b.step(t, "report-preselected",
				follow("section.instrument-first a.report-button", 200),
				hasText("form .target", unitName),
				holds(`document.querySelector('#category').value === 'unverified_instrument'`, "the category is not preselected"),
			)

			b.step(t, "unit-in-english",
				open(a.URL+unitPath+"?lang=en", 200),
				hasText("p.badge-big", "1 instrument failed verification", "1 instrument's verification expired"),
				lacks("p.badge-big", "✓"),
			)

			if err := a.Store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: unitID, From: model.UnitApproved,
				To: model.UnitRevoked, Reason: "使用作弊计价秤", At: a.Now()}); err != nil {
				t.Fatal(err)
			}
			shot = b.step(t, "revoked-unit",
				open(a.URL+unitPath+"?lang=zh-CN", 200),
				hasText("p.badge-big", "示范资格已撤销"),
				hasText("main", "使用作弊计价秤"),
				hasText("section.pledge", "该承诺已失效"),
				lacks("section.pledge", "有效期至"),
				fitsWidth(),
			)
			b.publish(t, shot, "scan-unit-revoked-"+vp.name+".png")
		})
	}
}
