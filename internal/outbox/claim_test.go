package outbox_test

// Tests of the outbox storage (internal/storage/outbox.go). They live here
// because this change may only add files under internal/outbox; they run on
// SQLite, and on MariaDB/MySQL when HM_TEST_MYSQL_DSN is set.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

func claimIDs(t *testing.T, st *storage.Store, now time.Time, lease time.Duration, limit int) []int64 {
	t.Helper()
	msgs, err := st.ClaimDue(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		if m.LockedUntil == nil || !m.LockedUntil.Equal(now.Add(lease)) {
			t.Errorf("claimed message %d locked until %v, want %v", m.ID, m.LockedUntil, now.Add(lease))
		}
		ids[i] = m.ID
	}
	slices.Sort(ids)
	return ids
}

func at(base time.Time, m model.OutboxMessage) model.OutboxMessage {
	m.CreatedAt = base
	return m
}

func TestClaimDueLeasesRowsUntilTheLeaseEnds(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	base := time.Now().UTC().Truncate(time.Millisecond)
	due := enqueue(t, st,
		at(base, outbox.Email("a@example.cn", "s", "b", nil, "e")),
		at(base, outbox.Email("b@example.cn", "s", "b", nil, "e")),
		at(base.Add(-time.Minute), outbox.Email("c@example.cn", "s", "b", nil, "e")),
	)
	later := enqueue(t, st, at(base.Add(time.Hour), outbox.Email("d@example.cn", "s", "b", nil, "e")))

	if got := claimIDs(t, st, base.Add(-2*time.Minute), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed %v before anything was due", got)
	}
	if got := claimIDs(t, st, base, time.Minute, 10); !slices.Equal(got, due) {
		t.Fatalf("claimed %v, want %v", got, due)
	}
	for _, now := range []time.Time{base, base.Add(30 * time.Second), base.Add(time.Minute)} {
		if got := claimIDs(t, st, now, time.Minute, 10); len(got) != 0 {
			t.Fatalf("at %v claimed %v while the lease runs", now.Sub(base), got)
		}
	}
	// The claimer died: once the lease is over the rows are claimable again.
	after := base.Add(time.Minute + time.Millisecond)
	if got := claimIDs(t, st, after, time.Minute, 10); !slices.Equal(got, due) {
		t.Fatalf("after the lease claimed %v, want %v", got, due)
	}

	// limit is honoured, and a partial claim leaves the rest.
	t2 := after.Add(2 * time.Minute)
	first := claimIDs(t, st, t2, time.Minute, 2)
	rest := claimIDs(t, st, t2, time.Minute, 2)
	if len(first) != 2 || len(rest) != 1 || slices.Contains(first, rest[0]) {
		t.Fatalf("limit 2 claimed %v then %v", first, rest)
	}

	// Outcomes: one delivered, one retried later, one given up.
	t3 := t2.Add(time.Second)
	next := t3.Add(2 * time.Hour)
	long := strings.Repeat("错", 1500) + "\xff"
	if err := st.RecordAttempt(ctx, due[0], t3, true, "", 1500*time.Millisecond, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordAttempt(ctx, due[1], t3, false, long, time.Second, &next, false); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordAttempt(ctx, due[2], t3, false, "HTTP 410 Gone", time.Second, nil, true); err != nil {
		t.Fatal(err)
	}
	m0, m1, m2 := message(t, st, due[0]), message(t, st, due[1]), message(t, st, due[2])
	if m0.Status != storage.OutboxDelivered || m0.DeliveredAt == nil || !m0.DeliveredAt.Equal(t3) || m0.Attempts != 1 || m0.LockedUntil != nil {
		t.Errorf("delivered message: %+v", m0)
	}
	if m1.Status != storage.OutboxPending || !m1.NextAttemptAt.Equal(next) || m1.Attempts != 1 || m1.LockedUntil != nil ||
		utf8.RuneCountInString(m1.LastError) != 1000 || !utf8.ValidString(m1.LastError) {
		t.Errorf("retried message: status %s next %v attempts %d locked %v error of %d characters",
			m1.Status, m1.NextAttemptAt, m1.Attempts, m1.LockedUntil, utf8.RuneCountInString(m1.LastError))
	}
	if m2.Status != storage.OutboxFailed || m2.LastError != "HTTP 410 Gone" || m2.Attempts != 1 {
		t.Errorf("given-up message: %+v", m2)
	}
	atts, err := st.OutboxAttempts(ctx, due[1])
	if err != nil || len(atts) != 1 || atts[0].OK || utf8.RuneCountInString(atts[0].Error) != 1000 || !atts[0].At.Equal(t3) || atts[0].DurationMS != 1000 {
		t.Errorf("attempts of the retried message: %+v, %v", atts, err)
	}
	if atts, _ := st.OutboxAttempts(ctx, due[0]); len(atts) != 1 || !atts[0].OK || atts[0].DurationMS != 1500 {
		t.Errorf("attempts of the delivered message: %+v", atts)
	}

	// Settled messages are never claimed again; the retried one is, when due.
	if got := claimIDs(t, st, next.Add(-time.Millisecond), time.Minute, 10); !slices.Equal(got, later) {
		t.Errorf("before the retry claimed %v, want only %v", got, later)
	}
	if got := claimIDs(t, st, next, time.Minute, 10); !slices.Equal(got, []int64{due[1]}) {
		t.Errorf("at the retry claimed %v, want %v", got, due[1])
	}

	// A late failure from a claimer whose lease ran out cannot undo a delivery.
	if err := st.RecordAttempt(ctx, due[0], t3.Add(time.Minute), false, "timeout", time.Second, &next, true); err != nil {
		t.Fatal(err)
	}
	if m := message(t, st, due[0]); m.Status != storage.OutboxDelivered || !m.DeliveredAt.Equal(t3) {
		t.Errorf("late failure changed a delivered message: %+v", m)
	}

	counts, err := st.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{storage.OutboxPending: 2, storage.OutboxDelivered: 1, storage.OutboxFailed: 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("counts %v, want %v", counts, want)
			break
		}
	}
	if _, err := st.OutboxByID(ctx, 999999); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("OutboxByID(missing) = %v", err)
	}
	if err := st.RecordAttempt(ctx, 999999, t3, true, "", 0, nil, false); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("RecordAttempt(missing) = %v", err)
	}
}

func TestEnqueueCommitsOnlyWithTheChange(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	boom := errors.New("the change failed")
	err := st.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.Enqueue(ctx, outbox.Email("a@example.cn", "s", "b", nil, "e")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if c, _ := st.OutboxCounts(ctx); c[storage.OutboxPending] != 0 {
		t.Errorf("a rolled-back change left %d messages", c[storage.OutboxPending])
	}

	ids := enqueue(t, st, outbox.Email("a@example.cn", "主题", "正文", nil, "case.received"))
	m := message(t, st, ids[0])
	if m.Status != storage.OutboxPending || m.Attempts != 0 || !m.NextAttemptAt.Equal(m.CreatedAt) || m.LockedUntil != nil ||
		m.Subject != "主题" || m.Body != "正文" || m.Event != "case.received" || m.Channel != outbox.ChannelEmail {
		t.Errorf("enqueued %+v", m)
	}

	for name, bad := range map[string]model.OutboxMessage{
		"no recipient":       outbox.Email("", "s", "b", nil, "e"),
		"no event":           outbox.Email("a@example.cn", "s", "b", nil, ""),
		"recipient too long": outbox.Email(strings.Repeat("a", 496)+"@x.cn", "s", "b", nil, "e"),
		"subject too long":   outbox.Email("a@example.cn", strings.Repeat("长", 301), "b", nil, "e"),
	} {
		if err := st.Enqueue(ctx, bad); err == nil {
			t.Errorf("%s: enqueued", name)
		}
	}
}

func TestConcurrentClaimsNeverShareARow(t *testing.T) {
	const rows, claimers = 60, 8
	st := newStore(t)
	base := time.Now().UTC().Truncate(time.Millisecond)
	var msgs []model.OutboxMessage
	for range rows {
		msgs = append(msgs, at(base, outbox.Email("a@example.cn", "s", "b", nil, "e")))
	}
	enqueue(t, st, msgs...)

	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for range 20 {
				got, err := st.ClaimDue(context.Background(), base, time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
				if len(got) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != rows {
		t.Errorf("%d of %d rows claimed", len(seen), rows)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}
