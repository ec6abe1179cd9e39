package ui_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/sheet"
)

const czBody = "常州市计量测试技术研究所"

// The new-instrument form takes the certificate too: a problem in either
// part shows every problem at once, keeps everything typed and stores
// nothing; a good form stores the instrument and its certificate.
func TestNewInstrumentWithCertificate(t *testing.T) {
	a := apptest.New(t)
	m, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit + "/instruments/new")
	m.Expect(http.StatusOK, "检定证书", `list="verification-bodies"`, `<option value="`+czBody+`">`)
	tomorrow := a.Now().In(model.Zone).AddDate(0, 0, 1).Format(time.DateOnly)
	m.Post(unit+"/instruments", form("type_id", a.TypeID("price_scale"), "serial_no", "CZ-03", "quantity", "1", "location", "9号摊位",
		"identity_code", "码?", "certificate_no", "JD2026-77", "body_name", "", "verified_on", tomorrow, "result", "fail"))
	m.Expect(http.StatusUnprocessableEntity, `class="error-summary"`, "生产码只能由字母、数字和连字符", "检定日期不能晚于今天", "请填写此项",
		`value="CZ-03"`, `value="码?"`, `value="JD2026-77"`, `value="9号摊位"`, `value="`+tomorrow+`"`, `value="fail" checked`,
		`href="#body_name"`, `href="#identity_code"`, `href="#verified_on"`)
	// A serial number taken is found when storing: the certificate is not stored either.
	verified := a.Now().In(model.Zone).AddDate(0, -1, 0).Format(time.DateOnly)
	m.Post(unit+"/instruments", form("type_id", a.TypeID("price_scale"), "serial_no", "CZ-01", "quantity", "1",
		"certificate_no", "JD2026-77", "body_name", czBody, "verified_on", verified, "result", "pass"))
	m.Expect(http.StatusUnprocessableEntity, "编号 CZ-01 已被本单位另一台在用器具使用", `value="JD2026-77"`)
	var n int64
	a.DB.Model(&model.VerificationRecord{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d records from a refused form", n)
	}

	m.Post(unit+"/instruments", form("type_id", a.TypeID("price_scale"), "serial_no", "CZ-03", "quantity", "1",
		"certificate_no", "JD2026-77", "body_name", czBody, "verified_on", verified, "result", "pass"))
	m.Expect(http.StatusOK, "计量器具和检定证书已添加")
	var in model.Instrument
	a.DB.Where("unit_id = ? AND serial_no = ?", unitID, "CZ-03").Take(&in)
	var rec model.VerificationRecord
	if err := a.DB.Where("instrument_id = ?", in.ID).Take(&rec).Error; err != nil || rec.CertificateNo != "JD2026-77" || rec.BodyName != czBody {
		t.Fatalf("certificate %+v: %v", rec, err)
	}
	// The instrument page offers the same bodies.
	m.Get("/merchant/instruments/" + strconv.FormatInt(in.ID, 10))
	m.Expect(http.StatusOK, `<option value="`+czBody+`">`)
	// In English, the English names.
	m.Header.Set("Accept-Language", "en")
	m.Get(unit + "/instruments/new")
	m.Expect(http.StatusOK, `<option value="Changzhou Institute of Metrology and Testing Technology">`, "Verification certificate")
}

// Pasted rows are previewed with each row's instrument or problem; saving
// stores exactly the good rows. An uploaded XLSX is read the same way.
func TestPasteCertificates(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit)
	m.Expect(http.StatusOK, `href="`+unit+`/certificates"`)
	m.Get(unit + "/certificates")
	m.Expect(http.StatusOK, "批量添加检定证书", `list="verification-bodies"`)
	verified := a.Now().In(model.Zone).AddDate(0, -1, 0).Format("2006/1/2")
	future := a.Now().In(model.Zone).AddDate(0, 0, 3).Format(time.DateOnly)
	text := strings.Join([]string{
		"出厂编号\t证书编号\t检定机构\t检定日期\t有效期至\t检定结论",
		"CZ-01\tJD-1\t\t" + verified + "\t\t合格",
		"CZ-02\tJD-2\t" + czBody + "\t" + future + "\t\t合格",
		"CZ-77\tJD-3\t" + czBody + "\t" + verified + "\t\t合格",
	}, "\n")
	fields := url.Values{"_csrf": {m.CSRF()}, "rows": {text}, "body_name": {czBody}}
	m.PostMultipart(unit+"/certificates", fields)
	m.Expect(http.StatusOK, "共读到 3 行，其中 1 行无误", "第 1 行作为列标题", "本单位在用的器具中没有出厂编号为 CZ-77 的",
		"检定日期不能晚于今天", "保存无误的 1 行", `name="good" value="1"`)
	var n int64
	a.DB.Model(&model.VerificationRecord{}).Count(&n)
	if n != 0 {
		t.Fatal("the preview stored records")
	}

	// The save form posts back what the preview showed.
	save := url.Values{"_csrf": {m.CSRF()}, "rows": {hiddenRows(t, m.Last.Body)}, "body_name": {czBody}, "good": {"1"}}
	m.PostMultipart(unit+"/certificates/save", save)
	m.Expect(http.StatusOK, "检定证书已保存")
	var recs []model.VerificationRecord
	a.DB.Order("id").Find(&recs)
	if len(recs) != 1 || *recs[0].InstrumentID != ins[0].ID || recs[0].CertificateNo != "JD-1" || recs[0].BodyName != czBody {
		t.Fatalf("stored %+v", recs)
	}
	// Saving it again stores nothing: the row is already recorded.
	m.Get(unit + "/certificates")
	save.Set("_csrf", m.CSRF())
	m.PostMultipart(unit+"/certificates/save", save)
	m.Expect(http.StatusConflict, "检查之后器具或其记录有变化", "这台器具已记录过证书 JD-1")
	a.DB.Model(&model.VerificationRecord{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d records after saving twice", n)
	}

	// An XLSX file, its dates as Excel stores them.
	var file bytes.Buffer
	rows := [][]string{{"CZ-02", "JD-9", czBody, strconv.Itoa(excelDay(a.Now().AddDate(0, -2, 0))), "", "pass"}}
	if err := sheet.WriteXLSX(&file, []string{"出厂编号", "证书编号", "检定机构", "检定日期", "有效期至", "结论"}, slices.Values(rows)); err != nil {
		t.Fatal(err)
	}
	m.Get(unit + "/certificates")
	m.PostMultipart(unit+"/certificates", url.Values{"_csrf": {m.CSRF()}}, apptest.File{Field: "file", Name: "certs.xlsx", Data: file.Bytes()})
	m.Expect(http.StatusOK, "共读到 1 行，其中 1 行无误", a.Now().In(model.Zone).AddDate(0, -2, 0).Format(time.DateOnly))
	// Too many rows are refused before any is checked.
	m.PostMultipart(unit+"/certificates", url.Values{"_csrf": {m.CSRF()}, "rows": {strings.Repeat("CZ-01,JD-1,"+czBody+",2026-01-01,,合格\n", 501)}})
	m.Expect(http.StatusUnprocessableEntity, "一次最多 500 行")
}

// hiddenRows is the text the preview's save form posts back.
func hiddenRows(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `<textarea name="rows" hidden`)
	if !ok {
		t.Fatal("no save form")
	}
	_, rest, _ = strings.Cut(rest, ">\n")
	text, _, _ := strings.Cut(rest, "</textarea>")
	return htmlUnescape(text)
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&amp;", "&").Replace(s)
}

// excelDay is the serial number Excel stores for the day of t.
func excelDay(t time.Time) int {
	d := model.DateOf(t)
	return int(d.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// Another merchant's unit is a 404 on the certificates page, and so is a
// revoked unit's.
func TestCertificatesPageOfAnotherMerchant(t *testing.T) {
	a := apptest.New(t)
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	a.CreateUser("13800000099", "other-pass-1", model.RoleMerchant, "")
	other := a.Browser()
	other.Login("13800000099", "other-pass-1")
	if r := other.Get(unit + "/certificates"); r.Status != http.StatusNotFound || strings.Contains(r.Body, "钟楼菜场") {
		t.Fatalf("GET by another merchant: %d", r.Status)
	}
	rows := "CZ-01,JD-1," + czBody + ",2026-01-01,,合格"
	for _, path := range []string{unit + "/certificates", unit + "/certificates/save"} {
		other.Get("/merchant")
		if r := other.PostMultipart(path, url.Values{"_csrf": {other.CSRF()}, "rows": {rows}, "good": {"1"}}); r.Status != http.StatusNotFound {
			t.Errorf("POST %s by another merchant: %d", path, r.Status)
		}
	}
	var n int64
	a.DB.Model(&model.VerificationRecord{}).Count(&n)
	if n != 0 {
		t.Fatal("another merchant stored a certificate")
	}
}
