package ui_test

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
)

// The dated regulation: shown on the list, edited with the type, both parts
// or neither, each problem beside its field with what was typed kept.
func TestAdminInstrumentTypeDatedRegulation(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	ctx := context.Background()

	admin.Header.Set("Accept-Language", "en")
	r := admin.Get("/admin/instrument-types")
	admin.Expect(http.StatusOK)
	if want := "JJG 539-2016 → JJG 1204-2025 from 2027-01-08"; !containsText(r.Body, want) {
		t.Fatalf("the list does not say %q", want)
	}
	admin.Header.Set("Accept-Language", "zh-CN")
	r = admin.Get("/admin/instrument-types")
	if want := "JJG 539-2016 → JJG 1204-2025 自 2027-01-08 起"; !containsText(r.Body, want) {
		t.Fatalf("the list does not say %q", want)
	}

	id := a.TypeID("platform_scale")
	edit, action := "/admin/instrument-types/"+id+"/edit", "/admin/instrument-types/"+id
	admin.Get(edit)
	admin.Expect(http.StatusOK, `name="regulation_next"`, `name="regulation_next_from"`)
	fields := apptest.Form("name_zh", "电子台秤", "name_en", "Electronic platform scale", "cycle_months", "12", "mandatory", "1",
		"active", "1", "regulation", "JJG 539-2016")

	for _, tt := range []struct{ next, from, field, msg string }{
		{"JJG 1204-2025", "", "regulation_next_from", "请同时填写实施日期"},
		{"", "2027-01-08", "regulation_next", "请同时填写新规程"},
		{"JJG 1204-2025", "2027-13-40", "regulation_next_from", "日期"},
		{"JJG 1204-2025", "08/01/2027", "regulation_next_from", "日期"},
	} {
		fields.Set("regulation_next", tt.next)
		fields.Set("regulation_next_from", tt.from)
		r := admin.Submit(edit, action, fields)
		admin.Expect(http.StatusUnprocessableEntity, tt.msg, `value="`+tt.next+`"`, `value="`+tt.from+`"`)
		if !fieldHasError(r.Body, tt.field) {
			t.Errorf("next %q from %q: no error beside %s", tt.next, tt.from, tt.field)
		}
	}
	it, _ := a.Store.InstrumentTypeByID(ctx, adminInt64(t, id))
	if it.RegulationNext != "" || it.RegulationNextFrom != nil {
		t.Fatalf("a refused form was stored: %+v", it)
	}

	fields.Set("regulation_next", " JJG 1204-2025 ")
	fields.Set("regulation_next_from", "2027-01-08")
	admin.Submit(edit, action, fields)
	admin.Expect(http.StatusOK, "器具类型已保存。")
	it, _ = a.Store.InstrumentTypeByID(ctx, adminInt64(t, id))
	if it.RegulationNext != "JJG 1204-2025" || it.RegulationNextFrom == nil || !it.RegulationNextFrom.Equal(time.Date(2027, 1, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored %q from %v", it.RegulationNext, it.RegulationNextFrom)
	}
	if got := it.RegulationOn(time.Date(2027, 1, 8, 1, 0, 0, 0, time.UTC)); got != "JJG 1204-2025" {
		t.Fatalf("regulation on 2027-01-08: %s", got)
	}
	admin.Get(edit)
	admin.Expect(http.StatusOK, `value="JJG 1204-2025"`, `value="2027-01-08"`)

	// Both cleared: the type has no announced regulation any more.
	fields.Set("regulation_next", "")
	fields.Set("regulation_next_from", "")
	admin.Submit(edit, action, fields)
	admin.Expect(http.StatusOK, "器具类型已保存。")
	it, _ = a.Store.InstrumentTypeByID(ctx, adminInt64(t, id))
	if it.RegulationNext != "" || it.RegulationNextFrom != nil {
		t.Fatalf("not cleared: %q %v", it.RegulationNext, it.RegulationNextFrom)
	}

	// A new type can be created with one.
	create := apptest.Form("code", "price_scale_b", "name_zh", "计价秤B", "name_en", "Price scale B", "cycle_months", "12",
		"regulation", "JJG 539-2016", "regulation_next", "JJG 1204-2025", "regulation_next_from", "2027-01-08")
	admin.Submit("/admin/instrument-types/new", "/admin/instrument-types", create)
	admin.Expect(http.StatusOK, "器具类型已保存。")
	nt, _ := a.Store.InstrumentTypeByID(ctx, adminInt64(t, a.TypeID("price_scale_b")))
	if nt.RegulationNext != "JJG 1204-2025" || nt.RegulationNextFrom == nil {
		t.Fatalf("new type %+v", nt)
	}
}

// containsText reports whether the page's text (entities decoded) holds s.
func containsText(body, s string) bool { return strings.Contains(html.UnescapeString(body), s) }

// fieldHasError reports whether the field named name is marked as wrong.
func fieldHasError(body, name string) bool {
	i := strings.Index(body, `name="`+name+`"`)
	if i < 0 {
		return false
	}
	j := strings.LastIndex(body[:i], `<div class="field`)
	return j >= 0 && strings.HasPrefix(body[j:], `<div class="field has-error"`) &&
		strings.Contains(body[i:min(len(body), i+600)], `class="field-error"`)
}
