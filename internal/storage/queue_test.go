package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// TestQueueCountsAndPage: the queue's four counts, its filters and its page
// of rows with their reports, for one agency among two, with closed history
// that must not show.
func TestQueueCountsAndPage(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	ds, _ := st.Districts(ctx)
	ags, _ := st.AllAgencies(ctx)
	mine, other := ags[0].ID, ags[1].ID
	officer := newMerchant(t, st, "13900000001") // any user will do as an assignee
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { x := now.Add(time.Duration(h) * time.Hour); return &x }
	cases := []struct {
		agency   int64
		status   model.CaseStatus
		due      *time.Time
		assignee *int64
		category model.Category
	}{
		{mine, model.CaseNew, at(-5), nil, model.CategoryShortWeight},               // overdue, unassigned
		{mine, model.CaseVerifying, at(-1), &officer.ID, model.CategoryShortWeight}, // overdue
		{mine, model.CaseOpened, at(20), nil, model.CategoryShortWeight},            // due soon, unassigned
		{mine, model.CaseAccepted, at(24 * 30), &officer.ID, model.CategoryShortWeight},
		{mine, model.CaseVerifying, at(24 * 40), nil, model.CategoryOther},
		{mine, model.CaseClosed, nil, nil, model.CategoryShortWeight}, // history
		{other, model.CaseNew, at(-5), nil, model.CategoryShortWeight},
	}
	for i, c := range cases {
		r := &model.Report{TrackingNo: fmt.Sprintf("QUEU-0000-%04d", i), AccessCodeHash: "h", Kind: model.KindTip, Category: c.category,
			DistrictID: ds[0].ID, BusinessName: fmt.Sprintf("摊位%d", i), Description: "短秤", CreatedAt: now}
		if err := st.CreateReport(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateCase(ctx, &model.Case{ReportID: r.ID, AgencyID: c.agency, Kind: model.KindTip, Category: c.category,
			DistrictID: ds[0].ID, Status: c.status, Priority: model.PriorityNormal, ReceivedAt: now, DecisionDueAt: now,
			DueAt: c.due, AssigneeID: c.assignee}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := st.CountQueue(ctx, &mine, now, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.QueueCounts{Open: 5, Overdue: 2, DueSoon: 1, Unassigned: 3}); counts != want {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
	tests := []struct {
		name  string
		f     storage.QueueFilter
		total int64
		first string // tracking number of the first row
	}{
		{"every open case, by deadline", storage.QueueFilter{}, 5, "QUEU-0000-0000"},
		{"status and category", storage.QueueFilter{Statuses: []model.CaseStatus{model.CaseVerifying}, Category: model.CategoryShortWeight}, 1, "QUEU-0000-0001"},
		{"overdue", storage.QueueFilter{Due: "overdue"}, 2, "QUEU-0000-0000"},
		{"unassigned", storage.QueueFilter{AssigneeID: -1}, 3, "QUEU-0000-0000"},
		{"search by business name", storage.QueueFilter{Query: "摊位4"}, 1, "QUEU-0000-0004"},
		{"second page", storage.QueueFilter{PerPage: 2, Page: 2}, 5, "QUEU-0000-0002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			f.AgencyID, f.Now, f.DueSoon = &mine, now, 48*time.Hour
			rows, total, err := st.Queue(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || len(rows) == 0 || rows[0].TrackingNo != tt.first || rows[0].BusinessName == "" {
				t.Fatalf("total %d (want %d), %d rows, first %+v", total, tt.total, len(rows), rows)
			}
		})
	}
}
