// Package demo fills an empty database with a believable city: units in
// every district and status, instruments in every verification state,
// reports in several stages, and one account per role. It runs only on an
// empty database (HM_DEMO=1 or -demo) and is never needed in production.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/spotcheck"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/uscc"
	"honestmeasure/internal/workdays"
)

// Password is the password of every demo login. It is printed in the log:
// demo data must never be loaded into a production database.
const Password = "demo-pass-2026"

// Login is one demo account to print.
type Login struct {
	Role  model.Role
	Login string
	Note  string
}

// Tracked is a demo report a visitor can look up on /track.
type Tracked struct {
	TrackingNo string
	AccessCode string
	Status     model.CaseStatus
}

// Result says what was loaded.
type Result struct {
	Logins  []Login
	Reports []Tracked
	Units   int
}

// ErrNotEmpty is returned when the database already holds units or users.
var ErrNotEmpty = errors.New("database is not empty")

// UnitsPerDistrict is how many units each district gets.
const UnitsPerDistrict = 5

var roads = map[string][]string{
	"320402": {"延陵西路", "青洋北路", "红梅南路", "北直街", "劳动东路"},
	"320404": {"南大街", "西林路", "怀德南路", "清潭路", "广化街"},
	"320411": {"太湖东路", "通江中路", "龙锦路", "汉江路", "河海东路"},
	"320412": {"人民中路", "延政中路", "花园街", "常武中路", "湖塘大道"},
	"320413": {"金城路", "东门大街", "华城路", "南环一路", "西门大街"},
	"320481": {"燕山路", "平陵东路", "天目湖大道", "罗湾路", "昆仑北路"},
}

var fallbackRoads = []string{"横林大道", "遥观路", "戚大街", "潞城路", "丁堰路"}

// businessCycle gives every district a mix of business types.
var businessCycle = []model.BusinessType{
	model.BusinessMarketStall, model.BusinessSupermarket, model.BusinessFuelStation, model.BusinessOpticalShop,
	model.BusinessPharmacy, model.BusinessClinic, model.BusinessRestaurant, model.BusinessShoppingMall,
	model.BusinessMarketStall, model.BusinessOther,
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡"}

func unitName(bt model.BusinessType, road string, n int) string {
	switch bt {
	case model.BusinessMarketStall:
		return fmt.Sprintf("%s农贸市场%d号摊位%s记鲜货", road, 3+n, surnames[n%len(surnames)])
	case model.BusinessSupermarket:
		return fmt.Sprintf("惠民超市（%s店）", road)
	case model.BusinessFuelStation:
		return fmt.Sprintf("%s加油站", road)
	case model.BusinessOpticalShop:
		return fmt.Sprintf("明亮眼镜（%s店）", road)
	case model.BusinessPharmacy:
		return fmt.Sprintf("康泰大药房（%s店）", road)
	case model.BusinessClinic:
		return fmt.Sprintf("%s社区卫生服务站", road)
	case model.BusinessRestaurant:
		return fmt.Sprintf("%s老味道饭店", road)
	case model.BusinessShoppingMall:
		return fmt.Sprintf("%s购物中心", road)
	default:
		return fmt.Sprintf("%s%s记干货行", road, surnames[(n+3)%len(surnames)])
	}
}

// instrumentsFor lists the instrument types a business of bt typically uses.
func instrumentsFor(bt model.BusinessType, n int) []string {
	switch bt {
	case model.BusinessMarketStall:
		return []string{"price_scale", "price_scale"}
	case model.BusinessSupermarket:
		return []string{"price_scale", "price_scale", "price_scale", "platform_scale", "price_scale"}
	case model.BusinessFuelStation:
		out := []string{"fuel_dispenser", "fuel_dispenser", "fuel_dispenser", "fuel_dispenser"}
		if n%2 == 0 {
			out = append(out, "gas_dispenser")
		}
		return out
	case model.BusinessOpticalShop:
		return []string{"refractometer", "lensmeter", "trial_lens_set"}
	case model.BusinessPharmacy:
		return []string{"price_scale", "blood_pressure_meter"}
	case model.BusinessClinic:
		return []string{"blood_pressure_meter", "blood_pressure_meter", "platform_scale"}
	case model.BusinessRestaurant:
		return []string{"platform_scale", "price_scale"}
	case model.BusinessShoppingMall:
		return []string{"price_scale", "price_scale", "price_scale"}
	default:
		return []string{"dial_scale", "price_scale"}
	}
}

func locationFor(code string, i int) string {
	switch code {
	case "fuel_dispenser", "gas_dispenser":
		return fmt.Sprintf("%d号加油岛", i+1)
	case "refractometer", "lensmeter", "trial_lens_set":
		return "验光室"
	case "blood_pressure_meter":
		return fmt.Sprintf("诊室%d", i+1)
	default:
		return fmt.Sprintf("收银台%d", i+1)
	}
}

// statePattern spreads verification states so most instruments are valid
// and every other state appears in every district.
var statePattern = []model.VerificationState{
	model.StateValid, model.StateValid, model.StateExpiring, model.StateValid, model.StateExpired,
	model.StateValid, model.StateFailed, model.StateValid, model.StateNeverChecked, model.StateValid,
}

type loader struct {
	st       *storage.Store
	ref      *reference.Data
	secret   []byte
	now      time.Time
	today    time.Time
	rng      *mrand.Rand
	cal      *workdays.Calendar
	types    map[string]model.InstrumentType
	body     *model.VerificationBody
	pledge   *model.PledgeText
	certSeq  int
	stateSeq int
	staff    map[string]*model.User
	audit    *audit.Log
}

// Load fills an empty database. secret hashes the demo reports' access
// codes; now anchors every date so verification states come out as intended.
func Load(ctx context.Context, st *storage.Store, ref *reference.Data, secret []byte, log *audit.Log, now time.Time) (*Result, error) {
	users, err := st.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	units, err := st.CountUnits(ctx)
	if err != nil {
		return nil, err
	}
	if users > 0 || units > 0 {
		return nil, ErrNotEmpty
	}
	var res *Result
	err = st.Tx(ctx, func(tx *storage.Store) error {
		l := &loader{st: tx, ref: ref, secret: secret, audit: log, now: now.UTC(), today: model.DateOf(now),
			rng: mrand.New(mrand.NewPCG(2026, 320400)), staff: map[string]*model.User{}}
		var err error
		res, err = l.run(ctx)
		return err
	})
	return res, err
}

func (l *loader) run(ctx context.Context) (*Result, error) {
	res := &Result{}
	if err := l.prepare(ctx); err != nil {
		return nil, err
	}
	logins, err := l.accounts(ctx)
	if err != nil {
		return nil, err
	}
	res.Logins = logins
	// Owners other than the demo merchant never log in: they share one hash of
	// a random password nobody knows.
	ownerHash, err := accounts.HashPassword(randomHex(16))
	if err != nil {
		return nil, err
	}
	districts, err := l.st.Districts(ctx)
	if err != nil {
		return nil, err
	}
	var made []*model.Unit
	k := 0
	for di, d := range districts {
		rs := roads[d.Code]
		if rs == nil {
			rs = fallbackRoads
		}
		for j := 0; j < UnitsPerDistrict; j++ {
			owner := l.staff["merchant"]
			if k > 2 {
				owner = &model.User{Login: fmt.Sprintf("139%08d", 10000+k), Phone: fmt.Sprintf("139%08d", 10000+k),
					DisplayName: surnames[k%len(surnames)] + "经理", PasswordHash: ownerHash, Role: model.RoleMerchant}
				if err := l.st.CreateUser(ctx, owner); err != nil {
					return nil, err
				}
			}
			bt := businessCycle[(di*UnitsPerDistrict+j)%len(businessCycle)]
			if k == 0 {
				bt = model.BusinessSupermarket // the demo merchant's shop shows every state
			}
			u, err := l.unit(ctx, k, d, bt, rs[j%len(rs)], owner)
			if err != nil {
				return nil, err
			}
			made = append(made, u)
			k++
		}
	}
	res.Units = len(made)
	tracked, err := l.reports(ctx, made)
	if err != nil {
		return nil, err
	}
	res.Reports = tracked
	if err := l.spotChecks(ctx); err != nil {
		return nil, fmt.Errorf("demo spot checks: %w", err)
	}
	return res, nil
}

// spotChecks makes the first district's bureau's spot check of the year
// (the demo city is small: every unit in its pool, at the base ratio):
// a check item, a plan, one draw made and, of its inspections, one
// recorded and published and one recorded and waiting, through the same
// service staff use.
func (l *loader) spotChecks(ctx context.Context) error {
	svc := &spotcheck.Service{Store: l.st, Audit: l.audit, Now: func() time.Time { return l.now }}
	admin, sup := audit.Actor{User: l.staff["admin"], IP: "127.0.0.1"}, audit.Actor{User: l.staff["supervisor"], IP: "127.0.0.1"}
	it, err := svc.SaveItem(ctx, admin, 0, spotcheck.ItemForm{Code: "JL-MARKET", NameZh: "集贸市场计量器具检查", NameEn: "Market measuring instruments",
		Basis: "《中华人民共和国计量法》第九条；《集贸市场计量监督管理办法》", Subject: "集贸市场内使用计量器具的经营者",
		Content: "用于贸易结算的计价秤已经检定并在有效期内\n计量器具无作弊装置、铅封完好\n抽测称量误差不超过最大允许误差", Method: "现场检查，用标准砝码抽测", Active: true})
	if err != nil {
		return err
	}
	p := spotcheck.DefaultPlan
	plan, err := svc.CreatePlan(ctx, sup, spotcheck.PlanForm{ItemID: strconv.FormatInt(it.ID, 10), Year: strconv.Itoa(l.now.In(model.Zone).Year()),
		Base: "1000", A: strconv.Itoa(p.ClassAPermille), B: strconv.Itoa(p.ClassBPermille), C: strconv.Itoa(p.ClassCPermille),
		D: strconv.Itoa(p.ClassDPermille), DueDays: strconv.Itoa(p.DueWorkingDays)})
	if err != nil {
		return err
	}
	d, err := svc.Announce(ctx, sup, plan.ID, "中国福利彩票双色球第2026139期开奖号码", 0)
	if err != nil {
		return err
	}
	if d, err = svc.Draw(ctx, sup, d.ID, "03 11 17 22 28 31 + 09"); err != nil {
		return err
	}
	tasks, err := l.st.Inspections(ctx, storage.InspectionFilter{DrawID: d.ID, Limit: 100})
	if err != nil {
		return err
	}
	today := l.now.In(model.Zone).Format(time.DateOnly)
	for i, task := range tasks {
		if i > 1 {
			break
		}
		outcome := model.FindingPass
		if i == 1 {
			outcome = model.FindingFail
		}
		if _, err := svc.Record(ctx, sup, task.ID, spotcheck.ResultForm{CheckedOn: today, Findings: []spotcheck.FindingForm{
			{Outcome: model.FindingPass}, {Outcome: outcome, Note: "铅封缺失"}, {Outcome: model.FindingPass, Measured: "5 kg 砝码示值 5.000 kg"}}}); err != nil {
			return err
		}
		if i == 0 {
			if err := svc.Publish(ctx, sup, task.ID, "抽查计价秤均已检定，铅封完好，抽测合格。", nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *loader) prepare(ctx context.Context) error {
	types, err := l.st.InstrumentTypes(ctx)
	if err != nil {
		return err
	}
	l.types = map[string]model.InstrumentType{}
	for _, t := range types {
		l.types[t.Code] = t
	}
	if len(l.ref.VerificationBodies) > 0 {
		if l.body, err = l.st.VerificationBodyByCode(ctx, l.ref.VerificationBodies[0].Code); err != nil {
			return err
		}
	}
	if l.pledge, err = l.st.CurrentPledgeText(ctx); err != nil {
		return fmt.Errorf("no pledge text: %w", err)
	}
	hol, err := l.st.Holidays(ctx)
	if err != nil {
		return err
	}
	l.cal = workdays.New(hol)
	return nil
}

func (l *loader) accounts(ctx context.Context) ([]Login, error) {
	agencyOf := func(code string) (*int64, error) {
		a, err := l.st.AgencyByCode(ctx, code)
		if err != nil {
			return nil, fmt.Errorf("demo needs agency %s: %w", code, err)
		}
		return &a.ID, nil
	}
	firstDistrictAgency := l.ref.Districts[0].DefaultAgency
	secondDistrictAgency := l.ref.Districts[1%len(l.ref.Districts)].DefaultAgency
	var detachment string
	for _, a := range l.ref.Agencies {
		if a.Kind == model.AgencyCityDetachment {
			detachment = a.Code
		}
	}
	type spec struct {
		key, login, name string
		role             model.Role
		agency           string
		note             string
	}
	specs := []spec{
		{"merchant", "13900000001", "王老板", model.RoleMerchant, "", "owns 3 units: approved, draft, returned"},
		{"officer", "officer@demo.local", "李警官", model.RoleOfficer, firstDistrictAgency, l.ref.Districts[0].NameEn + " bureau"},
		{"officer2", "officer2@demo.local", "赵警官", model.RoleOfficer, secondDistrictAgency, l.ref.Districts[1%len(l.ref.Districts)].NameEn + " bureau"},
		{"supervisor", "supervisor@demo.local", "陈科长", model.RoleSupervisor, firstDistrictAgency, l.ref.Districts[0].NameEn + " bureau"},
		{"admin", "admin@demo.local", "市局管理员", model.RoleCityAdmin, "", "city administrator"},
	}
	if detachment != "" {
		specs = append(specs, spec{"detachment", "detachment@demo.local", "周队长", model.RoleOfficer, detachment, "city enforcement detachment"})
	}
	var out []Login
	for _, s := range specs {
		var agency *int64
		if s.agency != "" {
			var err error
			if agency, err = agencyOf(s.agency); err != nil {
				return nil, err
			}
		}
		u, err := accounts.NewUser(s.login, Password, s.name, s.role, agency, nil)
		if err != nil {
			return nil, err
		}
		if err := l.st.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		l.staff[s.key] = u
		out = append(out, Login{Role: s.role, Login: u.Login, Note: s.note})
	}
	if l.body != nil {
		u, err := accounts.NewUser("metrology@demo.local", Password, "检定所", model.RoleVerificationBody, nil, &l.body.ID)
		if err != nil {
			return nil, err
		}
		if err := l.st.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		out = append(out, Login{Role: u.Role, Login: u.Login, Note: l.body.NameEn})
	}
	return out, nil
}

// statusFor picks the demo status of the k-th unit: most are published; a
// few show every other stage of the programme.
func statusFor(k int) (model.UnitStatus, string) {
	switch k {
	case 1:
		return model.UnitDraft, ""
	case 2:
		return model.UnitReturned, "营业执照地址与申请地址不一致，请核对后重新提交。"
	case 3, 8:
		return model.UnitSubmitted, ""
	case 12:
		return model.UnitSuspended, "执法检查发现计价秤铅封破损，暂停示范资格。"
	case 16:
		return model.UnitRevoked, "使用作弊器具，撤销示范资格。"
	case 20:
		return model.UnitExpired, "承诺书已过有效期，未续签。"
	}
	return model.UnitApproved, ""
}

func (l *loader) unit(ctx context.Context, k int, d model.District, bt model.BusinessType, road string, owner *model.User) (*model.Unit, error) {
	status, reason := statusFor(k)
	division := d.Code
	if len(division) != 6 || strings.Trim(division, "0123456789") != "" {
		division = l.ref.City.Code // a zone without a national code registers under the city
	}
	// 92 = individually-owned business registered with market regulation.
	body := "92" + division + fmt.Sprintf("%09d", 100000000+l.rng.IntN(800000000))
	check, _ := uscc.CheckChar(body)
	created := l.now.AddDate(0, -(3 + l.rng.IntN(18)), -l.rng.IntN(28))
	u := &model.Unit{
		OwnerUserID: owner.ID, Name: unitName(bt, road, k), USCC: body + string(check), BusinessType: bt,
		Address: fmt.Sprintf("常州市%s%s%d号", d.NameZh, road, 1+l.rng.IntN(300)), DistrictID: d.ID,
		ContactName: surnames[k%len(surnames)] + "先生", ContactPhone: fmt.Sprintf("1391234%04d", k),
		OpeningHours: "07:00–20:00", Status: status, StatusReason: reason, CreatedAt: created,
	}
	if status != model.UnitDraft {
		t := created.AddDate(0, 0, 2)
		u.SubmittedAt = &t
	}
	reviewed := status != model.UnitDraft && status != model.UnitSubmitted
	if reviewed {
		officer := l.staff["officer"].ID
		u.ReviewedBy = &officer
		if status != model.UnitReturned {
			t := created.AddDate(0, 0, 9)
			u.ApprovedAt = &t
		}
	}
	if err := l.st.CreateUnit(ctx, u); err != nil {
		return nil, fmt.Errorf("demo unit %s: %w", u.Name, err)
	}
	if err := l.history(ctx, u); err != nil {
		return nil, err
	}
	if status != model.UnitDraft {
		signed := created.AddDate(0, 0, 1)
		if status == model.UnitExpired {
			signed = l.now.AddDate(0, -(l.pledge.ValidMonths + 1), 0)
		}
		p := &model.Pledge{UnitID: u.ID, PledgeTextID: l.pledge.ID, SignerName: u.ContactName, SignerTitle: "负责人",
			SignerUserID: &owner.ID, SignerIP: "127.0.0.1", TextSHA256: l.pledge.SHA256, SignedAt: signed,
			ValidUntil: signed.AddDate(0, l.pledge.ValidMonths, 0)}
		if err := l.st.CreatePledge(ctx, p); err != nil {
			return nil, err
		}
	}
	codes := instrumentsFor(bt, k)
	published := u.ApprovedAt != nil
	if published {
		if _, err := l.st.IssueQRToken(ctx, model.QRUnit, u.ID, &owner.ID); err != nil {
			return nil, err
		}
	}
	for i, code := range codes {
		state := statePattern[l.stateSeq%len(statePattern)]
		l.stateSeq++
		if k == 0 {
			state = []model.VerificationState{model.StateValid, model.StateExpiring, model.StateExpired, model.StateFailed, model.StateNeverChecked}[i%5]
		}
		in, err := l.instrument(ctx, u, code, i, state)
		if err != nil {
			return nil, err
		}
		if published {
			if _, err := l.st.IssueQRToken(ctx, model.QRInstrument, in.ID, &owner.ID); err != nil {
				return nil, err
			}
			if k == 0 && i == 0 {
				// A reprinted label: version 1 now says "replaced".
				if _, err := l.st.IssueQRToken(ctx, model.QRInstrument, in.ID, &owner.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	if published && k%4 == 0 {
		result, summary := "pass", "抽查计价秤2台，示值误差均在允许范围内。"
		if status == model.UnitSuspended {
			result, summary = "fail", "抽查发现1台计价秤铅封破损，已责令停用。"
		}
		sc := &model.SpotCheck{UnitID: u.ID, AgencyID: d.DefaultAgencyID, CheckedOn: l.today.AddDate(0, 0, -20-k),
			Result: result, Summary: summary, Published: true}
		if err := l.st.CreateSpotCheck(ctx, sc); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// history records the status changes that led to the unit's status.
func (l *loader) history(ctx context.Context, u *model.Unit) error {
	officer := l.staff["officer"].ID
	steps := []model.UnitEvent{}
	if u.SubmittedAt != nil {
		steps = append(steps, model.UnitEvent{FromStatus: model.UnitDraft, ToStatus: model.UnitSubmitted, ActorUserID: &u.OwnerUserID, CreatedAt: *u.SubmittedAt})
	}
	switch u.Status {
	case model.UnitReturned:
		steps = append(steps, model.UnitEvent{FromStatus: model.UnitSubmitted, ToStatus: model.UnitReturned, ActorUserID: &officer, Reason: u.StatusReason, CreatedAt: u.SubmittedAt.AddDate(0, 0, 3)})
	case model.UnitApproved, model.UnitSuspended, model.UnitRevoked, model.UnitExpired:
		steps = append(steps, model.UnitEvent{FromStatus: model.UnitSubmitted, ToStatus: model.UnitApproved, ActorUserID: &officer, CreatedAt: *u.ApprovedAt})
		if u.Status != model.UnitApproved {
			steps = append(steps, model.UnitEvent{FromStatus: model.UnitApproved, ToStatus: u.Status, ActorUserID: &officer, Reason: u.StatusReason, CreatedAt: l.now.AddDate(0, 0, -7)})
		}
	}
	for i := range steps {
		steps[i].UnitID = u.ID
		if err := l.st.AddUnitEvent(ctx, &steps[i]); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) instrument(ctx context.Context, u *model.Unit, code string, i int, state model.VerificationState) (*model.Instrument, error) {
	typ, ok := l.types[code]
	if !ok {
		return nil, fmt.Errorf("demo needs instrument type %q in the catalogue", code)
	}
	makers := []string{"上海友声衡器", "常州华德衡器", "正星科技", "托肯恒山", "欧姆龙", "拓普康"}
	in := &model.Instrument{UnitID: u.ID, TypeID: typ.ID, Model: fmt.Sprintf("%s-%d", strings.ToUpper(code[:2]), 10+i*5),
		Maker: makers[(int(u.ID)+i)%len(makers)], SerialNo: fmt.Sprintf("SN%05d%02d", u.ID, i+1), Location: locationFor(code, i)}
	if err := l.st.CreateInstrument(ctx, in); err != nil {
		return nil, err
	}
	if state == model.StateNeverChecked {
		return in, nil
	}
	cycle := typ.CycleMonths
	if cycle == 0 {
		cycle = 12
	}
	var verified time.Time
	result := model.ResultPass
	switch state {
	case model.StateValid:
		verified = l.today.AddDate(0, 0, -(30 + l.rng.IntN(240)))
	case model.StateExpiring:
		verified = l.today.AddDate(0, -cycle, 5+l.rng.IntN(20))
	case model.StateExpired:
		verified = l.today.AddDate(0, -cycle, -(5 + l.rng.IntN(120)))
	case model.StateFailed:
		verified = l.today.AddDate(0, 0, -(3 + l.rng.IntN(40)))
		result = model.ResultFail
	}
	l.certSeq++
	rec := &model.VerificationRecord{InstrumentID: &in.ID, CertificateNo: fmt.Sprintf("JD%d-%06d", verified.Year(), 100000+l.certSeq),
		VerifiedOn: verified, Result: result, Source: model.SourceDeclared}
	if l.body != nil {
		rec.BodyName = l.body.NameZh
		if l.certSeq%2 == 0 {
			rec.Source = model.SourceConfirmed
			rec.VerificationBodyID = &l.body.ID
			rec.InstrumentSerial, rec.InstrumentModel, rec.InstrumentMaker = in.SerialNo, in.Model, in.Maker
			if result == model.ResultFail {
				rec.Kind = model.KindFailNotice
			}
		}
	}
	if result == model.ResultPass {
		until := verified.AddDate(0, cycle, -1)
		rec.ValidUntil = &until
	}
	if err := l.st.AddVerification(ctx, rec); err != nil {
		return nil, err
	}
	return in, nil
}

type reportSpec struct {
	unit      int // index into the made units; -1 for a report without a unit
	kind      model.ReportKind
	category  model.Category
	status    model.CaseStatus
	daysAgo   int
	anonymous bool
	text      string
}

func (l *loader) reports(ctx context.Context, units []*model.Unit) ([]Tracked, error) {
	fuel := -1
	for i, u := range units {
		if u.BusinessType == model.BusinessFuelStation && u.Status == model.UnitApproved {
			fuel = i
			break
		}
	}
	specs := []reportSpec{
		{5, model.KindTip, model.CategoryShortWeight, model.CaseNew, 1, true, "买了两斤排骨，回家用自家秤称只有一斤七两。"},
		{0, model.KindComplaint, model.CategoryShortWeight, model.CaseNew, 4, false, "购买的苹果标称2.5公斤，复称只有2.2公斤，要求退还差价。"},
		{13, model.KindTip, model.CategoryUnverified, model.CaseOpened, 20, false, "店里的电子秤没有检定标志，检定证书已经过期。"},
		{9, model.KindComplaint, model.CategoryShortWeight, model.CaseAccepted, 6, false, "称重时秤盘上压着塑料盒，没有去皮。"},
		{12, model.KindTip, model.CategoryTampered, model.CaseConcluded, 40, false, "摊位计价秤铅封破损，怀疑被改装。"},
		{-1, model.KindTip, model.CategoryCounterfeitQR, model.CaseNoCase, 12, true, "菜场门口贴的二维码扫出来不是官方页面。"},
	}
	if fuel >= 0 {
		specs = append(specs, reportSpec{fuel, model.KindTip, model.CategoryCheatingDevice, model.CaseVerifying, 2, false, "加油机显示加了40升，但油箱只进去了约36升，怀疑有作弊装置。"})
	}
	var out []Tracked
	for i, s := range specs {
		t, err := l.report(ctx, i, s, units)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (l *loader) report(ctx context.Context, i int, s reportSpec, units []*model.Unit) (Tracked, error) {
	received := l.now.AddDate(0, 0, -s.daysAgo).Add(-time.Duration(i) * time.Hour)
	key := reports.NewKey()
	tracking, code := reports.NewTrackingNumber(), reports.AccessCodeFor(l.secret, key)
	r := &model.Report{TrackingNo: tracking, AccessCodeHash: reports.HashAccessCode(l.secret, tracking, code), IdempotencyKey: &key, Kind: s.kind,
		Category: s.category, Description: s.text, Anonymous: s.anonymous, Locale: "zh-CN", CreatedAt: received}
	incident := received.Add(-3 * time.Hour)
	r.IncidentAt = &incident
	var district model.District
	districts, err := l.st.Districts(ctx)
	if err != nil {
		return Tracked{}, err
	}
	if s.unit >= 0 {
		u := units[s.unit%len(units)]
		r.UnitID, r.DistrictID, r.BusinessName, r.BusinessAddress = &u.ID, u.DistrictID, u.Name, u.Address
	} else {
		last := districts[len(districts)-1]
		r.DistrictID, r.BusinessName, r.BusinessAddress = last.ID, "经开区某农贸市场", "遥观镇市场入口"
	}
	for _, d := range districts {
		if d.ID == r.DistrictID {
			district = d
		}
	}
	if s.kind == model.KindComplaint {
		r.ReporterName, r.ReporterPhone, r.ReporterAddress = "刘女士", "13700001234", "常州市天宁区青洋北路88号"
		r.Request = "退还差价并赔礼道歉。"
		amount := int64(1850)
		r.AmountCents = &amount
	} else if !s.anonymous {
		r.ReporterName, r.ReporterPhone, r.ReporterEmail = "孙先生", "13600005678", "sun@example.com"
	}
	if err := l.st.CreateReport(ctx, r, nil); err != nil {
		return Tracked{}, err
	}

	agency := *district.DefaultAgencyID
	priority := model.PriorityNormal
	reason := "district default agency"
	if s.category == model.CategoryCheatingDevice {
		priority = model.PriorityUrgent
		if a, err := l.st.AgencyByCode(ctx, detachmentCode(l.ref)); err == nil {
			agency, reason = a.ID, "rule: cheating device at a fuel station"
		}
	}
	received0 := cases.Received(s.kind, received, l.cal)
	c := &received0
	c.ReportID, c.AgencyID, c.Category, c.DistrictID = r.ID, agency, s.category, r.DistrictID
	c.Priority, c.RoutingReason = priority, reason
	events := []model.CaseEvent{{Kind: "received", ToStatus: model.CaseNew, Public: true, CreatedAt: received}}
	decided := received.AddDate(0, 0, 2)
	officer := l.staff["officer"].ID
	// step moves the case as an officer would, with the service's clock
	// rules (cases.Enter), and writes the timeline entry.
	step := func(kind string, to model.CaseStatus, body string, at time.Time) {
		from := c.Status
		cases.Enter(c, to, at, l.cal)
		b := body
		events = append(events, model.CaseEvent{Kind: kind, FromStatus: from, ToStatus: to, Public: true, Body: &b, ActorUserID: &officer, CreatedAt: at})
	}
	c.Status = model.CaseNew
	switch s.status {
	case model.CaseVerifying:
		step("verify", model.CaseVerifying, "正在核查举报线索。", decided)
	case model.CaseAccepted:
		step("accept", model.CaseAccepted, "投诉已受理，将组织调解。", decided)
	case model.CaseOpened:
		step("verify", model.CaseVerifying, "正在核查举报线索。", received.AddDate(0, 0, 1))
		step("open_case", model.CaseOpened, "经核查，已立案调查。", decided)
	case model.CaseNoCase:
		step("no_case", model.CaseNoCase, "现场核查未发现举报所述二维码，线索不足，不予立案。", decided)
	case model.CaseConcluded:
		concluded := received.AddDate(0, 0, 30)
		c.Outcome, c.UnitMeasure, c.InstrumentMeasure = cases.OutcomeSubstantiated, cases.UnitMeasureSuspended, cases.InstrumentMeasureSealed
		fine := int64(500000)
		c.FineCents = &fine
		reply := "经查，举报属实。已对涉事计价秤予以封存，罚款5000元，并暂停该单位诚信计量示范资格。感谢您的监督。"
		c.PublicReply = &reply
		// What the public reads, apart from the reply to the reporter.
		c.PublicNotice = "经查，涉事计价秤计量失准，已封存并暂停该单位诚信计量示范资格。"
		step("open_case", model.CaseOpened, "经核查，已立案调查。", decided)
		step("conclude", model.CaseConcluded, reply, concluded)
	}
	if err := l.st.CreateCase(ctx, c); err != nil {
		return Tracked{}, err
	}
	for j := range events {
		events[j].CaseID = c.ID
		events[j].AgencyID = &c.AgencyID
		if err := l.st.AddCaseEvent(ctx, &events[j]); err != nil {
			return Tracked{}, err
		}
	}
	return Tracked{TrackingNo: tracking, AccessCode: code, Status: s.status}, nil
}

func detachmentCode(ref *reference.Data) string {
	for _, a := range ref.Agencies {
		if a.Kind == model.AgencyCityDetachment {
			return a.Code
		}
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
