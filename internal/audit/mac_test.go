package audit_test

import (
	"context"
	"strings"
	"testing"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

func TestEveryEntryCarriesItsMAC(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	record(t, st, 1, 5)
	for _, e := range entries(t, st) {
		if len(e.MAC) != 64 || e.MAC != testLog.MAC(e.Hash) {
			t.Errorf("entry %d: mac %q", e.ID, e.MAC)
		}
	}
	if r := verify(t, st); !r.OK || r.HashOnly != 0 {
		t.Fatalf("%+v", r)
	}
	if _, err := audit.New(make([]byte, audit.MinKeyLength-1)); err == nil {
		t.Error("a 31-byte key was accepted")
	}
	// The development key follows from the secret and nothing else.
	a, b := audit.KeyFromSecret([]byte("s1")), audit.KeyFromSecret([]byte("s2"))
	if len(a) != 32 || string(a) == string(b) || string(a) != string(audit.KeyFromSecret([]byte("s1"))) {
		t.Error("KeyFromSecret is not a 32-byte function of the secret")
	}
}

// What the MAC cannot see, an anchor kept outside the database can: the
// newest entries cut off together with the head, and a rewrite by someone
// holding the key.
func TestAnchorsCatchWhatTheMACCannot(t *testing.T) {
	const n, mid = 20, 8
	tests := []struct {
		name   string
		tamper func(t *testing.T, st *storage.Store, es []model.AuditEntry)
		reason string // about the newest entry, the anchored one
	}{
		{"tail cut off and the head set back", func(t *testing.T, st *storage.Store, es []model.AuditEntry) {
			if err := st.DB().Exec("DELETE FROM audit_log WHERE id > ?", es[mid-1].ID).Error; err != nil {
				t.Fatal(err)
			}
			exec(t, st.DB(), "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", es[mid-1].ID, es[mid-1].Hash)
		}, "anchored entry is missing: the newest entries were deleted"},
		{"rewritten by someone holding the key", func(t *testing.T, st *storage.Store, es []model.AuditEntry) {
			es[mid-1].Action = audit.ActionCaseReward
			rechain(t, st.DB(), es, mid-1, testLog)
		}, "not the anchored one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storage.New(dbtest.Open(t))
			record(t, st, 1, n)
			anchor := verify(t, st).Head()
			if es := entries(t, st); anchor.ID != es[n-1].ID {
				t.Fatalf("head anchor %v", anchor)
			}
			tt.tamper(t, st, entries(t, st))
			if r := verify(t, st); !r.OK {
				t.Fatalf("without an anchor this goes unnoticed, yet: %+v", r)
			}
			r := verify(t, st, anchor)
			if r.OK || r.BadID != anchor.ID || !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("with anchor %v: %+v, want entry %d (…%s…)", anchor, r, anchor.ID, tt.reason)
			}
		})
	}

	st := storage.New(dbtest.Open(t))
	record(t, st, 1, 3)
	second := entries(t, st)[1].ID
	if r := verify(t, st, audit.Anchor{ID: second, Hash: strings.Repeat("a", 64)}); r.OK || r.BadID != second {
		t.Errorf("a wrong anchor matched: %+v", r)
	}
	// Entries appended after an anchor are checked as usual.
	a := verify(t, st).Head()
	record(t, st, 4, 6)
	if r := verify(t, st, a); !r.OK || r.Entries != 6 {
		t.Errorf("older anchor on a longer log: %+v", r)
	}
	for _, bad := range []string{"", "3", "0:" + a.Hash, "3:" + strings.ToUpper(a.Hash), "3:" + a.Hash[:63], " 3:" + a.Hash} {
		if _, err := audit.ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
	if got, err := audit.ParseAnchor(a.String()); err != nil || got != a {
		t.Errorf("ParseAnchor(%q) = %v, %v", a.String(), got, err)
	}
}

// A log kept before the MAC existed is upgraded by the migration: its
// entries keep an empty MAC, are checked by hash only, and are accepted once
// an anchor taken at (or after) the last of them vouches for them; entries
// written after the upgrade carry MACs.
func TestUpgradedLogVerifiesOldEntriesByHash(t *testing.T) {
	ctx := context.Background()
	driver, dsn := dbtest.Options(t)
	db := dbtest.OpenEmpty(t, driver, dsn)
	all := database.Migrations
	macAt := -1
	for i, m := range all {
		if m.Name == "keyed MAC on audit entries" {
			macAt = i
		}
	}
	if macAt < 0 {
		t.Fatal("no MAC migration")
	}
	database.Migrations = all[:macAt]
	_, err := database.Migrate(ctx, db)
	database.Migrations = all
	if err != nil {
		t.Fatal(err)
	}
	// The program as it was: plain chain, no mac column.
	prev := audit.Genesis
	var last model.AuditEntry
	for i := 1; i <= 4; i++ {
		e, err := event(i).Entry()
		if err != nil {
			t.Fatal(err)
		}
		e.PrevHash = prev
		e.Hash = audit.Hash(prev, e)
		if err := db.Omit("MAC").Create(e).Error; err != nil {
			t.Fatal(err)
		}
		exec(t, db, "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", e.ID, e.Hash)
		prev, last = e.Hash, *e
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	st := storage.New(db)
	before := audit.Anchor{ID: last.ID, Hash: last.Hash} // what the operator noted before upgrading
	r := verify(t, st)
	if r.OK || r.BadID != last.ID || r.HashOnlyUpTo != before || !strings.Contains(r.Reason, "the first 4 entries (up to this one) carry no MAC") {
		t.Fatalf("old entries accepted without an anchor: %+v", r)
	}
	record(t, st, 5, 7)
	if r := verify(t, st, before); !r.OK || r.Entries != 7 || r.HashOnly != 4 {
		t.Fatalf("upgraded log: %+v", r)
	}
	es := entries(t, st)
	if es[3].MAC != "" || es[4].MAC == "" {
		t.Fatalf("macs: %q %q", es[3].MAC, es[4].MAC)
	}
	// An old entry rewritten, with the old part of the chain recomputed: the
	// first MAC'd entry no longer links to it.
	es[1].Action = audit.ActionCaseReward
	rechain(t, db, es[:4], 1, nil)
	exec(t, db, "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", es[6].ID, es[6].Hash)
	if r := verify(t, st, before); r.OK || r.BadID != es[3].ID || !strings.Contains(r.Reason, "not the anchored one") {
		t.Fatalf("old entry rewritten: %+v", r)
	}
}
