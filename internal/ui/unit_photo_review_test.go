package ui_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
)

// redactRows is the redaction form with rows of x, y, w, h and a reason.
func redactRows(reason string, rows ...[4]string) url.Values {
	f := url.Values{"redact_reason": {reason}}
	for _, r := range rows {
		f.Add("rect_x", r[0])
		f.Add("rect_y", r[1])
		f.Add("rect_w", r[2])
		f.Add("rect_h", r[3])
	}
	return f
}

// An officer with jurisdiction covers a passer-by on the shop photo: the
// scan page (cached before) and the merchant's page show the covered photo
// at once, under a new URL; the officer cannot open the original (404), the
// supervisor can, never cached; refusals keep what was typed; no public page
// speaks of originals.
func TestShopPhotoRedaction(t *testing.T) {
	a := apptest.New(t)
	m, id, _ := a.ApprovedUnit("红梅农贸市场 3号摊位")
	ctx := context.Background()

	src := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range src.Pix {
		src.Pix[i] = uint8(80 + (i*7)%150)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	p, err := photos.Process(buf.Bytes(), photos.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SetUnitPhoto(ctx, &model.UnitPhoto{UnitID: id, ContentType: p.ContentType, Width: p.Width, Height: p.Height, Data: p.Data}); err != nil {
		t.Fatal(err)
	}
	scan := a.ScanPath(model.QRUnit, id)
	citizen := a.Browser()
	citizen.Get(scan)
	citizen.Expect(http.StatusOK, "/photo?v=")
	oldPage := citizen.Last.Body
	photoURL := func(body string) string {
		i := strings.Index(body, `src="/q/`)
		if i < 0 {
			t.Fatal("no photo on the scan page")
		}
		rest := body[i+len(`src="`):]
		return strings.ReplaceAll(rest[:strings.IndexByte(rest, '"')], "&amp;", "&")
	}
	oldURL := photoURL(oldPage)
	citizen.Get(oldURL)
	if !bytes.Equal([]byte(citizen.Last.Body), p.Data) {
		t.Fatal("the scan page's photo is not the one sent")
	}

	unit := "/staff/units/" + strconv.FormatInt(id, 10)
	a.CreateUser("tn-officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	officer := a.Browser()
	officer.Login("tn-officer@example.org", "officer-pass")
	officer.Get(unit)
	officer.Expect(http.StatusOK, "遮挡门头照片的部分区域", `name="rect_x"`, `name="redact_reason"`, "js/redact.", "照片为 640 × 480 像素")
	if strings.Contains(officer.Last.Body, "/photo/original") {
		t.Fatal("the officer is offered the original")
	}

	// Refusals: the page comes back with what was typed.
	officer.Post(unit+"/photo/redact", redactRows("路人面部", [4]string{"10", "abc", "50", "60"}))
	officer.Expect(http.StatusUnprocessableEntity, "第 1 个矩形：请用整数像素", `value="abc"`, "路人面部")
	// A number too long for any photo is not cut short into another one.
	officer.Post(unit+"/photo/redact", redactRows("路人面部", [4]string{"10", "10", "50", "60"}, [4]string{"1", "2", "3", "1000050"}))
	officer.Expect(http.StatusUnprocessableEntity, "第 2 个矩形：请用整数像素", `value="100005"`)
	officer.Post(unit+"/photo/redact", redactRows(" ", [4]string{"100", "120", "80", "90"}))
	officer.Expect(http.StatusUnprocessableEntity, "请填写原因", `value="100"`, `value="120"`)
	officer.Post(unit+"/photo/redact", redactRows("路人面部", [4]string{"", "", "", ""}, [4]string{"700", "10", "5", "5"}))
	officer.Expect(http.StatusUnprocessableEntity, "第 1 个矩形的起点在照片之外", `value="700"`)
	if got, _ := a.Store.UnitPhoto(ctx, id); !bytes.Equal(got.Data, p.Data) {
		t.Fatal("a refused redaction changed the photo")
	}

	// The redaction.
	officer.Post(unit+"/photo/redact", redactRows("路人面部", [4]string{"100", "120", "80", "90"}, [4]string{"400", "300", "60", "40"}))
	officer.Expect(http.StatusOK, "照片已遮挡处理", "该照片已做遮挡处理")
	if strings.Contains(officer.Last.Body, "/photo/original") {
		t.Fatal("the officer is offered the original after the redaction")
	}
	officer.Get(unit + "/photo/original")
	officer.Expect(http.StatusNotFound)
	redacted, err := a.Store.UnitPhoto(ctx, id)
	if err != nil || bytes.Equal(redacted.Data, p.Data) || redacted.OriginalID == nil {
		t.Fatalf("the public photo was not replaced: %v", err)
	}
	officer.Get(unit + "/photo")
	if officer.Last.Status != http.StatusOK || officer.Last.Body != string(redacted.Data) {
		t.Fatal("the staff page's photo is not the redaction")
	}

	// Another district's supervisor sees neither the unit nor the original.
	a.CreateUser("wj-sup@example.org", "supervisor-pass", model.RoleSupervisor, "cz-wujin")
	wujin := a.Browser()
	wujin.Login("wj-sup@example.org", "supervisor-pass")
	wujin.Get(unit + "/photo/original")
	wujin.Expect(http.StatusNotFound)

	a.CreateUser("tn-sup@example.org", "supervisor-pass", model.RoleSupervisor, "cz-tianning")
	sup := a.Browser()
	sup.Login("tn-sup@example.org", "supervisor-pass")
	sup.Get(unit)
	sup.Expect(http.StatusOK, `href="`+unit+`/photo/original"`, "查看原始照片")
	sup.Get(unit + "/photo/original")
	sup.Expect(http.StatusOK)
	if sup.Last.Body != string(p.Data) || sup.Last.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the original: %d bytes, Cache-Control %q", len(sup.Last.Body), sup.Last.Header.Get("Cache-Control"))
	}
	var views int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ? AND object_id = ?", "unit_photo_original_view", strconv.FormatInt(id, 10)).Count(&views)
	if views != 1 {
		t.Fatalf("%d views of the original audited", views)
	}

	// The public sees the redaction at once, under a new URL, and nothing
	// about an original.
	citizen.Get(scan)
	citizen.Expect(http.StatusOK)
	newURL := photoURL(citizen.Last.Body)
	if newURL == oldURL {
		t.Fatal("the scan page still links the photo at its old URL: browsers would keep the old photo")
	}
	for _, word := range []string{"original", "原始", "遮挡"} {
		if strings.Contains(citizen.Last.Body, word) {
			t.Errorf("the scan page says %q", word)
		}
	}
	citizen.Get(newURL)
	if citizen.Last.Body != string(redacted.Data) {
		t.Fatal("the scan page's photo is not the redaction")
	}
	m.Get("/merchant/units/" + strconv.FormatInt(id, 10) + "/photo")
	if m.Last.Body != string(redacted.Data) {
		t.Fatal("the merchant's page shows the photo as sent")
	}
	m.Get("/merchant/units/" + strconv.FormatInt(id, 10))
	if strings.Contains(m.Last.Body, "/photo/original") || strings.Contains(m.Last.Body, "原始照片") {
		t.Error("the merchant's page speaks of the original")
	}
}
