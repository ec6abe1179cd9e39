package spotcheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/draw"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/spotcheck"
	"honestmeasure/internal/storage"
)

type rig struct {
	t          *testing.T
	ctx        context.Context
	a          *apptest.App
	svc        *spotcheck.Service
	admin      audit.Actor
	supervisor audit.Actor
	officers   []audit.Actor
	units      []*model.Unit
}

// newRig: 40 approved units in Tianning (classes by id: every tenth D, every
// fifth C, A for ids ending in 1, B otherwise), a supervisor and four
// officers of its bureau.
func newRig(t *testing.T) *rig {
	a := apptest.New(t)
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: context.Background(), a: a}
	r.svc = &spotcheck.Service{Store: a.Store, Audit: log, Now: a.Now, Classes: func(_ context.Context, ids []int64) (map[int64]string, error) {
		out := map[int64]string{}
		for i, id := range ids {
			switch {
			case i%10 == 0:
				out[id] = "D"
			case i%5 == 0:
				out[id] = "C"
			case i%10 == 1:
				out[id] = "A"
			}
		}
		return out, nil
	}}
	actor := func(u *model.User) audit.Actor { return audit.Actor{User: u, IP: "192.0.2.1"} }
	r.admin = actor(a.CreateUser("admin@example.org", "admin-pass-123", model.RoleCityAdmin, ""))
	r.supervisor = actor(a.CreateUser("sup@tianning.example.org", "supervisor-pass", model.RoleSupervisor, "cz-tianning"))
	for i := range 4 {
		r.officers = append(r.officers, actor(a.CreateUser(fmt.Sprintf("o%d@tianning.example.org", i), "officer-pass", model.RoleOfficer, "cz-tianning")))
	}
	owner := a.CreateUser("merchant@example.org", "merchant-pass", model.RoleMerchant, "")
	district, _ := strconv.ParseInt(a.DistrictID("320402"), 10, 64)
	for i := range 40 {
		u := &model.Unit{OwnerUserID: owner.ID, Name: fmt.Sprintf("红梅菜场 %d号", i+1), USCC: fmt.Sprintf("913204000000%06d", i+1),
			BusinessType: "market_stall", Address: "红梅农贸市场", DistrictID: district, ContactName: "张三", ContactPhone: "13812345678",
			Status: model.UnitApproved}
		if err := a.Store.CreateUnit(r.ctx, u); err != nil {
			t.Fatal(err)
		}
		r.units = append(r.units, u)
	}
	return r
}

func (r *rig) item() *model.CheckItem {
	r.t.Helper()
	it, err := r.svc.SaveItem(r.ctx, r.admin, 0, spotcheck.ItemForm{Code: "jl-01", NameZh: "集贸市场计量器具检查", NameEn: "Market instruments",
		Basis: "《计量法》第九条；《集贸市场计量监督管理办法》", Subject: "集贸市场经营者", Content: "计价秤已检定并在有效期内\n无作弊装置\n铅封完好",
		Method: "现场检查、抽测", Active: true})
	if err != nil {
		r.t.Fatal(err)
	}
	return it
}

func (r *rig) plan(it *model.CheckItem) *model.SpotCheckPlan {
	r.t.Helper()
	year := strconv.Itoa(r.a.Now().In(model.Zone).Year())
	p, err := r.svc.CreatePlan(r.ctx, r.supervisor, spotcheck.PlanForm{ItemID: strconv.FormatInt(it.ID, 10), Year: year,
		Base: "100", A: "500", B: "1000", C: "2000", D: "4000", DueDays: "15"})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// The whole draw: announced with a frozen pool and a commitment, drawn
// from the revealed secret and the public value, its file reproduced by
// draw.Verify; every drawn unit a task for two inspectors who may check it.
func TestAnnounceDrawVerify(t *testing.T) {
	r := newRig(t)
	it := r.item()
	plan := r.plan(it)
	// Officer 0 steps aside from unit 1.
	if err := r.svc.DeclareConflict(r.ctx, r.officers[0], r.units[1].ID, "亲属经营"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Announce(r.ctx, r.officers[1], plan.ID, "双色球 2026-12-10", 0); !errors.Is(err, spotcheck.ErrNotAllowed) {
		t.Fatalf("an officer announced: %v", err)
	}
	d, err := r.svc.Announce(r.ctx, r.supervisor, plan.ID, "  中国福利彩票双色球   2026-12-10 开奖号码 ", 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != model.DrawAnnounced || d.Commitment != draw.Commit(d.Secret) || d.RandomnessSource != "中国福利彩票双色球 2026-12-10 开奖号码" {
		t.Fatalf("announced %+v", d)
	}
	if strings.Contains(d.Announcement, d.Secret) {
		t.Fatal("the announcement carries the secret")
	}
	d, err = r.svc.Draw(r.ctx, r.supervisor, d.ID, "03 09 14 22 27 31 + 08")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != model.DrawDrawn || d.File == nil {
		t.Fatalf("drawn %+v", d)
	}
	f, err := draw.Verify([]byte(*d.File))
	if err != nil {
		t.Fatalf("the published file does not verify: %v", err)
	}
	if draw.Hash([]byte(*d.File)) != d.FileHash {
		t.Error("file hash")
	}
	// 40 units at 10%: 4 D cells (×4: 40% of 4 → 2), … every cell counted.
	want := 0
	for _, c := range f.Announcement.Cells {
		want += c.Count
	}
	tasks, err := r.a.Store.Inspections(r.ctx, storage.InspectionFilter{DrawID: d.ID, Limit: 1000})
	if err != nil || len(tasks) != want || want == 0 {
		t.Fatalf("%d inspections for %d drawn: %v", len(tasks), want, err)
	}
	for _, task := range tasks {
		ins, _ := r.a.Store.InspectorsOf(r.ctx, task.ID)
		if len(ins) != 2 || ins[0] == ins[1] {
			t.Errorf("inspection %d: inspectors %v", task.ID, ins)
		}
		if task.UnitID == r.units[1].ID {
			for _, u := range ins {
				if u == r.officers[0].User.ID {
					t.Error("an officer who stepped aside was assigned")
				}
			}
		}
	}
	// Drawn rows are never changed.
	targets, _ := r.a.Store.DrawTargets(r.ctx, d.ID)
	targets[0].UnitID = r.units[2].ID
	if err := r.a.Store.UpdateDrawTarget(r.ctx, &targets[0]); !errors.Is(err, storage.ErrImmutable) {
		t.Fatalf("a drawn row was updated: %v", err)
	}
	// A second draw is not made from the same announcement.
	if _, err := r.svc.Draw(r.ctx, r.supervisor, d.ID, "other"); !errors.Is(err, spotcheck.ErrChanged) {
		t.Fatalf("drawn twice: %v", err)
	}
}

// A void keeps the draw, with its reason, and the draw replacing it names
// it; the chain links each announcement to the agency's previous file.
func TestVoidKeepsBothDraws(t *testing.T) {
	r := newRig(t)
	plan := r.plan(r.item())
	first, err := r.svc.Announce(r.ctx, r.supervisor, plan.ID, "双色球 2026-12-10", 0)
	if err != nil {
		t.Fatal(err)
	}
	if first, err = r.svc.Draw(r.ctx, r.supervisor, first.ID, "1 2 3 4 5 6 7"); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Void(r.ctx, r.supervisor, first.ID, ""); !fail.Is(err, fail.Invalid) {
		t.Fatalf("void without a reason: %v", err)
	}
	if err := r.svc.Void(r.ctx, r.supervisor, first.ID, "公告期不足三日"); err != nil {
		t.Fatal(err)
	}
	second, err := r.svc.Announce(r.ctx, r.supervisor, plan.ID, "双色球 2026-12-12", first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if second.ReplacesID == nil || *second.ReplacesID != first.ID || second.PreviousHash != first.FileHash {
		t.Fatalf("replacement %+v, first file %s", second, first.FileHash)
	}
	kept, err := r.a.Store.DrawByID(r.ctx, first.ID)
	if err != nil || kept.Status != model.DrawVoid || kept.VoidReason != "公告期不足三日" || kept.File == nil {
		t.Fatalf("void draw %+v %v", kept, err)
	}
	open, _ := r.a.Store.Inspections(r.ctx, storage.InspectionFilter{DrawID: first.ID, Status: model.InspectionAssigned, Limit: 100})
	if len(open) != 0 {
		t.Errorf("%d inspections of a void draw still open", len(open))
	}
}

// An inspector records a failing result; the supervisor opens a case from
// it and publishes the result, which the unit's record then carries; a
// unit closed since the draw is replaced by the next reserve of its cell.
func TestInspectionToCaseAndPublication(t *testing.T) {
	r := newRig(t)
	plan := r.plan(r.item())
	d, err := r.svc.Announce(r.ctx, r.supervisor, plan.ID, "双色球 2026-12-10", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = r.svc.Draw(r.ctx, r.supervisor, d.ID, "5 8 13 21 34 55"); err != nil {
		t.Fatal(err)
	}
	tasks, _ := r.a.Store.Inspections(r.ctx, storage.InspectionFilter{DrawID: d.ID, Limit: 1000})
	task := tasks[0]
	ins, _ := r.a.Store.InspectorsOf(r.ctx, task.ID)
	inspector, stranger := r.supervisor, audit.Actor{}
	for _, o := range r.officers {
		if o.User.ID == ins[0] {
			inspector = o
		} else if o.User.ID != ins[1] {
			stranger = o
		}
	}
	if _, err := r.svc.Task(r.ctx, stranger, task.ID); !errors.Is(err, spotcheck.ErrNotAllowed) {
		t.Fatalf("an officer not assigned opened the task: %v", err)
	}
	today := r.a.Now().In(model.Zone).Format(time.DateOnly)
	result := spotcheck.ResultForm{CheckedOn: today, Findings: []spotcheck.FindingForm{
		{Outcome: model.FindingPass}, {Outcome: model.FindingFail, Measured: "称 500 g 砝码显示 520 g", Note: "发现遥控作弊装置"}, {Outcome: model.FindingNotApplicable}}}
	bad := result
	bad.Findings = bad.Findings[:2]
	if _, err := r.svc.Record(r.ctx, inspector, task.ID, bad); !fail.Is(err, fail.Invalid) {
		t.Fatalf("a result missing a point: %v", err)
	}
	done, err := r.svc.Record(r.ctx, inspector, task.ID, result)
	if err != nil || done.Result != model.InspectionFail || done.Status != model.InspectionDone {
		t.Fatalf("recorded %+v %v", done, err)
	}
	in := &intake.Service{Store: r.a.Store, Secret: []byte(apptest.Secret), Now: r.a.Now}
	open := func(ctx context.Context, who audit.Actor, unit *model.Unit, cat model.Category, text string) (*model.Case, error) {
		return in.OpenInternalTip(ctx, who, unit, nil, cat, text)
	}
	c, err := r.svc.OpenCase(r.ctx, inspector, task.ID, model.CategoryCheatingDevice, open)
	if err != nil || c.AgencyID == 0 {
		t.Fatalf("case from the inspection: %+v %v", c, err)
	}
	if _, err := r.svc.OpenCase(r.ctx, inspector, task.ID, model.CategoryCheatingDevice, open); !errors.Is(err, spotcheck.ErrChanged) {
		t.Fatalf("a second case: %v", err)
	}
	withPhone := "抽查发现作弊装置，已立案查处。联系电话 13812345678"
	err = r.svc.Publish(r.ctx, r.supervisor, task.ID, withPhone, nil)
	held := moderation.Held(err)
	if !fail.Is(err, fail.Invalid) || len(held) != 1 || held[0].Field != "summary" {
		t.Fatalf("a summary with a phone number was published: %v", err)
	}
	if _, err := r.a.Store.LatestSpotCheck(r.ctx, task.UnitID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a held summary published a result: %v", err)
	}
	if err := r.svc.Publish(r.ctx, r.supervisor, task.ID, "抽查发现计价秤作弊装置，已立案查处。", nil); err != nil {
		t.Fatal(err)
	}
	sc, err := r.a.Store.LatestSpotCheck(r.ctx, task.UnitID)
	if err != nil || sc.Result != "fail" || sc.Summary != "抽查发现计价秤作弊装置，已立案查处。" {
		t.Fatalf("the unit's published spot check: %+v %v", sc, err)
	}
	if n, err := r.svc.Overdue(r.ctx, &task.AgencyID); err != nil || n != 0 {
		t.Fatalf("overdue %d %v", n, err)
	}

	// A second task, recorded and left unpublished for 20 working days.
	second := tasks[1]
	ins2, _ := r.a.Store.InspectorsOf(r.ctx, second.ID)
	other := r.supervisor // the supervisor is one of the staff drawn, or may record anyway
	for _, o := range r.officers {
		if o.User.ID == ins2[0] {
			other = o
		}
	}
	pass := spotcheck.ResultForm{CheckedOn: today, Findings: []spotcheck.FindingForm{{Outcome: "pass"}, {Outcome: "pass"}, {Outcome: "pass"}}}
	if _, err := r.svc.Record(r.ctx, other, second.ID, pass); err != nil {
		t.Fatal(err)
	}
	r.a.Advance(35 * 24 * time.Hour)
	if n, err := r.svc.Overdue(r.ctx, &second.AgencyID); err != nil || n != 1 {
		t.Fatalf("overdue publications %d %v, want 1", n, err)
	}

	// The third drawn unit closed: the next reserve of its cell replaces it.
	third := tasks[2]
	sub, err := r.svc.Substitute(r.ctx, r.supervisor, third.ID, "已歇业")
	if errors.Is(err, spotcheck.ErrNoReserve) {
		t.Skip("the third unit's cell has no reserve in this draw")
	}
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := r.a.Store.DrawTargets(r.ctx, d.ID)
	var mine, theirs model.DrawTarget
	for _, x := range targets {
		if x.ID == third.DrawTargetID {
			mine = x
		}
		if x.ID == sub.DrawTargetID {
			theirs = x
		}
	}
	if !theirs.Reserve || theirs.Stratum != mine.Stratum || theirs.Class != mine.Class {
		t.Fatalf("substitute %+v for %+v", theirs, mine)
	}
	for _, x := range targets {
		if x.Reserve && x.Stratum == mine.Stratum && x.Class == mine.Class && x.Position < theirs.Position {
			t.Fatalf("substitute at position %d, but %d came first", theirs.Position, x.Position)
		}
	}
}

// Units checked under the plan leave the next pool (with that reason),
// except class D; a conflict declared on such a unit does not stop the
// next announcement.
func TestCheckedUnitsLeaveThePool(t *testing.T) {
	r := newRig(t)
	plan := r.plan(r.item())
	d, err := r.svc.Announce(r.ctx, r.supervisor, plan.ID, "双色球 2026-12-10", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Draw(r.ctx, r.supervisor, d.ID, "1 2 3"); err != nil {
		t.Fatal(err)
	}
	tasks, _ := r.a.Store.Inspections(r.ctx, storage.InspectionFilter{DrawID: d.ID, Limit: 100})
	if err := r.svc.DeclareConflict(r.ctx, r.officers[2], tasks[0].UnitID, "同学开的店"); err != nil {
		t.Fatal(err)
	}
	next, err := r.svc.Announce(r.ctx, r.supervisor, plan.ID, "双色球 2026-12-12", 0)
	if err != nil {
		t.Fatalf("the next announcement: %v", err)
	}
	var f draw.File
	if err := json.Unmarshal([]byte(next.Announcement), &f); err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		var unit *model.Unit
		for _, u := range r.units {
			if u.ID == task.UnitID {
				unit = u
			}
		}
		label := spotcheck.UnitLabel(unit.ID, unit.USCC)
		excluded := slices.ContainsFunc(f.Announcement.Excluded, func(e draw.Excluded) bool { return e.Label == label })
		targeted := slices.ContainsFunc(f.Announcement.Targets, func(t draw.Target) bool { return t.Label == label })
		var class string
		for _, t := range tasksClass(f, label) {
			class = t
		}
		if excluded == targeted {
			t.Errorf("%s: excluded %v, in the pool %v", label, excluded, targeted)
		}
		if targeted && class != "D" {
			t.Errorf("%s checked already but in the pool as class %s", label, class)
		}
	}
}

func tasksClass(f draw.File, label string) []string {
	var out []string
	for _, t := range f.Announcement.Targets {
		if t.Label == label {
			out = append(out, t.Class)
		}
	}
	return out
}
