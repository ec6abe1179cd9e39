package audit_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

func id64(v int64) *int64 { return &v }

// testLog is the log under the test deployment's audit key.
var testLog = mustLog("audit-key-for-tests-0123456789abcdef")

func mustLog(key string) *audit.Log {
	l, err := audit.New([]byte(key))
	if err != nil {
		panic(err)
	}
	return l
}

// base has sub-millisecond digits on purpose: Record must cut them so the
// hash recomputes after a round trip through either database.
var base = time.Date(2026, 4, 15, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

// event returns the i-th of a varied set of entries: Chinese text, citizens
// without an account, entries with and without an agency, before or after.
func event(i int) audit.Event {
	e := audit.Event{
		ActorID:    id64(int64(100 + i%4)),
		Actor:      fmt.Sprintf("执法人员%d@example.org", i%4),
		Action:     audit.ActionCaseStatus,
		ObjectType: audit.ObjectCase,
		ObjectID:   fmt.Sprintf("JB2026%05d", i%7),
		Before:     map[string]any{"status": "待受理", "备注": fmt.Sprintf("电子秤少称 %d 克", i)},
		After:      struct{ Status, Note string }{"已立案", "现场检查：计价秤作弊"},
		IP:         "2001:db8::1",
		At:         base.Add(time.Duration(i) * time.Minute),
	}
	switch i % 3 {
	case 0:
		e.ActorID, e.Actor, e.Action = nil, "citizen", audit.ActionContactView
		e.Before = nil
	case 1:
		e.AgencyID = id64(int64(1 + i%6))
	case 2:
		e.After, e.IP = nil, "10.0.0.7"
	}
	return e
}

func record(t *testing.T, st *storage.Store, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if err := testLog.Record(context.Background(), st, event(i)); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}

func verify(t *testing.T, st *storage.Store, anchors ...audit.Anchor) audit.Report {
	t.Helper()
	r, err := testLog.Verify(context.Background(), st, anchors...)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

func entries(t *testing.T, st *storage.Store) []model.AuditEntry {
	t.Helper()
	out, err := st.AuditEntries(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// exec runs a tampering statement and insists it changed exactly one row,
// so a tampering that changed nothing cannot make a test pass.
func exec(t *testing.T, db *gorm.DB, sql string, args ...any) {
	t.Helper()
	res := db.Exec(sql, args...)
	if res.Error != nil {
		t.Fatalf("%s: %v", sql, res.Error)
	}
	if res.RowsAffected != 1 {
		t.Fatalf("%s: %d rows changed, want 1", sql, res.RowsAffected)
	}
}

// rechain does what an attacker with write access to the database does
// after changing entries es[from:]: recompute their hashes (and, holding
// some key, their MACs), store them and move audit_head to the new end.
func rechain(t *testing.T, db *gorm.DB, es []model.AuditEntry, from int, key *audit.Log) {
	t.Helper()
	prev := audit.Genesis
	if from > 0 {
		prev = es[from-1].Hash
	}
	for i := from; i < len(es); i++ {
		e := &es[i]
		e.PrevHash = prev
		e.Hash = audit.Hash(e.PrevHash, e)
		if key != nil {
			e.MAC = key.MAC(e.Hash)
		}
		exec(t, db, "UPDATE audit_log SET action = ?, prev_hash = ?, hash = ?, mac = ? WHERE id = ?", e.Action, e.PrevHash, e.Hash, e.MAC, e.ID)
		prev = e.Hash
	}
	exec(t, db, "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", es[len(es)-1].ID, prev)
}

func TestRoundTripKeepsEveryHash(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	record(t, st, 1, 50)
	r := verify(t, st)
	if !r.OK || r.Entries != 50 {
		t.Fatalf("fresh log: %+v", r)
	}
	got := entries(t, st)
	for i, e := range got {
		want, _ := event(i + 1).Entry()
		if !e.At.Equal(want.At) || e.At.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("entry %d: at = %v, want %v (whole milliseconds)", e.ID, e.At, want.At)
		}
		if (e.BeforeJSON == nil) != (want.BeforeJSON == nil) || (e.BeforeJSON != nil && *e.BeforeJSON != *want.BeforeJSON) {
			t.Errorf("entry %d: before_json = %v, want %v", e.ID, e.BeforeJSON, want.BeforeJSON)
		}
		if e.Actor != want.Actor || e.IP != want.IP || (e.ActorUserID == nil) != (want.ActorUserID == nil) {
			t.Errorf("entry %d: stored %+v, want %+v", e.ID, e, want)
		}
	}
	first, last := got[0], got[len(got)-1]
	if first.PrevHash != audit.Genesis {
		t.Errorf("first prev_hash = %s", first.PrevHash)
	}
	if r.HeadID != last.ID || r.HeadHash != last.Hash {
		t.Errorf("report head %d %s, last entry %d %s", r.HeadID, r.HeadHash, last.ID, last.Hash)
	}
	if id, h, _ := st.AuditHead(context.Background()); id != last.ID || h != last.Hash {
		t.Errorf("audit_head = %d %s, last entry %d %s", id, h, last.ID, last.Hash)
	}
	if !strings.Contains(*first.BeforeJSON, `"备注":"电子秤少称 1 克"`) {
		t.Errorf("before_json = %s", *first.BeforeJSON)
	}
}

func TestEmptyLogIsOK(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	r := verify(t, st)
	if !r.OK || r.Entries != 0 || r.HeadHash != audit.Genesis {
		t.Fatalf("empty log: %+v", r)
	}
}

func TestVerifyFindsTheFirstAlteredEntry(t *testing.T) {
	const n, mid = 50, 25
	// Each tampering gets a fresh log of n entries; ids[i] is entry i+1's id.
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *gorm.DB, ids []int64, es []model.AuditEntry)
		bad    int    // 1-based position of the entry Verify must name (n+1: the one the tampering added)
		reason string // {p} stands for the id of the entry at position p
	}{
		{"action changed", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET action = ? WHERE id = ?", audit.ActionCaseReply, ids[mid-1])
		}, mid, "contents do not match"},
		{"before_json changed", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET before_json = ? WHERE id = ?", `{"status":"已撤销","备注":""}`, ids[mid-1])
		}, mid, "contents do not match"},
		{"before_json set to NULL", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET before_json = NULL WHERE id = ?", ids[mid-1])
		}, mid, "contents do not match"},
		{"at moved by a second", func(t *testing.T, db *gorm.DB, ids []int64, es []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET at = ? WHERE id = ?", es[mid-1].At.Add(time.Second), ids[mid-1])
		}, mid, "contents do not match"},
		{"actor_user_id changed", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET actor_user_id = ? WHERE id = ?", 999, ids[mid-1])
		}, mid, "contents do not match"},
		{"actor_user_id cleared", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET actor_user_id = NULL WHERE id = ?", ids[mid-1])
		}, mid, "contents do not match"},
		{"agency_id changed", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET agency_id = 6 WHERE id = ?", ids[mid-1])
		}, mid, "contents do not match"},
		{"prev_hash changed", func(t *testing.T, db *gorm.DB, ids []int64, es []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET prev_hash = ? WHERE id = ?", es[mid-3].Hash, ids[mid-1])
		}, mid, "contents do not match"},
		{"middle entry deleted", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "DELETE FROM audit_log WHERE id = ?", ids[mid-1])
		}, mid + 1, fmt.Sprintf("does not link to entry {%d}", mid-1)},
		{"first entry deleted", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "DELETE FROM audit_log WHERE id = ?", ids[0])
		}, 2, "first entry but does not start the chain"},
		{"last entry deleted", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "DELETE FROM audit_log WHERE id = ?", ids[n-1])
		}, n, "newest entries were deleted"},
		{"head hash changed", func(t *testing.T, db *gorm.DB, _ []int64, es []model.AuditEntry) {
			exec(t, db, "UPDATE audit_head SET last_hash = ? WHERE id = 1", es[n-2].Hash)
		}, n, "audit_head records a different hash"},
		{"two entries swapped", func(t *testing.T, db *gorm.DB, ids []int64, es []model.AuditEntry) {
			a, b := es[9], es[19]
			swap := "UPDATE audit_log SET at = ?, actor_user_id = ?, actor = ?, action = ?, object_type = ?, object_id = ?, agency_id = ?, before_json = ?, after_json = ?, ip = ?, prev_hash = ?, hash = ?, mac = ? WHERE id = ?"
			for _, p := range [][2]model.AuditEntry{{a, b}, {b, a}} {
				from, to := p[0], p[1]
				exec(t, db, swap, from.At, from.ActorUserID, from.Actor, from.Action, from.ObjectType, from.ObjectID,
					from.AgencyID, from.BeforeJSON, from.AfterJSON, from.IP, from.PrevHash, from.Hash, from.MAC, to.ID)
			}
		}, 10, "does not link to entry {9}"},
		{"entry rewritten with its own hash recomputed", func(t *testing.T, db *gorm.DB, ids []int64, es []model.AuditEntry) {
			e := es[mid-1]
			e.Action = audit.ActionCaseReward
			exec(t, db, "UPDATE audit_log SET action = ?, hash = ? WHERE id = ?", e.Action, audit.Hash(e.PrevHash, &e), e.ID)
		}, mid, "MAC does not match"},
		// What a plain chain cannot catch: whoever can write to the database
		// rewrites an entry and recomputes every later hash and the head.
		{"entry rewritten and the whole chain recomputed", func(t *testing.T, db *gorm.DB, _ []int64, es []model.AuditEntry) {
			es[mid-1].Action = audit.ActionCaseReward
			rechain(t, db, es, mid-1, nil)
		}, mid, "MAC does not match"},
		{"entry rewritten, chain recomputed, MACs cleared", func(t *testing.T, db *gorm.DB, _ []int64, es []model.AuditEntry) {
			es[mid-1].Action = audit.ActionCaseReward
			for i := range es {
				es[i].MAC = ""
			}
			rechain(t, db, es, 0, nil)
		}, n, "carry no MAC and no anchor vouches for them"},
		{"chain recomputed with another key", func(t *testing.T, db *gorm.DB, _ []int64, es []model.AuditEntry) {
			es[mid-1].Action = audit.ActionCaseReward
			rechain(t, db, es, mid-1, mustLog("a-key-the-attacker-made-up-0123456789"))
		}, mid, "MAC does not match"},
		{"MAC removed from one entry", func(t *testing.T, db *gorm.DB, ids []int64, _ []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET mac = '' WHERE id = ?", ids[mid-1])
		}, mid, "carries no MAC although entry {1} before it does"},
		{"MAC copied from another entry", func(t *testing.T, db *gorm.DB, ids []int64, es []model.AuditEntry) {
			exec(t, db, "UPDATE audit_log SET mac = ? WHERE id = ?", es[mid].MAC, ids[mid-1])
		}, mid, "MAC does not match"},
		{"entry appended behind audit_head's back", func(t *testing.T, db *gorm.DB, _ []int64, es []model.AuditEntry) {
			forged, _ := event(n + 1).Entry()
			forged.PrevHash = es[n-1].Hash
			forged.Hash = audit.Hash(forged.PrevHash, forged)
			forged.MAC = es[n-1].MAC
			if err := db.Create(forged).Error; err != nil {
				t.Fatal(err)
			}
		}, n + 1, "MAC does not match"},
		{"entry appended behind audit_head's back by a key holder", func(t *testing.T, db *gorm.DB, _ []int64, es []model.AuditEntry) {
			forged, _ := event(n + 1).Entry()
			forged.PrevHash = es[n-1].Hash
			forged.Hash = audit.Hash(forged.PrevHash, forged)
			forged.MAC = testLog.MAC(forged.Hash)
			if err := db.Create(forged).Error; err != nil {
				t.Fatal(err)
			}
		}, n + 1, "comes after the newest entry recorded in audit_head"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := dbtest.Open(t)
			st := storage.New(db)
			record(t, st, 1, n)
			es := entries(t, st)
			// Ids need not be consecutive (a Galera cluster steps them by
			// its size): positions are mapped to ids.
			ids := make([]int64, len(es))
			for i, e := range es {
				ids[i] = e.ID
			}
			if r := verify(t, st); !r.OK {
				t.Fatalf("before tampering: %+v", r)
			}
			tt.tamper(t, db, ids, es)
			r := verify(t, st)
			if r.OK {
				t.Fatalf("tampering not detected: %+v", r)
			}
			bad := entries(t, st)[len(entries(t, st))-1].ID // the entry the tampering added
			if tt.bad <= n {
				bad = ids[tt.bad-1]
			}
			reason := regexp.MustCompile(`\{(\d+)\}`).ReplaceAllStringFunc(tt.reason, func(m string) string {
				p, _ := strconv.Atoi(m[1 : len(m)-1])
				return strconv.FormatInt(ids[p-1], 10)
			})
			if r.BadID != bad || !strings.Contains(r.Reason, reason) {
				t.Errorf("reported entry %d (%s), want entry %d (…%s…)", r.BadID, r.Reason, bad, reason)
			}
			if err := r.Err(); err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("audit log altered at entry %d: ", bad)) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

// Many requests record at once, each in its own transaction: the head lock
// must make them one chain, not several branches from the same parent.
func TestConcurrentAppendsFormOneChain(t *testing.T) {
	const workers, each = 8, 25
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := st.Tx(ctx, func(tx *storage.Store) error {
					return testLog.Record(ctx, tx, event(w*each+i))
				})
				if err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	r := verify(t, st)
	if !r.OK || r.Entries != workers*each {
		t.Fatalf("after concurrent appends: %+v", r)
	}
	children := map[string]int{}
	for _, e := range entries(t, st) {
		children[e.PrevHash]++
	}
	if len(children) != workers*each {
		t.Errorf("%d distinct prev_hash values in %d entries: the chain forked", len(children), workers*each)
	}
}

// A transaction that read before appending has, on MySQL, a snapshot from
// before another instance's append; the append must still see the newest head.
func TestAppendInsideAnOlderTransactionSeesTheNewestHead(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	if database.DialectOf(db) != database.MySQL {
		t.Skip("SQLite takes the write lock at BEGIN IMMEDIATE: no other append can commit inside a write transaction")
	}
	st := storage.New(db)
	record(t, st, 1, 1)
	err := st.Tx(ctx, func(tx *storage.Store) error {
		if _, _, err := tx.AuditHead(ctx); err != nil { // fixes the snapshot
			return err
		}
		if err := testLog.Record(ctx, st, event(2)); err != nil { // another connection, committed
			return err
		}
		return testLog.Record(ctx, tx, event(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := verify(t, st); !r.OK || r.Entries != 3 {
		t.Fatalf("%+v", r)
	}
}

func TestRolledBackChangeLeavesNoEntry(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	record(t, st, 1, 3)
	boom := errors.New("boom")
	err := st.Tx(ctx, func(tx *storage.Store) error {
		if err := testLog.Record(ctx, tx, event(4)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx: %v", err)
	}
	if r := verify(t, st); !r.OK || r.Entries != 3 {
		t.Fatalf("after rollback: %+v", r)
	}
	// The chain continues from the last committed entry, across any id gap.
	record(t, st, 5, 6)
	if r := verify(t, st); !r.OK || r.Entries != 5 {
		t.Fatalf("after rollback and more appends: %+v", r)
	}
}

func TestVerifyWalksMoreThanOneBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("appends over a thousand entries")
	}
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	// One transaction keeps this fast; the chain is the same.
	err := st.Tx(ctx, func(tx *storage.Store) error {
		for i := 1; i <= 2100; i++ {
			if err := testLog.Record(ctx, tx, event(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := verify(t, st); !r.OK || r.Entries != 2100 {
		t.Fatalf("%+v", r)
	}
	target := entries(t, st)[1499].ID // the 1500th: ids need not be consecutive
	exec(t, st.DB(), "UPDATE audit_log SET object_id = ? WHERE id = ?", "JB202699999", target)
	if r := verify(t, st); r.OK || r.BadID != target {
		t.Fatalf("tampering in the second batch: %+v", r)
	}
}

func TestAuditForObjectIsNewestFirst(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	record(t, st, 1, 30) // object ids cycle through i%7
	got, err := st.AuditForObject(ctx, audit.ObjectCase, "JB202600003", 3)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	// The 24th, 17th and 10th appends, whatever ids the database gave them.
	all := entries(t, st)
	if want := []int64{all[23].ID, all[16].ID, all[9].ID}; fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
}

func TestEntryNormalisesAndRefuses(t *testing.T) {
	at := time.Date(2026, 1, 4, 8, 0, 0, 999999999, time.FixedZone("CST", 8*3600))
	e, err := audit.Event{Action: audit.ActionLogin, Actor: strings.Repeat("张", 250) + "\xff", At: at,
		Before: (*struct{ A int })(nil), After: map[string]string{"b": "<&>", "a": "乙"}}.Entry()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 4, 0, 0, 0, 999000000, time.UTC); !e.At.Equal(want) || e.At.Location() != time.UTC {
		t.Errorf("at = %v, want %v", e.At, want)
	}
	if n := len([]rune(e.Actor)); n != 200 || !strings.HasPrefix(e.Actor, "张") {
		t.Errorf("actor cut to %d characters", n)
	}
	if e.BeforeJSON != nil {
		t.Errorf("typed nil before stored as %q", *e.BeforeJSON)
	}
	if e.AfterJSON == nil || *e.AfterJSON != `{"a":"乙","b":"<&>"}` {
		t.Errorf("after = %v", e.AfterJSON)
	}
	if e, _ := (audit.Event{Action: audit.ActionLogout, Actor: "a\xffb"}).Entry(); e.Actor != "a\uFFFDb" {
		t.Errorf("invalid UTF-8 kept: %q", e.Actor)
	}

	refused := []struct {
		name string
		e    audit.Event
		want string
	}{
		{"unknown action", audit.Event{Action: "case_stauts"}, `unknown action "case_stauts"`},
		{"no action", audit.Event{}, "unknown action"},
		{"object id too long", audit.Event{Action: audit.ActionCaseNote, ObjectID: strings.Repeat("9", 41)}, "object id is 41 characters"},
		{"object type too long", audit.Event{Action: audit.ActionCaseNote, ObjectType: strings.Repeat("x", 31)}, "object type is 31"},
		{"ip too long", audit.Event{Action: audit.ActionLogin, IP: strings.Repeat("1", 46)}, "IP is 46"},
		{"before not encodable", audit.Event{Action: audit.ActionRuleChange, Before: func() {}}, "before:"},
	}
	for _, tt := range refused {
		if _, err := tt.e.Entry(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := testLog.Record(context.Background(), nil, audit.Event{Action: "nope"}); err == nil {
		t.Error("Record accepted an unknown action")
	}
}

func TestHashSeparatesFields(t *testing.T) {
	s := func(v string) *string { return &v }
	at := time.Date(2026, 4, 15, 1, 2, 3, 4000000, time.UTC)
	base := model.AuditEntry{At: at, Actor: "ab", Action: "login", ObjectType: "c", BeforeJSON: s("")}
	// Pinned: a different serialisation would make every stored log fail
	// verification; that needs a new hash version, not an edit.
	const golden = "45e0aa458976c30209dc58449fff15531e30508e001f653ff8e58515c824de4d"
	if got := audit.Hash(audit.Genesis, &base); got != golden {
		t.Errorf("hash of the reference entry = %s, want %s", got, golden)
	}
	// Each variant differs from the reference entry in one way, and every
	// variant must hash differently from the reference and from each other.
	variants := []struct {
		name   string
		change func(e *model.AuditEntry)
		prev   string
	}{
		{"reference", func(e *model.AuditEntry) {}, audit.Genesis},
		{"boundary moved between actor and object type", func(e *model.AuditEntry) { e.Actor, e.ObjectType = "a", "bc" }, audit.Genesis},
		{"empty before became NULL", func(e *model.AuditEntry) { e.BeforeJSON = nil }, audit.Genesis},
		{"NULL after became empty", func(e *model.AuditEntry) { e.AfterJSON = s("") }, audit.Genesis},
		{"before moved to after", func(e *model.AuditEntry) { e.BeforeJSON, e.AfterJSON = nil, s("") }, audit.Genesis},
		{"actor id 0 instead of NULL", func(e *model.AuditEntry) { e.ActorUserID = id64(0) }, audit.Genesis},
		{"agency id 0 instead of NULL", func(e *model.AuditEntry) { e.AgencyID = id64(0) }, audit.Genesis},
		{"a nanosecond later", func(e *model.AuditEntry) { e.At = e.At.Add(1) }, audit.Genesis},
		{"other previous hash", func(e *model.AuditEntry) {}, strings.Repeat("f", 64)},
	}
	seen := map[string]string{}
	for _, v := range variants {
		e := base
		v.change(&e)
		h := audit.Hash(v.prev, &e)
		if other, dup := seen[h]; dup {
			t.Errorf("%q and %q hash the same", v.name, other)
		}
		seen[h] = v.name
	}
	// Only the instant is stored, not the zone it was written in.
	e := base
	e.At = at.In(time.FixedZone("CST", 8*3600))
	if audit.Hash(audit.Genesis, &e) != audit.Hash(audit.Genesis, &base) {
		t.Error("the same instant in another zone hashes differently")
	}
}
