package ui_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/printfile"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
)

func decodeQR(t *testing.T, pngBytes []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		// gozxing's finder-pattern search misses about one valid code in
		// twenty (it depends on the text only); reading the image as the
		// clean code it is then decodes every one.
		res, err = gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true})
	}
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	return res.GetText()
}

func TestQRCodesDecodeToSignedScanURLsAndReprintRevokes(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	signer := qr.NewSigner([]byte(apptest.Secret))
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)

	// The downloaded label PNG decodes to BASE/Q/<token> for this instrument.
	r := m.Get(inst + "/qr.png?size=300")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("png download: %d %v", r.Status, r.Header)
	}
	decoded := decodeQR(t, []byte(r.Body))
	want := qr.URL(a.URL, signedBy(signer, qr.Ref{Kind: model.QRInstrument, ID: ins[0].ID, Version: 1}))
	if decoded != want || !strings.Contains(decoded, "/Q/") {
		t.Fatalf("decoded %q, want %q", decoded, want)
	}
	token := decoded[strings.LastIndex(decoded, "/")+1:]
	if res, err := scan.Resolve(ctx, a.Store, signer, token); err != nil || res.Status != scan.Genuine || res.Ref.ID != ins[0].ID {
		t.Fatalf("fresh code: %+v %v", res, err)
	}

	// An altered token (one character of the ID changed) is not genuine,
	// and neither is a well-formed one signed with another key.
	tampered := []byte(token)
	tampered[1] ^= 1 // '1'↔'0', 'A'↔'@' …: a different ID or a malformed one
	if res, _ := scan.Resolve(ctx, a.Store, signer, string(tampered)); res.Status != scan.NotIssued {
		t.Fatalf("tampered token %s resolved as %v", tampered, res.Status)
	}
	forged := signedBy(qr.NewSigner([]byte("someone else's secret, 32 chars!")), qr.Ref{Kind: model.QRInstrument, ID: ins[0].ID, Version: 1})
	if res, _ := scan.Resolve(ctx, a.Store, signer, forged); res.Status != scan.NotIssued {
		t.Fatalf("forged token resolved as %v", res.Status)
	}
	// Genuine signature but never issued (version 7) is not vouched for either.
	if res, _ := scan.Resolve(ctx, a.Store, signer, signedBy(signer, qr.Ref{Kind: model.QRInstrument, ID: ins[0].ID, Version: 7})); res.Status != scan.NotIssued {
		t.Fatalf("unissued version resolved as %v", res.Status)
	}

	// Reprinting revokes the old code and the new download carries version 2.
	m.Get(inst)
	m.Post(inst+"/qr/reprint", apptest.Form("confirm", "yes"))
	m.Expect(http.StatusOK, "已生成新二维码")
	if res, _ := scan.Resolve(ctx, a.Store, signer, token); res.Status != scan.Replaced {
		t.Fatalf("old code after reprint: %v, want Replaced", res.Status)
	}
	next := decodeQR(t, []byte(m.Get(inst+"/qr.png?size=300").Body))
	if next == decoded || !strings.Contains(m.Last.Header.Get("Content-Disposition"), "-v2.png") {
		t.Fatalf("reprinted code unchanged: %s", next)
	}
	if res, _ := scan.Resolve(ctx, a.Store, signer, next[strings.LastIndex(next, "/")+1:]); res.Status != scan.Genuine || res.Ref.Version != 2 {
		t.Fatalf("new code: %+v", res)
	}

	// SVG download for the unit's poster code.
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	if r := m.Get(unit + "/qr.svg"); r.Status != 200 || r.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(r.Body, "<path") {
		t.Fatalf("svg download: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
}

func TestPosterAndLabelSheet(t *testing.T) {
	a := apptest.New(t)
	m, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit + "/poster")
	m.Expect(http.StatusOK, "钟楼菜场 8号摊位", "诚信计量示范单位", "扫码查验计量器具 · 举报缺斤短两", "12315",
		"常州市天宁区市场监督管理局", "承诺有效期至", "足斤足两，短缺赔偿", "<svg", "css/print.css")
	if strings.Contains(m.Last.Body, `class="site"`) {
		t.Error("poster carries the site's header or footer")
	}
	m.Get(unit + "/labels")
	m.Expect(http.StatusOK, "CZ-01", "CZ-02", "8号摊位", "电子计价秤", "未检定")
	if n := strings.Count(m.Last.Body, `<div class="label`); n != 2 {
		t.Fatalf("%d labels, want 2", n)
	}

	// Another merchant cannot print or download this unit's codes.
	a.CreateUser("13800000011", "other-pass-1", model.RoleMerchant, "")
	o := a.Browser()
	o.Login("13800000011", "other-pass-1")
	for _, p := range []string{unit + "/poster", unit + "/labels", unit + "/qr.png", unit + "/qr.svg", unit + "/poster.pdf", unit + "/poster.png", unit + "/labels.pdf"} {
		if r := o.Get(p); r.Status != http.StatusNotFound {
			t.Errorf("%s by another merchant: %d", p, r.Status)
		}
	}
	// A draft unit has no code yet.
	o.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("草稿单位", "92320402MA1XXXXX0"+checkChar(t, "92320402MA1XXXXX0")))
	draft := "/merchant/units/" + strconv.FormatInt(o.UnitID(), 10)
	if r := o.Get(draft + "/poster"); r.Status != http.StatusNotFound {
		t.Errorf("draft poster: %d", r.Status)
	}
}

// A suspended unit is not a demonstration unit while suspended: no poster
// saying it is (409, with the reason and how to be reinstated), no poster
// button; its codes still download, a scan shows the suspension, and the
// merchant's home page says why and how to be reinstated.
func TestSuspendedUnitPrintsNoPoster(t *testing.T) {
	a := apptest.New(t)
	m, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	if r := m.Get(unit + "/poster"); r.Status != http.StatusOK {
		t.Fatalf("approved unit's poster: %d", r.Status)
	}
	if err := a.Store.ChangeUnitStatus(t.Context(), storage.UnitChange{UnitID: unitID, From: model.UnitApproved,
		To: model.UnitSuspended, At: a.Now(), Reason: "电子秤作弊"}); err != nil {
		t.Fatal(err)
	}
	m.Get(unit + "/poster")
	m.Expect(http.StatusConflict, "暂停期间不能打印示范单位海报", "电子秤作弊", "申请恢复")
	m.Get(unit)
	m.Expect(http.StatusOK)
	if strings.Contains(m.Last.Body, unit+"/poster") {
		t.Error("the suspended unit's page still offers the poster")
	}
	if r := m.Get(unit + "/qr.png"); r.Status != http.StatusOK {
		t.Errorf("the suspended unit's code: %d, want it still downloadable", r.Status)
	}
	// The merchant's home says why and what to do, as the notice did.
	m.Get("/merchant")
	m.Expect(http.StatusOK, "原因：电子秤作弊", "申请恢复")
}

// The merchant previews the public page a shopper's scan opens.
func TestPreviewPublicPage(t *testing.T) {
	a := apptest.New(t)
	m, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit)
	m.Expect(http.StatusOK, "预览顾客看到的页面", unit+"/public")
	m.Get(unit + "/public")
	m.Expect(http.StatusOK, "钟楼菜场 8号摊位", "诚信计量示范单位")
	if !strings.HasSuffix(m.Last.URL, a.ScanPath(model.QRUnit, unitID)) {
		t.Errorf("preview landed on %s, want the unit's scan page", m.Last.URL)
	}
}

// The poster and labels download as files a print shop takes: an A4 PDF
// and PNG poster, PDF label sheets of the chosen instruments with a warning
// for those that may not be used; a suspended unit gets no poster file.
func TestPrintFiles(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	r := m.Get(unit + "/poster.pdf")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatalf("poster.pdf: %d %s %.8q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	r = m.Get(unit + "/poster.png")
	cfg, err := png.DecodeConfig(strings.NewReader(r.Body))
	if r.Status != http.StatusOK || err != nil || cfg.Width != printfile.PNGWidth || cfg.Height != printfile.PNGHeight {
		t.Fatalf("poster.png: %d %v %+v", r.Status, err, cfg)
	}
	// Both instruments are listed to choose from; CZ-02 never verified is warned about.
	m.Get(unit + "/labels?ins=" + strconv.FormatInt(ins[1].ID, 10))
	m.Expect(http.StatusOK, "70 × 37 毫米", "有 1 台选中的器具", "不得用于贸易结算", "labels.pdf?ins=")
	if n := strings.Count(m.Last.Body, `<div class="label`); n != 1 {
		t.Fatalf("%d labels laid out, want the 1 chosen", n)
	}
	r = m.Get(unit + "/labels.pdf?ins=" + strconv.FormatInt(ins[1].ID, 10))
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "%PDF-") || strings.Count(r.Body, "/Type /Page\n")+strings.Count(r.Body, "/Type /Page ") == 0 {
		t.Fatalf("labels.pdf: %d %.8q", r.Status, r.Body)
	}
	if err := a.Store.ChangeUnitStatus(t.Context(), storage.UnitChange{UnitID: unitID, From: model.UnitApproved,
		To: model.UnitSuspended, At: a.Now(), Reason: "电子秤作弊"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"/poster.pdf", "/poster.png"} {
		if r := m.Get(unit + f); r.Status != http.StatusConflict {
			t.Errorf("%s of a suspended unit: %d, want 409", f, r.Status)
		}
	}
	if r := m.Get(unit + "/labels.pdf"); r.Status != http.StatusOK {
		t.Errorf("labels of a suspended unit: %d, want them still printable", r.Status)
	}
}

// One account's print files are bounded: a merchant reloading the poster in
// a loop is told to wait, and the files come back after the window.
func TestPrintFilesAreRateLimited(t *testing.T) {
	a := apptest.New(t)
	m, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	for i := range printfile.PerAccount {
		if r := m.Get(unit + "/labels.pdf"); r.Status != http.StatusOK {
			t.Fatalf("file %d: %d", i+1, r.Status)
		}
	}
	r := m.Get(unit + "/poster.pdf")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "每个账号每 10 分钟最多生成 60 个打印文件") {
		t.Fatalf("file %d: %d %q", printfile.PerAccount+1, r.Status, r.Header.Get("Retry-After"))
	}
	a.Advance(printfile.PerWindow + time.Minute)
	if r := m.Get(unit + "/poster.pdf"); r.Status != http.StatusOK {
		t.Fatalf("after the window: %d", r.Status)
	}
}
