package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// TestAuditSearchFilters: each filter keeps exactly its entries, they
// combine, the newest comes first, the date range is [From, Until), and a
// page past the bound is answered, not walked.
func TestAuditSearchFilters(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	log, err := audit.New([]byte(strings.Repeat("k", audit.MinKeyLength)))
	if err != nil {
		t.Fatal(err)
	}
	admin, officer := int64(1), int64(2)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	events := []audit.Event{
		{ActorID: &admin, Actor: "admin@example.org", Action: audit.ActionAccountCreate, ObjectType: audit.ObjectUser, ObjectID: "2", At: day.Add(1 * time.Hour), After: map[string]string{"role": "officer"}},
		{ActorID: &officer, Actor: "officer@example.org", Action: audit.ActionLogin, ObjectType: audit.ObjectUser, ObjectID: "2", At: day.Add(25 * time.Hour)},
		{ActorID: &officer, Actor: "officer@example.org", Action: audit.ActionCaseStatus, ObjectType: audit.ObjectCase, ObjectID: "7", At: day.Add(26 * time.Hour)},
		{Actor: "citizen", Action: audit.ActionCaseStatus, ObjectType: audit.ObjectCase, ObjectID: "7", At: day.Add(49 * time.Hour)},
		{ActorID: &admin, Actor: "admin@example.org", Action: audit.ActionCaseStatus, ObjectType: audit.ObjectCase, ObjectID: "70", At: day.Add(50 * time.Hour)},
	}
	pos := map[int64]int{} // entry id → index in events (ids need not be consecutive)
	for i, e := range events {
		if err := log.Record(ctx, st, e); err != nil {
			t.Fatal(err)
		}
		id, _, err := st.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pos[id] = i
	}
	// found lists the matching entries' positions in events, as returned.
	found := func(f storage.AuditFilter) ([]int, int64) {
		t.Helper()
		if f.PerPage == 0 {
			f.PerPage = 50
		}
		es, total, err := st.AuditSearch(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, e := range es {
			out = append(out, pos[e.ID])
		}
		return out, total
	}
	tests := []struct {
		name string
		f    storage.AuditFilter
		want []int
	}{
		{"everything, newest first", storage.AuditFilter{}, []int{4, 3, 2, 1, 0}},
		{"object type", storage.AuditFilter{ObjectType: audit.ObjectUser}, []int{1, 0}},
		{"object, exactly (7 is not 70)", storage.AuditFilter{ObjectType: audit.ObjectCase, ObjectID: "7"}, []int{3, 2}},
		{"object id alone", storage.AuditFilter{ObjectID: "2"}, []int{1, 0}},
		{"action", storage.AuditFilter{Action: audit.ActionCaseStatus}, []int{4, 3, 2}},
		{"actor's user id", storage.AuditFilter{ActorID: officer}, []int{2, 1}},
		{"actor as recorded", storage.AuditFilter{Actor: "citizen"}, []int{3}},
		{"from a day", storage.AuditFilter{From: day.Add(24 * time.Hour)}, []int{4, 3, 2, 1}},
		{"until a day, excluded", storage.AuditFilter{Until: day.Add(25 * time.Hour)}, []int{0}},
		{"one day", storage.AuditFilter{From: day.Add(24 * time.Hour), Until: day.Add(48 * time.Hour)}, []int{2, 1}},
		{"combined", storage.AuditFilter{Action: audit.ActionCaseStatus, ActorID: admin, From: day}, []int{4}},
		{"nothing matches", storage.AuditFilter{Action: audit.ActionLogout}, nil},
	}
	for _, tt := range tests {
		got, total := found(tt.f)
		if !equalInts(got, tt.want) || total != int64(len(tt.want)) {
			t.Errorf("%s: entries %v (total %d), want %v", tt.name, got, total, tt.want)
		}
	}
	// Paging: two a page, the second page holds the third and fourth newest.
	if got, total := found(storage.AuditFilter{PerPage: 2, Page: 2}); !equalInts(got, []int{2, 1}) || total != 5 {
		t.Errorf("page 2 of 2 a page: %v (total %d)", got, total)
	}
	// A page beyond the bound is clamped to the deepest page allowed, which is empty here.
	if got, total := found(storage.AuditFilter{PerPage: 50, Page: 1 << 30}); len(got) != 0 || total != 5 {
		t.Errorf("page 2^30: %v (total %d)", got, total)
	}
	var first int64
	for id, i := range pos {
		if i == 0 {
			first = id
		}
	}
	e, err := st.AuditEntryByID(ctx, first)
	if err != nil || e.Action != audit.ActionAccountCreate || e.AfterJSON == nil || *e.AfterJSON != `{"role":"officer"}` {
		t.Fatalf("first entry: %+v, %v", e, err)
	}
	if _, err := st.AuditEntryByID(ctx, 99999); err != storage.ErrNotFound {
		t.Fatalf("entry 99999: %v, want ErrNotFound", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestUserSearchTakesWildcardsLiterally: a part of the phone, login, name
// or e-mail finds the account; % and _ typed by the user match only
// themselves.
func TestUserSearchTakesWildcardsLiterally(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	for _, u := range []*model.User{
		{Login: "13912345678", Phone: "13912345678", DisplayName: "张三", Role: model.RoleMerchant, PasswordHash: "x"},
		{Login: "li_si@example.org", Email: "li_si@example.org", DisplayName: "100% 李四", Role: model.RoleMerchant, PasswordHash: "x"},
		{Login: "lixsi@example.org", Email: "lixsi@example.org", DisplayName: "1000 王五", Role: model.RoleMerchant, PasswordHash: "x"},
	} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]string{
		"2345":  "13912345678",
		"张":     "13912345678",
		"li_si": "li_si@example.org",
		"100%":  "li_si@example.org",
		"!":     "",
	} {
		us, total, err := st.Users(ctx, storage.UserFilter{Query: q, Page: 1, PerPage: 50})
		if err != nil {
			t.Fatal(err)
		}
		var logins []string
		for _, u := range us {
			logins = append(logins, u.Login)
		}
		if want == "" && total == 0 {
			continue
		}
		if total != 1 || len(us) != 1 || us[0].Login != want {
			t.Errorf("search %q found %v (total %d), want %s", q, logins, total, want)
		}
	}
}
