package ui_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
)

// scanPaths returns the /Q/ paths of the unit's and its first instrument's codes.
func scanPaths(t *testing.T, a *apptest.App, unitID int64, ins []model.Instrument) (unit, instrument string) {
	return a.ScanPath(model.QRUnit, unitID), a.ScanPath(model.QRInstrument, ins[0].ID)
}

func TestScanEveryKindOfCode(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, instPath := scanPaths(t, a, unitID, ins)
	v := a.Browser()

	v.Get(unitPath)
	// Its scales were never verified: the unit's verdict says so, not a green tick.
	v.Expect(http.StatusOK, "badge-caution", "诚信计量示范单位 · ", "台器具未经检定", "钟楼菜场 8号摊位", "CZ-01", "CZ-02", "未检定", "足斤足两，短缺赔偿", `href="/report?t=`, "归零", "去皮")
	// Lower case works as well as the printed upper case.
	if r := v.Get(strings.ToLower(unitPath)); r.Status != http.StatusOK {
		t.Fatalf("lower-case scan URL: %d", r.Status)
	}

	v.Get(instPath)
	v.Expect(http.StatusOK, "请核对与器具铭牌上的编号是否一致", "CZ-01", "钟楼菜场 8号摊位", "✗ 没有检定记录")
	if first, unit := strings.Index(v.Last.Body, "请核对"), strings.Index(v.Last.Body, "badge-big"); first > unit {
		t.Error("instrument code does not show the instrument first")
	}

	// Altered and made-up codes get the counterfeit warning.
	token := instPath[len("/Q/"):]
	altered := token[:len(token)-1] + map[bool]string{true: "A", false: "B"}[token[len(token)-1] != 'A']
	forged := signedBy(qr.NewSigner([]byte("not our secret, but 32 chars long")), qr.Ref{Kind: model.QRUnit, ID: unitID, Version: 1})
	unissued := signedBy(qr.NewSigner([]byte(apptest.Secret)), qr.Ref{Kind: model.QRUnit, ID: unitID, Version: 9})
	for _, bad := range []string{altered, forged, unissued, "HELLO-WORLD", "U1-1-"} {
		v.Get("/Q/" + bad)
		v.Expect(http.StatusNotFound, "此二维码不是本平台签发的", "可能是伪造", "举报可疑二维码")
	}

	// A reprint: the old code says it was replaced and points to the current page.
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	m.Get(inst)
	m.Post(inst+"/qr/reprint", apptest.Form("confirm", "yes"))
	v.Get(instPath)
	v.Expect(http.StatusOK, "这个二维码已被更换", "查看该单位当前信息")
}

var receiptRe = regexp.MustCompile(`id="tracking">([^<]+)<.*?id="access-code">(\d{8})<`)

func receipt(t *testing.T, b *apptest.Browser) (string, string) {
	t.Helper()
	m := receiptRe.FindStringSubmatch(strings.ReplaceAll(b.Last.Body, "\n", " "))
	if m == nil {
		t.Fatalf("no receipt on the page (%d)\n%s", b.Last.Status, b.Last.Body)
	}
	return m[1], m[2]
}

func reportFields(kind string, extra ...string) url.Values {
	f := form("kind", kind, "category", "short_weight", "incident_at", "2026-11-20T09:30",
		"description", "买了两斤排骨，回家复称只有一斤七两。", "amount", "18.5")
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestReportsFromAScan(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	_, instPath := scanPaths(t, a, unitID, ins)
	token := instPath[len("/Q/"):]
	v := a.Browser()

	// A complaint without the details Order 121 requires comes back with
	// messages and everything typed.
	v.Get("/report?t=" + token)
	v.Expect(http.StatusOK, "钟楼菜场 8号摊位", "CZ-01", `name="idempotency_key"`)
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	f := reportFields("complaint", "t", token, "idempotency_key", key, "reporter_email", "a@example.com")
	v.PostMultipart("/report", f)
	v.Expect(http.StatusUnprocessableEntity, "投诉需要填写此项", "投诉需要写明您的诉求", "买了两斤排骨", `value="18.5"`, `value="a@example.com"`, "钟楼菜场 8号摊位")
	var n int64
	a.DB.Model(&model.Report{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d reports stored from a refused form", n)
	}

	// An anonymous tip is accepted even with contact fields typed in; none is kept.
	f = reportFields("tip", "t", token, "idempotency_key", key, "anonymous", "yes", "reporter_name", "王五", "reporter_phone", "13700000000")
	v.PostMultipart("/report", f)
	// The unit is in Tianning (320402): its bureau handles the report.
	v.Expect(http.StatusCreated, "已收到您的举报", "常州市天宁区市场监督管理局")
	tracking, code := receipt(t, v)

	// The same submission again (a double tap or a retry) shows the same receipt.
	v.PostMultipart("/report", f)
	v.Expect(http.StatusOK, "没有重复提交")
	if tr2, code2 := receipt(t, v); tr2 != tracking || code2 != code {
		t.Fatalf("retry gave %s/%s, first %s/%s", tr2, code2, tracking, code)
	}
	a.DB.Model(&model.Report{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d reports after a retry, want 1", n)
	}
	// Back, edit, send again: the same key with other content shows nothing
	// of the first receipt and brings the form back, as typed, with a new key.
	edited := reportFields("tip", "t", token, "idempotency_key", key, "anonymous", "yes")
	edited.Set("description", "改过的内容：秤盘下面有磁铁。")
	v.PostMultipart("/report", edited)
	v.Expect(http.StatusUnprocessableEntity, "已用不同内容提交过", "改过的内容：秤盘下面有磁铁。")
	if strings.Contains(v.Last.Body, tracking) || strings.Contains(v.Last.Body, code) {
		t.Fatal("a reused key showed the first report's receipt")
	}
	if newKey := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]; newKey == key {
		t.Fatal("the form came back with the used key")
	}
	var r model.Report
	a.DB.Take(&r)
	if !r.Anonymous || r.ReporterName != "" || r.ReporterPhone != "" || r.InstrumentID == nil || *r.InstrumentID != ins[0].ID || r.UnitID == nil {
		t.Fatalf("stored report %+v", r)
	}
	var c model.Case
	a.DB.Where("report_id = ?", r.ID).Take(&c)
	tianning, _ := a.Store.AgencyByCode(context.Background(), "cz-tianning")
	if c.AgencyID != tianning.ID || c.Status != model.CaseNew || c.DueAt == nil || !c.DecisionDueAt.After(c.ReceivedAt) {
		t.Fatalf("case %+v", c)
	}

	// Track: the right code shows the status, a wrong one the same "not found" as a made-up number.
	v.Submit("/track", "/track", form("tracking_number", strings.ToLower(tracking), "access_code", code))
	v.Expect(http.StatusOK, "已收到", "已收到举报", tracking, "办理进度", `aria-current="step"`,
		"下一步：市场监管部门将核查您举报的线索", "作出受理（立案）决定的期限", c.DueAt.In(model.Zone).Format(time.DateOnly))
	for _, bad := range []url.Values{
		form("tracking_number", tracking, "access_code", "00000000"),
		form("tracking_number", "AAAA-BBBB-CCCC", "access_code", code),
	} {
		v.Submit("/track", "/track", bad)
		v.Expect(http.StatusNotFound, "没有找到：请核对受理编号和查询码")
	}
}

func TestReportWithoutAScanAndItsPhotos(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	f := reportFields("complaint", "idempotency_key", key, "district_id", a.DistrictID("320412"),
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_phone", "13700001234", "reporter_address", "武进区花园街1号", "request", "退还差价")
	photo := gpsJPEG(t)
	// A file that is not a photo does not cost the report its text: it is
	// filed with the good photo, and the receipt says what was left out.
	v.PostMultipart("/report", f, apptest.File{Field: "photos", Name: "evidence.jpg", Data: photo},
		apptest.File{Field: "photos", Name: "notes.txt", Data: []byte("not a photo")})
	v.Expect(http.StatusCreated, "常州市武进区市场监督管理局", "没有附上", "第 2 个文件不是 JPG、PNG 或 WebP 照片")

	var stored []model.ReportPhoto
	a.DB.Find(&stored)
	if len(stored) != 1 {
		t.Fatalf("%d photos stored, want 1", len(stored))
	}
	p := stored[0]
	if bytes.Contains(p.Data, []byte("Exif")) || bytes.Contains(p.Data, []byte("GPSMARKER")) || p.ContentType != "image/jpeg" {
		t.Fatal("stored photo still carries EXIF/GPS metadata")
	}
	if _, err := jpeg.Decode(bytes.NewReader(p.Data)); err != nil {
		t.Fatalf("stored photo is not a JPEG: %v", err)
	}
	// Honeypot: a bot filling the hidden field stores nothing.
	f.Set("website", "http://spam.example")
	f.Set("idempotency_key", "another-key-0123456789")
	v.PostMultipart("/report", f)
	v.Expect(http.StatusUnprocessableEntity, "提交未成功")
	var n int64
	a.DB.Model(&model.Report{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d reports, want 1", n)
	}
}

// gpsJPEG is a JPEG whose APP1 segment carries EXIF with recognisable GPS
// bytes, as a phone photo would.
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	// "Exif\0\0" + little-endian TIFF header with an empty IFD0, then the marker.
	payload := append([]byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"), []byte("GPSMARKER 31.78N 119.95E")...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	b := plain.Bytes()
	out := append([]byte{}, b[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, b[2:]...)
}

func TestSuspensionShowsOnTheScanPageAtOnce(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, _ := scanPaths(t, a, unitID, ins)
	v := a.Browser()
	v.Get(unitPath) // the page is now cached
	v.Expect(http.StatusOK, "诚信计量示范单位")
	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	o := a.Browser()
	o.Login("tn@example.org", "officer-pass")
	staff := "/staff/units/" + strconv.FormatInt(unitID, 10)
	o.Submit(staff, staff+"/suspend", form("reason", "计价秤铅封破损"))
	o.Expect(http.StatusOK, "示范资格已暂停")
	v.Get(unitPath)
	v.Expect(http.StatusOK, "示范资格已暂停", "计价秤铅封破损")
}

func TestDirectory(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, _ := scanPaths(t, a, unitID, ins)
	v := a.Browser()
	v.Get("/units?q=" + url.QueryEscape("钟楼菜场"))
	v.Expect(http.StatusOK, "钟楼菜场 8号摊位", "共 1 家", `href="`+unitPath+`"`, "已公示 1 家，目标 2000 家")
	v.Get("/units?q=" + url.QueryEscape("%"))
	v.Expect(http.StatusOK, "共 0 家")
	v.Get("/units?district=" + a.DistrictID("320404"))
	v.Expect(http.StatusOK, "共 0 家")
	v.Get("/units?type=market_stall&district=" + a.DistrictID("320402"))
	v.Expect(http.StatusOK, "共 1 家")
}

// The scan page of a unit with ten instruments, HTML and stylesheet, must
// fit in the first round trip on a weak connection: 14 KB compressed.
func TestScanPageWeightBudget(t *testing.T) {
	a := apptest.New(t)
	m, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Submit(unit+"/instruments/new", unit+"/instruments", form("type_id", a.TypeID("price_scale"), "serial_no", "ZL-2026-0001", "quantity", "8", "location", "8号摊位东侧", "model", "ACS-15Y", "maker", "上海友声衡器有限公司"))
	var ins []model.Instrument
	a.DB.Where("unit_id = ?", unitID).Order("id").Find(&ins)
	if len(ins) != 10 {
		t.Fatalf("%d instruments", len(ins))
	}
	for i, in := range ins {
		until := a.Now().AddDate(0, 10, 0)
		if err := a.Store.AddVerification(context.Background(), &model.VerificationRecord{InstrumentID: &in.ID,
			CertificateNo: "JD2026-" + strconv.Itoa(100000+i), BodyName: "常州市计量测试技术研究所", VerifiedOn: a.Now().AddDate(0, -2, 0),
			ValidUntil: &until, Result: model.ResultPass, Source: model.SourceConfirmed}); err != nil {
			t.Fatal(err)
		}
	}
	unitPath, _ := scanPaths(t, a, unitID, ins)
	fetch := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", a.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s not compressed", path)
		}
		zr, _ := gzip.NewReader(bytes.NewReader(raw))
		plain, _ := io.ReadAll(zr)
		return len(raw), string(plain)
	}
	htmlSize, page := fetch(unitPath)
	if strings.Count(page, "检定有效") < 10 {
		t.Fatal("page does not list the ten verified instruments")
	}
	css := regexp.MustCompile(`href="(/static/[^"]+\.css)"`).FindAllStringSubmatch(page, -1)
	total := htmlSize
	for _, m := range css {
		n, _ := fetch(m[1])
		total += n
	}
	if external := regexp.MustCompile(`(src|href)="(https?:)?//`).FindString(page); external != "" {
		t.Errorf("scan page makes an external request: %s", external)
	}
	if strings.Contains(page, "<script") {
		t.Error("scan page needs JavaScript")
	}
	t.Logf("scan page with 10 instruments: HTML %d B + CSS = %d B compressed", htmlSize, total)
	if total > 14*1024 {
		t.Fatalf("scan page weighs %d bytes compressed, budget 14 KB", total)
	}
	if htmlSize > 8*1024 {
		t.Fatalf("scan page HTML weighs %d bytes compressed, budget 8 KB", htmlSize)
	}
}

// A database that fails mid-submission must never produce a receipt.
func TestReportNotSavedSaysSo(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	sqlDB, _ := a.DB.DB()
	sqlDB.Close()
	v.PostMultipart("/report", reportFields("tip", "idempotency_key", key, "district_id", "1", "business_name", "某摊位", "business_address", "某市场"))
	if v.Last.Status < 500 || !strings.Contains(v.Last.Body, "没有保存") || strings.Contains(v.Last.Body, "已收到您的举报") {
		t.Fatalf("database down: %d\n%s", v.Last.Status, v.Last.Body)
	}
}

// A report form that comes back for a mistake elsewhere keeps its photos:
// they are held against the form's key, listed as kept, and filed with the
// report on the next try without being sent again; one can be left out.
func TestReportFormKeepsPhotosAcrossErrors(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	f := reportFields("complaint", "idempotency_key", key, "district_id", a.DistrictID("320412"),
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_address", "武进区花园街1号", "request", "退还差价")
	photo := gpsJPEG(t)
	// The phone number is missing: the form comes back, its two photos kept.
	v.PostMultipart("/report", f, apptest.File{Field: "photos", Name: "a.jpg", Data: photo}, apptest.File{Field: "photos", Name: "b.jpg", Data: photo})
	v.Expect(http.StatusUnprocessableEntity, "已为您保留 2 张照片", "照片 1（64×48", `class="error-summary"`, `href="#reporter_phone"`)
	if strings.Contains(v.Last.Body, "没有提交") {
		t.Error("the form asks for photos it kept")
	}
	ids := regexp.MustCompile(`name="drop_held" value="(\d+)"`).FindAllStringSubmatch(v.Last.Body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d held photos offered, want 2", len(ids))
	}
	// Fixed, with the second photo left out and no photo sent again.
	f.Set("reporter_phone", "13700001234")
	f.Set("drop_held", ids[1][1])
	v.PostMultipart("/report", f)
	v.Expect(http.StatusCreated, "已收到您的投诉", "投诉回执")
	var r model.Report
	a.DB.Take(&r)
	var stored, held int64
	a.DB.Model(&model.ReportPhoto{}).Where("report_id = ?", r.ID).Count(&stored)
	a.DB.Model(&model.HeldPhoto{}).Count(&held)
	if stored != 1 || held != 0 {
		t.Fatalf("%d photos filed (want 1), %d still held (want 0)", stored, held)
	}
	// Held photos expire and are purged.
	a.DB.Create(&model.HeldPhoto{FormKey: "k", Seq: 1, ContentType: "image/jpeg", SHA256: strings.Repeat("0", 64), Data: []byte{1},
		CreatedAt: a.Now(), ExpiresAt: a.Now().Add(model.HeldPhotoTTL)})
	p, err := a.Store.Purge(t.Context(), a.Now().Add(model.HeldPhotoTTL+time.Minute))
	if err != nil || p.HeldPhotos != 1 {
		t.Fatalf("purge: %+v %v", p, err)
	}
}
