package database_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/database"
	"honestmeasure/internal/model"
)

// TestSchemaV9EmptiesLeakedReasons: before version 9 a conclusion's
// explanation to the reporter became the suspended unit's public reason.
// The migration empties exactly those reasons, and leaves a reason that
// came from elsewhere alone.
func TestSchemaV9EmptiesLeakedReasons(t *testing.T) {
	a := apptest.New(t) // on HM_TEST_MYSQL_DSN's MariaDB when it is set
	_, leaked, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	token := a.ScanPath(model.QRInstrument, ins[0].ID)[len("/Q/"):]
	v := a.Browser()
	v.Get("/report?t=" + token)
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", apptest.Form("kind", "tip", "category", "short_weight", "incident_at", "2026-11-20T09:30",
		"description", "买了两斤排骨，回家复称只有一斤七两。", "t", token, "idempotency_key", key))
	v.Expect(http.StatusCreated)
	const reply = "罚款5000元，感谢您的举报"
	a.DB.Model(&model.Case{}).Where("1 = 1").Updates(map[string]any{"status": model.CaseConcluded, "outcome": "substantiated",
		"unit_measure": "suspended", "outcome_detail": reply})
	var update string
	for _, stmt := range database.Migrations[8].Statements(database.DialectOf(a.DB)) {
		if strings.HasPrefix(stmt, "UPDATE units") {
			update = stmt
		}
	}
	if update == "" {
		t.Fatal("migration 9 has no UPDATE of units")
	}
	run := func(reason string) string {
		t.Helper()
		a.DB.Model(&model.Unit{}).Where("id = ?", leaked).Updates(map[string]any{"status": model.UnitSuspended, "status_reason": reason})
		if err := a.DB.Exec(update).Error; err != nil {
			t.Fatal(err)
		}
		var got model.Unit
		a.DB.Take(&got, leaked)
		if got.Status != model.UnitSuspended {
			t.Fatalf("status changed: %s", got.Status)
		}
		return got.StatusReason
	}
	if got := run("经营者申请暂停"); got != "经营者申请暂停" {
		t.Fatalf("an unrelated reason was changed: %q", got)
	}
	if got := run(reply); got != "" {
		t.Fatalf("the leaked reason after the migration: %q", got)
	}
}
