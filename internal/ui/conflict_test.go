package ui_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/verification"
)

// conflictRig files verification conflicts the way production does: a
// verification body's batch (verification.Service.SubmitBatch) about units
// whose credit codes its records carry.
type conflictRig struct {
	t    *testing.T
	a    *apptest.App
	svc  *verification.Service
	body *model.VerificationBody
	n    int
	keys int
}

func newConflictRig(t *testing.T) *conflictRig {
	t.Helper()
	a := apptest.New(t)
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.Store.VerificationBodyByCode(context.Background(), a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	return &conflictRig{t: t, a: a, body: body,
		svc: &verification.Service{Store: a.Store, Audit: log, BaseURL: a.URL, Now: a.Now}}
}

// conflictShop is a merchant's published unit with one price scale.
type conflictShop struct {
	login string
	unit  *model.Unit
	ins   *model.Instrument
}

const conflictPass = "merchant-pass-2026"

// shop stores a merchant (who can sign in) with an approved unit called
// name in the district with code, holding one price scale.
func (r *conflictRig) shop(name, districtCode string) conflictShop {
	r.t.Helper()
	r.n++
	ctx := context.Background()
	login := fmt.Sprintf("1390000%04d", r.n)
	owner := r.a.CreateUser(login, conflictPass, model.RoleMerchant, "")
	districtID, _ := strconv.ParseInt(r.a.DistrictID(districtCode), 10, 64)
	body := fmt.Sprintf("91320402MA%07dX", r.n)[:17]
	code := body + checkChar(r.t, body)
	at := r.a.Now().UTC()
	u := &model.Unit{OwnerUserID: owner.ID, Name: name, USCC: code, USCCLive: &code, BusinessType: "market_stall",
		Address: "常州市", DistrictID: districtID, ContactName: "张三", ContactPhone: "13800000000", Status: model.UnitApproved,
		ApprovedAt: &at, CreatedAt: at, UpdatedAt: at}
	if err := r.a.Store.DB().Create(u).Error; err != nil {
		r.t.Fatal(err)
	}
	typeID, _ := strconv.ParseInt(r.a.TypeID("price_scale"), 10, 64)
	ins := &model.Instrument{UnitID: u.ID, TypeID: typeID, SerialNo: fmt.Sprintf("SN-%03d", r.n), Model: "ACS-15"}
	if err := r.a.Store.CreateInstrument(ctx, ins); err != nil {
		r.t.Fatal(err)
	}
	return conflictShop{login: login, unit: u, ins: ins}
}

// declare stores the merchant's own declaration of a passed certificate.
func (r *conflictRig) declare(s conflictShop, cert string, on time.Time) {
	r.t.Helper()
	rec := &model.VerificationRecord{InstrumentID: &s.ins.ID, CertificateNo: cert, BodyName: "某检定所", VerifiedOn: on,
		ValidUntil: model.CycleEnd(on, 12), Result: model.ResultPass, Source: model.SourceDeclared, CreatedAt: r.a.Now().UTC()}
	if err := r.a.Store.AddVerification(context.Background(), rec); err != nil {
		r.t.Fatal(err)
	}
}

// certificate is the body's certificate of s's scale.
func certificateOf(s conflictShop, no string, on time.Time) verification.Record {
	return verification.Record{Kind: "certificate", CertificateNo: no, SubmitterName: s.unit.Name, SubmitterUSCC: s.unit.USCC,
		InstrumentSerial: s.ins.SerialNo, InstrumentName: "电子计价秤", VerifiedOn: on.Format(time.DateOnly),
		ValidUntil: model.CycleEnd(on, 12).Format(time.DateOnly), Conclusion: "合格", AccuracyClass: "Ⅲ", Regulation: "JJG 539-2016"}
}

// send submits records as one batch of the body's system.
func (r *conflictRig) send(recs ...verification.Record) *verification.BatchResult {
	r.t.Helper()
	r.keys++
	res, err := r.svc.SubmitBatch(context.Background(), verification.Sender{Body: r.body, TokenHint: "test", IP: "127.0.0.1"},
		"conflict-test-"+strconv.Itoa(r.keys), recs)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, x := range res.Results {
		if x.Outcome != model.RowNew {
			r.t.Fatalf("record %d: %+v", x.Index, x)
		}
	}
	return res
}

// mismatch files a certificate_mismatch conflict about s: the merchant
// declared typo, the body recorded cert, three days apart. It returns the
// conflict's ID.
func (r *conflictRig) mismatch(s conflictShop, typo, cert string) int64 {
	r.t.Helper()
	on := model.DateOf(r.a.Now()).AddDate(0, 0, -20)
	r.declare(s, typo, on.AddDate(0, 0, 3))
	r.send(certificateOf(s, cert, on))
	return r.conflictOf(s, model.ConflictCertificateNo)
}

func (r *conflictRig) conflictOf(s conflictShop, kind model.ConflictKind) int64 {
	r.t.Helper()
	var c model.Conflict
	if err := r.a.DB.Where("unit_id = ? AND kind = ?", s.unit.ID, kind).Order("id DESC").Take(&c).Error; err != nil {
		r.t.Fatalf("no %s conflict about unit %d: %v", kind, s.unit.ID, err)
	}
	return c.ID
}

func (r *conflictRig) conflict(id int64) model.Conflict {
	r.t.Helper()
	var c model.Conflict
	if err := r.a.DB.Take(&c, id).Error; err != nil {
		r.t.Fatal(err)
	}
	return c
}

// staff signs in a new staff member of agencyCode ("" for the city admin),
// whose login is name@example.gov.cn.
func (r *conflictRig) staff(name string, role model.Role, agencyCode string) *apptest.Browser {
	r.t.Helper()
	login := name + "@example.gov.cn"
	r.a.CreateUser(login, "staff-pass-2026", role, agencyCode)
	b := r.a.Browser()
	b.Login(login, "staff-pass-2026")
	return b
}

func (r *conflictRig) audits(action string, objectID string) []model.AuditEntry {
	r.t.Helper()
	var out []model.AuditEntry
	q := r.a.DB.Where("action = ? AND object_type = ?", action, audit.ObjectConflict)
	if objectID != "" {
		q = q.Where("object_id = ?", objectID)
	}
	if err := q.Order("id").Find(&out).Error; err != nil {
		r.t.Fatal(err)
	}
	return out
}

func conflictPath(id int64) string { return "/staff/conflicts/" + strconv.FormatInt(id, 10) }

func expectAbsent(t *testing.T, b *apptest.Browser, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(b.Last.Body, s) {
			t.Errorf("%s shows %q", b.Last.URL, s)
		}
	}
}

// An officer sees the conflicts of the district bureau's units and none of
// another agency's, cannot open or act on those (404 as if they did not
// exist), and the city admin sees every district's.
func TestConflictQueueJurisdiction(t *testing.T) {
	r := newConflictRig(t)
	tn := r.shop("天宁红梅菜场 1号摊位", "320402")
	zl := r.shop("钟楼荷花池菜场 9号摊位", "320404")
	tnID := r.mismatch(tn, "JD-TYPO", "JD-2")
	zlID := r.mismatch(zl, "JD-ZL-TYPO", "JD-ZL")

	officer := r.staff("tn-officer", model.RoleOfficer, "cz-tianning")
	officer.Get("/staff/conflicts")
	officer.Expect(http.StatusOK, "检定信息冲突", tn.unit.Name, "证书 JD-2", "证书 JD-TYPO", "证书编号不一致", r.body.NameZh,
		fmt.Sprintf(`href="/staff/units/%d"`, tn.unit.ID), tn.ins.SerialNo)
	expectAbsent(t, officer, zl.unit.Name, "JD-ZL")
	officer.Get(conflictPath(zlID))
	officer.Expect(http.StatusNotFound)
	for _, action := range []string{"/close/resolved", "/close/dismissed", "/tip"} {
		officer.Get(conflictPath(tnID)) // a page with the officer's CSRF token
		officer.Post(conflictPath(zlID)+action, form("reason", "不归我管", "text", "不归我管的线索"))
		officer.Expect(http.StatusNotFound)
	}
	if c := r.conflict(zlID); c.Status != model.ConflictOpen || c.CaseID != nil {
		t.Errorf("another agency's conflict after the officer's attempts: %+v", c)
	}
	officer.Get("/staff/conflicts.csv")
	if strings.Contains(officer.Last.Body, zl.unit.Name) || !strings.Contains(officer.Last.Body, tn.unit.Name) {
		t.Errorf("the officer's export:\n%s", officer.Last.Body)
	}

	other := r.staff("zl-officer", model.RoleSupervisor, "cz-zhonglou")
	other.Get("/staff/conflicts")
	other.Expect(http.StatusOK, zl.unit.Name)
	expectAbsent(t, other, tn.unit.Name)
	other.Get(conflictPath(tnID))
	other.Expect(http.StatusNotFound)

	admin := r.staff("city-admin", model.RoleCityAdmin, "")
	admin.Get("/staff/conflicts")
	admin.Expect(http.StatusOK, tn.unit.Name, zl.unit.Name)
	admin.Get("/staff/conflicts?district=" + r.a.DistrictID("320404"))
	admin.Expect(http.StatusOK, zl.unit.Name)
	expectAbsent(t, admin, tn.unit.Name)
	admin.Get(conflictPath(zlID))
	admin.Expect(http.StatusOK, zl.unit.Name, "JD-ZL-TYPO", "检定机构记录", "商户申报")
}

var conflictRow = regexp.MustCompile(`<a href="/staff/conflicts/(\d+)">`)

func conflictIDsOn(body string) []string {
	var out []string
	for _, m := range conflictRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// The queue filters by status (open by default), kind and body, sorts
// newest or oldest first, pages by 50 and counts each kind.
func TestConflictQueueFiltersAndPaging(t *testing.T) {
	r := newConflictRig(t)
	s := r.shop("天宁红梅菜场 2号摊位", "320402")
	mismatchID := r.mismatch(s, "JD-TYPO", "JD-2")
	var recs []verification.Record
	for i := range 51 {
		rec := certificateOf(s, fmt.Sprintf("JD-U-%03d", i), model.DateOf(r.a.Now()).AddDate(0, 0, -10))
		rec.InstrumentSerial = fmt.Sprintf("NOT-LISTED-%03d", i)
		recs = append(recs, rec)
	}
	r.send(recs...)

	officer := r.staff("tn-officer", model.RoleOfficer, "cz-tianning")
	officer.Get("/staff/conflicts")
	officer.Expect(http.StatusOK, "共 52 条", "全部类型 <b>52</b>", "器具未登记 <b>51</b>", "证书编号不一致 <b>1</b>", "第 1 / 2 页")
	if n := len(conflictIDsOn(officer.Last.Body)); n != 50 {
		t.Errorf("page 1 lists %d conflicts, want 50", n)
	}
	officer.Get("/staff/conflicts?page=2")
	if ids := conflictIDsOn(officer.Last.Body); len(ids) != 2 {
		t.Errorf("page 2 lists %v, want 2", ids)
	}

	// Newest first by default: the last record of the batch leads.
	officer.Get("/staff/conflicts?kind=unregistered")
	officer.Expect(http.StatusOK, "共 51 条", "NOT-LISTED-050")
	newest := conflictIDsOn(officer.Last.Body)
	officer.Get("/staff/conflicts?kind=unregistered&sort=oldest")
	officer.Expect(http.StatusOK, "NOT-LISTED-000")
	oldest := conflictIDsOn(officer.Last.Body)
	if len(newest) == 0 || len(oldest) == 0 || newest[0] == oldest[0] {
		t.Fatalf("newest first %v, oldest first %v", newest, oldest)
	}
	if a, b := atoi(t, oldest[0]), atoi(t, newest[0]); a >= b {
		t.Errorf("oldest first starts at %d, newest first at %d", a, b)
	}
	if strings.Contains(officer.Last.Body, "NOT-LISTED-050") {
		t.Error("oldest first: the newest conflict is on page 1")
	}

	officer.Get("/staff/conflicts?kind=certificate_mismatch")
	if ids := conflictIDsOn(officer.Last.Body); len(ids) != 1 || ids[0] != strconv.FormatInt(mismatchID, 10) {
		t.Errorf("kind filter lists %v, want [%d]", ids, mismatchID)
	}
	officer.Get(fmt.Sprintf("/staff/conflicts?body=%d", r.body.ID+1000))
	officer.Expect(http.StatusOK, "共 0 条", "没有符合条件的冲突")
	officer.Get(fmt.Sprintf("/staff/conflicts?body=%d", r.body.ID))
	officer.Expect(http.StatusOK, "共 52 条")

	// Closed conflicts leave the default view and show under their status.
	officer.Get(conflictPath(mismatchID))
	officer.Post(conflictPath(mismatchID)+"/close/dismissed", form("reason", "机构录入错误，已核实"))
	officer.Get("/staff/conflicts?kind=certificate_mismatch")
	officer.Expect(http.StatusOK, "共 0 条")
	officer.Get("/staff/conflicts?status=dismissed")
	if ids := conflictIDsOn(officer.Last.Body); len(ids) != 1 || ids[0] != strconv.FormatInt(mismatchID, 10) {
		t.Errorf("dismissed lists %v, want [%d]", ids, mismatchID)
	}
	officer.Get("/staff/conflicts?status=all")
	officer.Expect(http.StatusOK, "共 52 条")
	officer.Get("/staff/conflicts?status=bogus&kind=bogus")
	officer.Expect(http.StatusOK, "共 51 条")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Resolving and dismissing need a reason; a refusal keeps what was typed
// by its form; each close is audited; a conflict closed meanwhile says so.
func TestConflictCloseNeedsReason(t *testing.T) {
	r := newConflictRig(t)
	s1 := r.shop("天宁红梅菜场 3号摊位", "320402")
	s2 := r.shop("天宁红梅菜场 4号摊位", "320402")
	first := r.mismatch(s1, "JD-TYPO-1", "JD-1")
	second := r.mismatch(s2, "JD-TYPO-2", "JD-2")
	officer := r.staff("tn-officer", model.RoleOfficer, "cz-tianning")
	page := conflictPath(first)

	for _, status := range []string{"resolved", "dismissed"} {
		officer.Submit(page, page+"/close/"+status, form("reason", "   "))
		officer.Expect(http.StatusUnprocessableEntity, "请填写此项")
		long := strings.Repeat("长", verification.MaxReason+1)
		officer.Submit(page, page+"/close/"+status, form("reason", long))
		officer.Expect(http.StatusUnprocessableEntity, "最多", ">"+long+"</textarea>")
	}
	officer.Submit(page, page+"/close/reopened", form("reason", "随便"))
	officer.Expect(http.StatusUnprocessableEntity, "未知操作")
	if c := r.conflict(first); c.Status != model.ConflictOpen || len(r.audits(audit.ActionConflictClose, "")) != 0 {
		t.Fatalf("after refusals: %s, %d audit entries", c.Status, len(r.audits(audit.ActionConflictClose, "")))
	}

	officer.Submit(page, page+"/close/resolved", form("reason", "商户已更正证书编号"))
	officer.Expect(http.StatusOK, "已标为已解决", "已解决", "商户已更正证书编号", "tn-officer")
	if officer.Last.URL != page+"?ok=conflict_resolved" {
		t.Errorf("after resolving at %s", officer.Last.URL)
	}
	if c := r.conflict(first); c.Status != model.ConflictResolved || c.Resolution != "商户已更正证书编号" || c.ResolvedBy == nil {
		t.Errorf("resolved conflict %+v", c)
	}
	if got := r.audits(audit.ActionConflictClose, strconv.FormatInt(first, 10)); len(got) != 1 || got[0].Actor != "tn-officer@example.gov.cn" ||
		got[0].AfterJSON == nil || !strings.Contains(*got[0].AfterJSON, "商户已更正证书编号") {
		t.Errorf("audit of the resolution: %+v", got)
	}

	// A second officer's form, sent after the first closed it.
	colleague := r.staff("tn-officer-2", model.RoleOfficer, "cz-tianning")
	colleague.Get(conflictPath(second))
	officer.Submit(conflictPath(second), conflictPath(second)+"/close/dismissed", form("reason", "机构记录有误"))
	officer.Expect(http.StatusOK, "已驳回")
	colleague.Post(conflictPath(second)+"/close/resolved", form("reason", "我也处理了"))
	colleague.Expect(http.StatusConflict, "这条冲突已由他人处理", "已驳回", "机构记录有误")
	if c := r.conflict(second); c.Status != model.ConflictDismissed || c.Resolution != "机构记录有误" {
		t.Errorf("dismissed conflict %+v", c)
	}
	if got := r.audits(audit.ActionConflictClose, strconv.FormatInt(second, 10)); len(got) != 1 {
		t.Errorf("%d audit entries for the dismissal, want 1", len(got))
	}
}

// "Open a tip" files an internal tip in the false-certificate category
// about the unit and instrument, resolves the conflict and links the case;
// staff who may handle the case land on it, an officer whose agency the
// routing rules pass over is told where it went.
func TestConflictOpenTip(t *testing.T) {
	r := newConflictRig(t)
	s1 := r.shop("天宁红梅菜场 5号摊位", "320402")
	s2 := r.shop("天宁红梅菜场 6号摊位", "320402")
	first := r.mismatch(s1, "JD-TYPO-5", "JD-5")
	second := r.mismatch(s2, "JD-TYPO-6", "JD-6")

	admin := r.staff("city-admin", model.RoleCityAdmin, "")
	admin.Submit(conflictPath(first), conflictPath(first)+"/tip", form("text", ""))
	admin.Expect(http.StatusOK, "已立案", "JD-5")
	if !strings.HasPrefix(admin.Last.URL, "/staff/cases/") {
		t.Fatalf("after opening a tip at %s", admin.Last.URL)
	}
	c := r.conflict(first)
	if c.Status != model.ConflictResolved || c.CaseID == nil || admin.Last.URL != fmt.Sprintf("/staff/cases/%d?ok=conflict_tip", *c.CaseID) {
		t.Fatalf("conflict after the tip %+v, page %s", c, admin.Last.URL)
	}
	cs, err := r.a.Store.CaseByID(context.Background(), *c.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.a.Store.ReportByID(context.Background(), cs.ReportID)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Category != model.CategoryFalseData || cs.Kind != model.KindTip || rep.UnitID == nil || *rep.UnitID != s1.unit.ID ||
		rep.InstrumentID == nil || *rep.InstrumentID != s1.ins.ID {
		t.Errorf("the tip's case %+v, report %+v", cs, rep)
	}
	if got := r.audits(audit.ActionConflictTip, strconv.FormatInt(first, 10)); len(got) != 1 {
		t.Errorf("%d audit entries for the tip, want 1", len(got))
	}

	// The district officer's tip goes where false certificates are routed;
	// the conflict page names it.
	officer := r.staff("tn-officer", model.RoleOfficer, "cz-tianning")
	officer.Submit(conflictPath(second), conflictPath(second)+"/tip", form("text", "商户申报的证书号与机构记录不符，疑似伪造"))
	officer.Expect(http.StatusOK, "已立案")
	c = r.conflict(second)
	if c.Status != model.ConflictResolved || c.CaseID == nil {
		t.Fatalf("conflict after the officer's tip %+v", c)
	}
	cs, err = r.a.Store.CaseByID(context.Background(), *c.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Category != model.CategoryFalseData {
		t.Errorf("the officer's tip is a %s case", cs.Category)
	}
	rep, err = r.a.Store.ReportByID(context.Background(), cs.ReportID)
	if err != nil {
		t.Fatal(err)
	}
	detachment, err := r.a.Store.AgencyByCode(context.Background(), "cz-detachment")
	if err != nil {
		t.Fatal(err)
	}
	if cs.AgencyID != detachment.ID || rep.Description != "商户申报的证书号与机构记录不符，疑似伪造" {
		t.Errorf("the officer's tip went to agency %d (want the detachment, %d) saying %q", cs.AgencyID, detachment.ID, rep.Description)
	}
	if officer.Last.URL != conflictPath(second)+"?ok=conflict_tip_elsewhere" {
		t.Errorf("after a tip routed elsewhere the officer is at %s", officer.Last.URL)
	}
	officer.Expect(http.StatusOK, "由其他机构办理", rep.TrackingNo, "由常州市市场监管综合行政执法支队办理")
	// A tip from a closed conflict is refused with the reason.
	officer.Submit(conflictPath(second), conflictPath(second)+"/tip", nil)
	officer.Expect(http.StatusConflict, "这条冲突已由他人处理")
}

// Both exports hold the filtered rows with formula-like cells neutralised,
// and each export is audited.
func TestConflictExport(t *testing.T) {
	r := newConflictRig(t)
	s := r.shop("=HYPERLINK(\"http://evil.example\")", "320402")
	plain := r.shop("天宁红梅菜场 7号摊位", "320402")
	r.mismatch(s, "JD-TYPO-E", "JD-E")
	r.mismatch(plain, "JD-TYPO-P", "JD-P")
	officer := r.staff("tn-officer", model.RoleOfficer, "cz-tianning")

	officer.Get("/staff/conflicts.csv?kind=certificate_mismatch")
	officer.Expect(http.StatusOK)
	if ct := officer.Last.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %s", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(officer.Last.Body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][1] != "类型" {
		t.Fatalf("CSV rows %v", rows)
	}
	body := officer.Last.Body
	for _, want := range []string{`'=HYPERLINK`, plain.unit.Name, "证书编号不一致", "证书 JD-E", "证书 JD-TYPO-E", r.body.NameZh, s.ins.SerialNo} {
		if !strings.Contains(body, want) {
			t.Errorf("CSV lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `,=HYPERLINK`) || strings.Contains(body, `"=HYPERLINK`) {
		t.Errorf("CSV has a live formula:\n%s", body)
	}

	officer.Get("/staff/conflicts.xlsx")
	officer.Expect(http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(officer.Last.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet) != 3 {
		t.Fatalf("XLSX rows %v", sheet)
	}
	var names []string
	for _, row := range sheet[1:] {
		names = append(names, row[3])
	}
	if !strings.Contains(strings.Join(names, "|"), `'=HYPERLINK`) || !strings.Contains(strings.Join(names, "|"), plain.unit.Name) {
		t.Errorf("XLSX unit column %v", names)
	}

	exports := r.audits(audit.ActionExport, "")
	if len(exports) != 2 {
		t.Fatalf("%d export audit entries, want 2", len(exports))
	}
	for i, format := range []string{"csv", "xlsx"} {
		e := exports[i]
		if e.Actor != "tn-officer@example.gov.cn" || e.AfterJSON == nil || !strings.Contains(*e.AfterJSON, `"format":"`+format+`"`) ||
			!strings.Contains(*e.AfterJSON, `"rows":2`) {
			t.Errorf("export audit %d: %+v %s", i, e, deref(e.AfterJSON))
		}
	}
	if !strings.Contains(deref(exports[0].AfterJSON), `"kind":"certificate_mismatch"`) {
		t.Errorf("the CSV export's audit lacks its filter: %s", deref(exports[0].AfterJSON))
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A merchant reads the open conflicts about their own instruments in
// plain words on the home page and the instrument page — never another
// merchant's — and the instrument page labels each record as confirmed by
// the body or self-declared, and revoked records as superseded or
// cancelled.
func TestMerchantSeesOwnConflicts(t *testing.T) {
	r := newConflictRig(t)
	mine := r.shop("天宁红梅菜场 8号摊位", "320402")
	theirs := r.shop("钟楼荷花池菜场 2号摊位", "320404")
	r.mismatch(mine, "JD-TYPO", "JD-2")
	r.mismatch(theirs, "JD-THEIRS-TYPO", "JD-THEIRS")
	const words = "检定机构记录的证书编号与您申报的不一致：机构 JD-2，您申报 JD-TYPO。请核对证书后修改，或联系检定机构。"

	m := r.a.Browser()
	m.Login(mine.login, conflictPass)
	m.Get("/merchant")
	m.Expect(http.StatusOK, "检定信息需要核对", words, fmt.Sprintf(`href="/merchant/instruments/%d"`, mine.ins.ID))
	expectAbsent(t, m, "JD-THEIRS", theirs.unit.Name)

	page := fmt.Sprintf("/merchant/instruments/%d", mine.ins.ID)
	m.Get(page)
	m.Expect(http.StatusOK, words, "检定机构确认", "自行申报")
	expectAbsent(t, m, "JD-THEIRS")
	m.Get(fmt.Sprintf("/merchant/instruments/%d", theirs.ins.ID))
	m.Expect(http.StatusNotFound)

	// The body corrects its certificate, then cancels the correction.
	on := model.DateOf(r.a.Now()).AddDate(0, 0, -20)
	fix := certificateOf(mine, "JD-2B", on)
	fix.Supersedes = "JD-2"
	r.send(fix)
	r.send(verification.Record{Kind: "cancellation", CertificateNo: "JD-2B", SubmitterUSCC: mine.unit.USCC})
	m.Get(page)
	m.Expect(http.StatusOK, "已被更正", "已注销", "注销记录")

	// The records that disagreed were superseded and cancelled: their
	// conflicts are resolved with them, and the merchant is no longer asked.
	var open int64
	r.a.DB.Model(&model.Conflict{}).Where("unit_id = ? AND status = ?", mine.unit.ID, model.ConflictOpen).Count(&open)
	if open != 0 {
		t.Fatalf("%d conflicts still open about records the body superseded and cancelled", open)
	}
	m.Get("/merchant")
	m.Expect(http.StatusOK)
	expectAbsent(t, m, words, "检定信息需要核对")

	// An officer closing one is covered by TestConflictCloseNeedsReason;
	// here the other merchant's stays open and theirs alone.
	// The other merchant sees theirs, not mine.
	o := r.a.Browser()
	o.Login(theirs.login, conflictPass)
	o.Get("/merchant")
	o.Expect(http.StatusOK, "机构 JD-THEIRS，您申报 JD-THEIRS-TYPO")
	expectAbsent(t, o, "JD-TYPO。", mine.unit.Name)
}
