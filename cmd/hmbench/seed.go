package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/routing"
	"honestmeasure/internal/uscc"
	"honestmeasure/internal/workdays"
)

// The city's size (issue 6 §2); -units changes it (the risk classification
// of issue 14 is measured over 20,000 units).
const (
	cityUnits = 2000
	// Instruments: the business mix below gives 9 per unit on average, and
	// every unit one more, so every 10 units hold exactly 100 (2,000 units
	// 20,000).
	instrumentsPerUnit = 10
)

// The queue is measured as an officer of the bureau of the biggest
// district: the longest queue in the city.
const (
	benchAgencyCode = "cz-wujin"
	benchPassword   = "hmbench-pass-2026"
)

// officerLogin is the account the queue phases sign in with.
func officerLogin(agencyCode string) string { return "officer1-" + agencyCode + "@bench.local" }

// businessMix spreads the business types over the units, and instrumentsOf
// says what each type has on its counter: a market stall two price scales,
// a shopping mall thirty.
var businessMix = []model.BusinessType{
	model.BusinessMarketStall, model.BusinessSupermarket, model.BusinessFuelStation, model.BusinessOpticalShop,
	model.BusinessPharmacy, model.BusinessClinic, model.BusinessRestaurant, model.BusinessShoppingMall,
	model.BusinessMarketStall, model.BusinessOther,
}

var instrumentsOf = map[model.BusinessType][]string{
	model.BusinessMarketStall:  {"price_scale", "price_scale", "dial_scale"},
	model.BusinessSupermarket:  repeat(24, "price_scale", "price_scale", "price_scale", "platform_scale"),
	model.BusinessFuelStation:  repeat(12, "fuel_dispenser", "fuel_dispenser", "fuel_dispenser", "gas_dispenser"),
	model.BusinessOpticalShop:  {"refractometer", "lensmeter", "trial_lens_set", "lensmeter"},
	model.BusinessPharmacy:     {"price_scale", "blood_pressure_meter", "blood_pressure_meter"},
	model.BusinessClinic:       {"blood_pressure_meter", "blood_pressure_meter", "platform_scale", "blood_pressure_meter", "other"},
	model.BusinessRestaurant:   {"platform_scale", "price_scale", "price_scale"},
	model.BusinessShoppingMall: repeat(30, "price_scale", "price_scale", "platform_scale", "price_scale", "dial_scale"),
	model.BusinessOther:        {"dial_scale", "price_scale", "platform_scale"},
}

func repeat(n int, pattern ...string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = pattern[i%len(pattern)]
	}
	return out
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林"}
	roads    = []string{"延陵西路", "青洋北路", "红梅南路", "北直街", "劳动东路", "南大街", "西林路", "怀德南路", "清潭路",
		"广化街", "太湖东路", "通江中路", "龙锦路", "汉江路", "河海东路", "人民中路", "延政中路", "花园街", "常武中路",
		"湖塘大道", "金城路", "东门大街", "华城路", "南环一路", "燕山路", "平陵东路", "天目湖大道", "横林大道", "遥观路"}
	makers = []string{"上海友声衡器", "常州华德衡器", "正星科技", "托肯恒山", "欧姆龙", "拓普康", "梅特勒-托利多", "大华电子秤"}
)

func unitName(bt model.BusinessType, road string, n int, rng *mrand.Rand) string {
	who := surnames[rng.IntN(len(surnames))]
	switch bt {
	case model.BusinessMarketStall:
		return fmt.Sprintf("%s农贸市场%d号摊位%s记鲜货", road, 1+n%80, who)
	case model.BusinessSupermarket:
		return fmt.Sprintf("惠民超市（%s%d号店）", road, 1+n%40)
	case model.BusinessFuelStation:
		return fmt.Sprintf("%s加油站（%d号）", road, 1+n%9)
	case model.BusinessOpticalShop:
		return fmt.Sprintf("明亮眼镜（%s店）", road)
	case model.BusinessPharmacy:
		return fmt.Sprintf("康泰大药房（%s%d号店）", road, 1+n%20)
	case model.BusinessClinic:
		return fmt.Sprintf("%s社区卫生服务站", road)
	case model.BusinessRestaurant:
		return fmt.Sprintf("%s%s家老味道饭店", road, who)
	case model.BusinessShoppingMall:
		return fmt.Sprintf("%s购物中心", road)
	}
	return fmt.Sprintf("%s%s记干货行", road, who)
}

func locationFor(code string, i int) string {
	switch code {
	case "fuel_dispenser", "gas_dispenser":
		return fmt.Sprintf("%d号加油岛", i/2+1)
	case "refractometer", "lensmeter", "trial_lens_set":
		return "验光室"
	case "blood_pressure_meter":
		return fmt.Sprintf("诊室%d", i+1)
	}
	return fmt.Sprintf("收银台%d", i+1)
}

// insertAll stores rows in multi-row INSERTs of at most budget bound
// parameters each (GORM fills in the new IDs).
func insertAll[T any](tx *gorm.DB, rows []T, budget int) error {
	if len(rows) == 0 {
		return nil
	}
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(new(T)); err != nil {
		return err
	}
	return tx.CreateInBatches(&rows, max(1, budget/len(stmt.Schema.DBNames))).Error
}

// bigCache gives the seeding connection a page cache that holds the
// indexes being filled (SQLite's default 2 MB makes every insert into a
// random-keyed index, tracking numbers or idempotency keys, a read and a
// spilled write) and keeps the statement journals of multi-row INSERTs in
// memory instead of temporary files. The servers keep their own settings.
func (b *bench) bigCache(tx *gorm.DB) error {
	if b.o.driver != "sqlite" {
		return nil
	}
	// A connection that already opened its temporary database (the
	// schema-8 migration's copy of verification_records sorts there) cannot
	// switch it inside a transaction; it keeps the default, which is only
	// slower.
	if err := tx.Exec("PRAGMA temp_store = MEMORY").Error; err != nil && !strings.Contains(err.Error(), "temporary storage cannot be changed") {
		return err
	}
	return tx.Exec("PRAGMA cache_size = -524288").Error // 512 MB
}

// paramBudget is how many bound parameters one INSERT carries. MySQL takes
// big statements best (one round trip each, at most 65,535 parameters). On
// SQLite 300 was chosen when the driver (glebarez/go-sqlite) bound each
// parameter by scanning the whole argument list, so a statement's cost grew
// with the square of its parameters; modernc.org/sqlite v1.62 binds in linear
// time, but the budget stays so seeding figures compare across the change.
func (b *bench) paramBudget() int {
	if b.o.driver == "mysql" {
		return 20000
	}
	return 300
}

// ensureCity seeds the units, instruments, codes and staff once.
func (b *bench) ensureCity(ctx context.Context) error {
	units, err := b.st.CountUnits(ctx)
	if err != nil || units > 0 {
		return err
	}
	started := time.Now()
	b.progress.say("seeding the city: %d units, %d instruments", b.o.units, b.o.units*instrumentsPerUnit)
	err = b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := b.bigCache(tx); err != nil {
			return err
		}
		return b.seedCity(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("seeding the city: %w", err)
	}
	b.progress.say("city seeded in %s", time.Since(started).Round(time.Millisecond))
	return nil
}

func (b *bench) seedCity(ctx context.Context, tx *gorm.DB) error {
	budget := b.paramBudget()
	now := time.Now().UTC()
	today := model.DateOf(now)
	rng := mrand.New(mrand.NewPCG(2026, 320400))
	types, err := b.st.InstrumentTypes(ctx)
	if err != nil {
		return err
	}
	typeID := map[string]model.InstrumentType{}
	for _, t := range types {
		typeID[t.Code] = t
	}
	districts, err := b.st.Districts(ctx)
	if err != nil {
		return err
	}
	agencies, err := b.st.Agencies(ctx)
	if err != nil {
		return err
	}
	body, err := b.st.VerificationBodyByCode(ctx, b.ref.VerificationBodies[0].Code)
	if err != nil {
		return err
	}
	pledge, err := b.st.CurrentPledgeText(ctx)
	if err != nil {
		return err
	}

	// Staff: four officers and a supervisor in every agency, who can sign in
	// with benchPassword. Owners share one hash of a password nobody knows.
	staffHash, err := accounts.HashPassword(benchPassword)
	if err != nil {
		return err
	}
	ownerHash, err := accounts.HashPassword(reports.NewKey())
	if err != nil {
		return err
	}
	var staff []model.User
	for _, a := range agencies {
		for i := 1; i <= 5; i++ {
			role, login := model.RoleOfficer, fmt.Sprintf("officer%d-%s@bench.local", i, a.Code)
			if i == 5 {
				role, login = model.RoleSupervisor, "supervisor-"+a.Code+"@bench.local"
			}
			id := a.ID
			staff = append(staff, model.User{Login: login, Email: login, DisplayName: surnames[i] + "警官", PasswordHash: staffHash,
				Role: role, AgencyID: &id, Locale: "zh-CN", CreatedAt: now, UpdatedAt: now})
		}
	}
	if err := insertAll(tx, staff, budget); err != nil {
		return err
	}
	reviewer := staff[0].ID
	owners := make([]model.User, b.o.units)
	for k := range owners {
		phone := fmt.Sprintf("139%08d", 10000000+k)
		owners[k] = model.User{Login: phone, Phone: phone, DisplayName: surnames[k%len(surnames)] + "经理", PasswordHash: ownerHash,
			Role: model.RoleMerchant, Locale: "zh-CN", CreatedAt: now, UpdatedAt: now}
	}
	if err := insertAll(tx, owners, budget); err != nil {
		return err
	}

	// Units, shared out over the districts by their targets.
	share := shareOut(b.o.units, districts)
	units := make([]model.Unit, 0, b.o.units)
	for di, d := range districts {
		division := d.Code
		if len(division) != 6 || strings.Trim(division, "0123456789") != "" {
			division = b.ref.City.Code
		}
		for j := 0; j < share[di]; j++ {
			k := len(units)
			bt := businessMix[k%len(businessMix)]
			road := roads[rng.IntN(len(roads))]
			code := "92" + division + fmt.Sprintf("%09d", 100000000+k*7919)
			check, _ := uscc.CheckChar(code)
			code += string(check)
			created := now.AddDate(0, -(3 + rng.IntN(30)), -rng.IntN(28))
			submitted, approved := created.AddDate(0, 0, 2), created.AddDate(0, 0, 5+rng.IntN(10))
			live := code
			units = append(units, model.Unit{OwnerUserID: owners[k].ID, Name: unitName(bt, road, k, rng), USCC: code, USCCLive: &live,
				BusinessType: bt, Address: fmt.Sprintf("常州市%s%s%d号", d.NameZh, road, 1+rng.IntN(400)), DistrictID: d.ID,
				ContactName: surnames[k%len(surnames)] + "先生", ContactPhone: fmt.Sprintf("1381234%04d", k%10000),
				OpeningHours: "07:00–20:00", Status: model.UnitApproved, SubmittedAt: &submitted, ApprovedAt: &approved,
				ReviewedBy: &reviewer, CreatedAt: created, UpdatedAt: approved})
		}
	}
	if err := insertAll(tx, units, budget); err != nil {
		return err
	}

	var events []model.UnitEvent
	var pledges []model.Pledge
	var checks []model.SpotCheck
	for k := range units {
		u := &units[k]
		owner := u.OwnerUserID
		events = append(events,
			model.UnitEvent{UnitID: u.ID, FromStatus: model.UnitDraft, ToStatus: model.UnitSubmitted, ActorUserID: &owner, CreatedAt: *u.SubmittedAt},
			model.UnitEvent{UnitID: u.ID, FromStatus: model.UnitSubmitted, ToStatus: model.UnitApproved, ActorUserID: &reviewer, CreatedAt: *u.ApprovedAt})
		// Pledges are renewed before they run out: every unit's current one is
		// somewhere in its validity.
		signed := now.AddDate(0, -rng.IntN(pledge.ValidMonths), -rng.IntN(28))
		if signed.Before(u.CreatedAt) {
			signed = u.CreatedAt.AddDate(0, 0, 1)
		}
		pledges = append(pledges, model.Pledge{UnitID: u.ID, PledgeTextID: pledge.ID, SignerName: u.ContactName, SignerTitle: "负责人",
			SignerUserID: &owner, SignerIP: "127.0.0.1", TextSHA256: pledge.SHA256, SignedAt: signed,
			ValidUntil: signed.AddDate(0, pledge.ValidMonths, 0)})
		if k%4 == 0 {
			agency := districts[0].DefaultAgencyID
			for _, d := range districts {
				if d.ID == u.DistrictID {
					agency = d.DefaultAgencyID
				}
			}
			// One check in ten found issues and one in twenty-five failed,
			// so the risk classes have spot checks to weigh.
			result, summary := "pass", "抽查计价秤2台，示值误差均在允许范围内。"
			switch {
			case k%100 == 0:
				result, summary = "fail", "抽查计价秤2台，1台示值误差超出允许范围。"
			case k%40 == 0:
				result, summary = "issues_found", "检定标志未张贴，已责令改正。"
			}
			checks = append(checks, model.SpotCheck{UnitID: u.ID, AgencyID: agency, CheckedOn: today.AddDate(0, 0, -rng.IntN(300)),
				Result: result, Summary: summary, Published: true, CreatedAt: now})
		}
	}
	if err := insertAll(tx, events, budget); err != nil {
		return err
	}
	if err := insertAll(tx, pledges, budget); err != nil {
		return err
	}
	if err := insertAll(tx, checks, budget); err != nil {
		return err
	}

	// Instruments: the business type's list, and one more of its first kind.
	cityInstruments := b.o.units * instrumentsPerUnit
	instruments := make([]model.Instrument, 0, cityInstruments)
	for k := range units {
		u := &units[k]
		codes := instrumentsOf[u.BusinessType]
		codes = append(codes[:len(codes):len(codes)], codes[0])
		for i, code := range codes {
			typ, ok := typeID[code]
			if !ok {
				return fmt.Errorf("instrument type %q missing from the catalogue", code)
			}
			serial := fmt.Sprintf("SN%05d%02d", u.ID, i+1)
			live := serial
			instruments = append(instruments, model.Instrument{UnitID: u.ID, TypeID: typ.ID,
				Model: fmt.Sprintf("%s-%d", strings.ToUpper(code[:2]), 10+i*5), Maker: makers[(k+i)%len(makers)],
				SerialNo: serial, SerialLive: &live, SerialKey: model.SerialKey(serial), Location: locationFor(code, i), Status: model.InstrumentInUse,
				CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt})
		}
	}
	if len(instruments) != cityInstruments {
		return fmt.Errorf("the business mix gives %d instruments, not %d", len(instruments), cityInstruments)
	}
	if err := insertAll(tx, instruments, budget); err != nil {
		return err
	}

	// Verification records: most instruments valid, some expiring, expired,
	// failed or never verified; a third carry last cycle's record as well.
	typeByID := map[int64]model.InstrumentType{}
	for _, t := range types {
		typeByID[t.ID] = t
	}
	var records []model.VerificationRecord
	cert := 0
	for i := range instruments {
		in := &instruments[i]
		cycle := typeByID[in.TypeID].CycleMonths
		if cycle == 0 {
			cycle = 12
		}
		var verified time.Time
		result := model.ResultPass
		switch p := rng.IntN(100); {
		case p < 8: // never verified
			continue
		case p < 14:
			verified = today.AddDate(0, -cycle, 5+rng.IntN(20)) // expiring
		case p < 20:
			verified = today.AddDate(0, -cycle, -(5 + rng.IntN(120))) // expired
		case p < 23:
			verified = today.AddDate(0, 0, -(3 + rng.IntN(40))) // failed
			result = model.ResultFail
		default:
			verified = today.AddDate(0, 0, -(30 + rng.IntN(300)))
		}
		history := []time.Time{verified}
		if rng.IntN(3) == 0 {
			history = append(history, verified.AddDate(0, -cycle, -rng.IntN(10)))
		}
		for h, on := range history {
			cert++
			rec := model.VerificationRecord{InstrumentID: &in.ID, CertificateNo: fmt.Sprintf("JD%d-%06d", on.Year(), 100000+cert),
				BodyName: body.NameZh, VerifiedOn: on, Result: model.ResultPass, Source: model.SourceDeclared, CreatedAt: on.AddDate(0, 0, 1)}
			if h == 0 {
				rec.Result = result
			}
			rec.Kind, rec.UnitID = model.KindCertificate, &in.UnitID
			if cert%2 == 0 {
				rec.Source, rec.VerificationBodyID, rec.BodyKey = model.SourceConfirmed, &body.ID, &body.ID
				rec.InstrumentSerial, rec.SerialKey = in.SerialNo, in.SerialKey
				if rec.Result == model.ResultFail {
					rec.Kind = model.KindFailNotice
				}
			}
			if rec.Result == model.ResultPass {
				until := on.AddDate(0, cycle, -1)
				rec.ValidUntil = &until
			}
			records = append(records, rec)
		}
	}
	if err := insertAll(tx, records, budget); err != nil {
		return err
	}

	// QR codes: version 1 of every unit and instrument; 2% of labels were
	// reprinted, so their version 1 is revoked and version 2 is live.
	tokens := make([]model.QRToken, 0, b.o.units+cityInstruments*102/100)
	for k := range units {
		owner := units[k].OwnerUserID
		tokens = append(tokens, model.QRToken{Kind: model.QRUnit, TargetID: units[k].ID, Version: 1, CreatedBy: &owner, CreatedAt: *units[k].ApprovedAt})
	}
	for i := range instruments {
		in := &instruments[i]
		t := model.QRToken{Kind: model.QRInstrument, TargetID: in.ID, Version: 1, CreatedAt: in.CreatedAt}
		if rng.IntN(50) == 0 {
			revoked := in.CreatedAt.AddDate(0, 2, 0)
			t.RevokedAt = &revoked
			tokens = append(tokens, t, model.QRToken{Kind: model.QRInstrument, TargetID: in.ID, Version: 2, CreatedAt: revoked})
			continue
		}
		tokens = append(tokens, t)
	}
	return insertAll(tx, tokens, budget)
}

// shareOut splits total over the districts in proportion to their unit
// targets (evenly when no district has one).
func shareOut(total int, districts []model.District) []int {
	out := make([]int, len(districts))
	sum := 0
	for _, d := range districts {
		sum += d.UnitTarget
	}
	given := 0
	for i, d := range districts {
		if sum > 0 {
			out[i] = total * d.UnitTarget / sum
		} else {
			out[i] = total / len(districts)
		}
		given += out[i]
	}
	for i := 0; given < total; i = (i + 1) % len(out) {
		out[i]++
		given++
	}
	return out
}

// reportSeeder makes reports as the intake would have stored them over
// three years, with their cases in every stage.
type reportSeeder struct {
	secret    []byte
	now       time.Time
	rng       *mrand.Rand
	cal       *workdays.Calendar
	rules     []model.RoutingRule
	districts []model.District
	district  map[int64]model.District
	weights   []weighted[int] // district index by unit target, for reports without a unit
	units     []seedUnit
	staff     map[int64][]int64 // agency → officers
	history   bool              // closed cases only
}

type seedUnit struct {
	ID           int64
	DistrictID   int64
	BusinessType model.BusinessType
	Name         string
	Address      string
	Token        *int64 // live unit code
	Instruments  []seedInstrument
}

type seedInstrument struct {
	ID    int64
	Token *int64
}

// ensureReports adds reports until the database holds at least n. Reports
// beyond the first seedLevel are history: closed cases from the same three
// years. Each agency's open backlog is bounded by its officers, not by how
// much history the database keeps; so the 1M mode asks whether the queue
// stays fast as history grows.
func (b *bench) ensureReports(ctx context.Context, n int) (seeding, error) {
	have, err := b.countReports(ctx)
	if err != nil || have >= int64(n) {
		return seeding{}, err
	}
	add := n - int(have)
	started := time.Now()
	b.progress.say("seeding %d reports with their cases (database holds %d)", add, have)
	s, err := b.newReportSeeder(ctx)
	if err != nil {
		return seeding{}, err
	}
	s.history = have >= seedLevel
	const chunk = 10000
	for done := 0; done < add; {
		size := min(chunk, add-done)
		err := b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := b.bigCache(tx); err != nil {
				return err
			}
			return s.insert(tx, size, b.paramBudget())
		})
		if err != nil {
			return seeding{}, fmt.Errorf("seeding reports: %w", err)
		}
		done += size
		if done%100000 == 0 || done == add {
			el := time.Since(started)
			b.progress.say("  %d/%d reports in %s (%.0f/s)", done, add, el.Round(time.Second), float64(done)/el.Seconds())
		}
	}
	took := time.Since(started)
	return seeding{from: have, added: add, history: s.history, took: took}, b.settle(ctx)
}

// settle lets the machine finish seeding before anything is measured: the
// WAL is folded into the SQLite file (servers would otherwise read through
// it) and dirty pages are flushed, so no write-back runs during a phase.
// On MySQL/MariaDB the statistics of the tables just loaded are refreshed:
// InnoDB recalculates them by itself when a tenth of a table changes, but
// in the background and later, and a query planned on the estimates of a
// table a ninth its size walks the agency's whole history (seen at 1M:
// first page 45 ms before ANALYZE, the plan of the 100,000 level after).
// A city's tables grow by a few thousand rows a day, never like this.
func (b *bench) settle(ctx context.Context) error {
	switch b.o.driver {
	case "sqlite":
		if err := b.db.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
			return err
		}
	case "mysql":
		if err := b.db.WithContext(ctx).Exec("ANALYZE TABLE reports, cases, case_events").Error; err != nil {
			return err
		}
	}
	syscall.Sync()
	return nil
}

// seeding is what one ensureReports call added.
type seeding struct {
	from    int64
	added   int
	history bool
	took    time.Duration
}

// seedTarget: 100,000 reports "well under 2 minutes" (issue 6 §2).
const seedTarget = 2 * time.Minute

// record puts a seeding into the table: the first 100,000 against the
// target, history as information.
func (s seeding) record(t *table) {
	if s.added == 0 {
		return
	}
	what := fmt.Sprintf("seeding %s reports with cases and timelines", countLabel(int64(s.added)))
	figure := fmt.Sprintf("%.1f s (%.0f reports/s, database held %s)", s.took.Seconds(), float64(s.added)/s.took.Seconds(), countLabel(s.from))
	if s.history {
		t.info(what+" (closed history)", figure)
		return
	}
	t.add(what, figure, fmt.Sprintf("well under %s for 100,000", seedTarget), s.took < seedTarget*time.Duration(s.added)/seedLevel)
}

func (b *bench) newReportSeeder(ctx context.Context) (*reportSeeder, error) {
	s := &reportSeeder{secret: []byte(benchSecret), now: time.Now().UTC(), district: map[int64]model.District{},
		staff: map[int64][]int64{}}
	have, err := b.countReports(ctx)
	if err != nil {
		return nil, err
	}
	s.rng = mrand.New(mrand.NewPCG(uint64(have), 121))
	hol, err := b.st.Holidays(ctx)
	if err != nil {
		return nil, err
	}
	s.cal = workdays.New(hol)
	if s.rules, err = b.st.RoutingRules(ctx); err != nil {
		return nil, err
	}
	if s.districts, err = b.st.Districts(ctx); err != nil {
		return nil, err
	}
	for i, d := range s.districts {
		s.district[d.ID] = d
		s.weights = append(s.weights, weighted[int]{i, max(d.UnitTarget, 1)})
	}
	db := b.db.WithContext(ctx)
	var units []model.Unit
	if err := db.Where("status = ?", model.UnitApproved).Order("id").
		Select("id, district_id, business_type, name, address").Find(&units).Error; err != nil {
		return nil, err
	}
	for _, u := range units {
		s.units = append(s.units, seedUnit{ID: u.ID, DistrictID: u.DistrictID, BusinessType: u.BusinessType, Name: u.Name, Address: u.Address})
	}
	if len(s.units) == 0 {
		return nil, fmt.Errorf("no published units to report on")
	}
	index := map[int64]int{}
	for i, u := range s.units {
		index[u.ID] = i
	}
	var toks []model.QRToken
	if err := db.Where("revoked_at IS NULL").Find(&toks).Error; err != nil {
		return nil, err
	}
	live := map[model.QRKind]map[int64]int64{model.QRUnit: {}, model.QRInstrument: {}}
	for _, t := range toks {
		live[t.Kind][t.TargetID] = t.ID
	}
	for i := range s.units {
		if id, ok := live[model.QRUnit][s.units[i].ID]; ok {
			s.units[i].Token = &id
		}
	}
	var ins []model.Instrument
	if err := db.Select("id, unit_id").Where("status = ?", model.InstrumentInUse).Order("id").Find(&ins).Error; err != nil {
		return nil, err
	}
	for _, in := range ins {
		if i, ok := index[in.UnitID]; ok {
			si := seedInstrument{ID: in.ID}
			if id, ok := live[model.QRInstrument][in.ID]; ok {
				si.Token = &id
			}
			s.units[i].Instruments = append(s.units[i].Instruments, si)
		}
	}
	var staff []model.User
	if err := db.Where("role IN ? AND agency_id IS NOT NULL", []model.Role{model.RoleOfficer, model.RoleSupervisor}).Find(&staff).Error; err != nil {
		return nil, err
	}
	for _, u := range staff {
		s.staff[*u.AgencyID] = append(s.staff[*u.AgencyID], u.ID)
	}
	return s, nil
}

// Case statuses by kind, with their share of all reports of that kind: most
// cases of a three-year-old platform are closed; about one in six is open.
var statusMix = map[model.ReportKind][]weighted[model.CaseStatus]{
	model.KindTip: {{model.CaseNew, 50}, {model.CaseVerifying, 50}, {model.CaseOpened, 40}, {model.CaseConcluded, 30},
		{model.CaseReturned, 5}, {model.CaseNoCase, 200}, {model.CaseClosed, 600}, {model.CaseMerged, 25}},
	model.KindComplaint: {{model.CaseNew, 60}, {model.CaseAccepted, 50}, {model.CaseMediated, 30}, {model.CaseReturned, 5},
		{model.CaseNotAccepted, 150}, {model.CaseClosed, 680}, {model.CaseMerged, 25}},
}

// closedMix is statusMix without the open statuses.
var closedMix = func() map[model.ReportKind][]weighted[model.CaseStatus] {
	out := map[model.ReportKind][]weighted[model.CaseStatus]{}
	for kind, mix := range statusMix {
		for _, w := range mix {
			if !w.v.Open() {
				out[kind] = append(out[kind], w)
			}
		}
	}
	return out
}()

var categoryMix = []weighted[model.Category]{
	{model.CategoryShortWeight, 40}, {model.CategoryUnverified, 15}, {model.CategoryCheatingDevice, 10},
	{model.CategoryTampered, 8}, {model.CategoryShortNetContent, 10}, {model.CategoryFalseData, 4},
	{model.CategoryCounterfeitQR, 3}, {model.CategoryOther, 10},
}

var goods = []string{"排骨", "苹果", "猪肉", "鸡蛋", "大米", "牛肉", "草鱼", "香蕉", "螃蟹", "虾仁", "茶叶", "核桃"}

func description(c model.Category, rng *mrand.Rand) string {
	g := goods[rng.IntN(len(goods))]
	switch c {
	case model.CategoryShortWeight:
		w := 2 + rng.IntN(8)
		return fmt.Sprintf("在摊位买了%d斤%s，商家电子秤显示%d斤，回家用自家秤复称只有%d斤%d两，差得太多，怀疑短斤缺两。", w, g, w, w-1, 3+rng.IntN(6))
	case model.CategoryUnverified:
		return "店里收银台的电子计价秤没有贴检定合格标志，问老板也拿不出检定证书，扫码显示检定已经过期。"
	case model.CategoryCheatingDevice:
		return fmt.Sprintf("加油机显示加了%d升，但油箱实际只进去了约%d升，怀疑加油机装有作弊装置，请尽快查处。", 40+rng.IntN(20), 34+rng.IntN(5))
	case model.CategoryTampered:
		return "摊位计价秤铅封破损，秤盘下面好像加了东西，称同样的东西比别家重不少，怀疑被改装过。"
	case model.CategoryShortNetContent:
		return fmt.Sprintf("购买的预包装%s标注净含量500克，连袋称重只有%d克，明显不足。", g, 430+rng.IntN(40))
	case model.CategoryFalseData:
		return "商家张贴的检定证书编号在检定机构查不到，怀疑证书是伪造的。"
	case model.CategoryCounterfeitQR:
		return "市场门口贴的诚信计量二维码扫出来不是官方页面，而是一个要求填写手机号的网页。"
	}
	return fmt.Sprintf("购买%s时商家拒绝当面复秤，态度恶劣，希望监管部门核实处理。", g)
}

// weighted is a choice and how often it is made.
type weighted[T any] struct {
	v T
	w int
}

func pick[T any](rng *mrand.Rand, items []weighted[T]) T {
	total := 0
	for _, it := range items {
		total += it.w
	}
	n := rng.IntN(total)
	for _, it := range items {
		if n -= it.w; n < 0 {
			return it.v
		}
	}
	return items[len(items)-1].v
}

// receivedFor places a report in time by how far its case has come: open
// cases are recent, closed ones anywhere in three years.
func (s *reportSeeder) receivedFor(status model.CaseStatus) time.Time {
	days := func(from, to int) time.Time {
		return s.now.Add(-time.Duration(from*24*3600+s.rng.IntN((to-from)*24*3600)) * time.Second)
	}
	switch status {
	case model.CaseNew, model.CaseReturned:
		return days(0, 25)
	case model.CaseVerifying:
		return days(3, 25)
	case model.CaseAccepted:
		return days(5, 70)
	case model.CaseMediated:
		return days(10, 80)
	case model.CaseOpened:
		return days(15, 120)
	case model.CaseConcluded:
		return days(30, 150)
	}
	return days(1, 3*365)
}

// insert stores n reports with their cases and case timelines.
func (s *reportSeeder) insert(tx *gorm.DB, n, budget int) error {
	rs := make([]model.Report, n)
	cs := make([]model.Case, n)
	for i := range rs {
		s.report(&rs[i], &cs[i])
	}
	if err := insertAll(tx, rs, budget); err != nil {
		return err
	}
	for i := range cs {
		cs[i].ReportID = rs[i].ID
	}
	if err := insertAll(tx, cs, budget); err != nil {
		return err
	}
	events := make([]model.CaseEvent, 0, n*3)
	for i := range cs {
		events = append(events, s.timeline(&cs[i])...)
	}
	return insertAll(tx, events, budget)
}

func (s *reportSeeder) report(r *model.Report, c *model.Case) {
	rng := s.rng
	kind := model.KindTip
	if rng.IntN(10) < 4 {
		kind = model.KindComplaint
	}
	mix := statusMix[kind]
	if s.history {
		mix = closedMix[kind]
	}
	status := pick(rng, mix)
	category := pick(rng, categoryMix)
	received := s.receivedFor(status)
	key := reports.NewKey()
	tracking := reports.NewTrackingNumber()
	*r = model.Report{TrackingNo: tracking, AccessCodeHash: reports.HashAccessCode(s.secret, tracking, reports.AccessCodeFor(s.secret, key)),
		Kind: kind, Category: category, Description: description(category, rng), IdempotencyKey: &key, Locale: "zh-CN", CreatedAt: received}
	incident := received.Add(-time.Duration(1+rng.IntN(48)) * time.Hour)
	r.IncidentAt = &incident
	sum := sha256.Sum256(fmt.Appendf(nil, "submitter:10.%d.%d.%d", rng.IntN(4), rng.IntN(256), rng.IntN(256)))
	r.SubmitterHash = hex.EncodeToString(sum[:])
	var businessType model.BusinessType
	if category != model.CategoryCounterfeitQR && rng.IntN(4) != 0 {
		// Most reports start from a scanned code: the unit's, or one scale's.
		u := &s.units[rng.IntN(len(s.units))]
		r.UnitID, r.DistrictID, r.BusinessName, r.BusinessAddress = &u.ID, u.DistrictID, u.Name, u.Address
		r.QRTokenID = u.Token
		if len(u.Instruments) > 0 && rng.IntN(5) < 2 {
			in := u.Instruments[rng.IntN(len(u.Instruments))]
			r.InstrumentID, r.QRTokenID = &in.ID, in.Token
		}
		businessType = u.BusinessType
	} else {
		d := s.districts[pick(rng, s.weights)]
		r.DistrictID = d.ID
		r.BusinessName = fmt.Sprintf("%s路边流动摊贩", roads[rng.IntN(len(roads))])
		r.BusinessAddress = fmt.Sprintf("常州市%s%s附近", d.NameZh, roads[rng.IntN(len(roads))])
	}
	switch {
	case kind == model.KindComplaint:
		r.ReporterName = surnames[rng.IntN(len(surnames))] + "女士"
		r.ReporterPhone = fmt.Sprintf("137%08d", rng.IntN(100000000))
		r.ReporterAddress = fmt.Sprintf("常州市%s%d号", roads[rng.IntN(len(roads))], 1+rng.IntN(300))
		r.Request = "退还差价并赔礼道歉。"
		amount := int64(500 + rng.IntN(20000))
		r.AmountCents = &amount
	case rng.IntN(2) == 0:
		r.Anonymous = true
	default:
		r.ReporterName = surnames[rng.IntN(len(surnames))] + "先生"
		r.ReporterPhone = fmt.Sprintf("136%08d", rng.IntN(100000000))
	}

	district := s.district[r.DistrictID]
	d, err := routing.Decide(s.rules, district, routing.Input{Category: category, BusinessType: businessType, DistrictID: r.DistrictID})
	if err != nil {
		// Only a district without an agency gets here; the reference data has none.
		d = routing.Decision{AgencyID: *s.districts[0].DefaultAgencyID, Priority: routing.DefaultPriority, Reason: err.Error()}
	}
	*c = cases.Received(kind, received, s.cal)
	c.AgencyID, c.Category, c.DistrictID = d.AgencyID, category, r.DistrictID
	c.Priority, c.RoutingRuleID, c.RoutingReason = d.Priority, d.RuleID, d.Reason
	c.UpdatedAt, c.LockVersion = received, 1
	if status.Open() && rng.IntN(2) == 0 {
		if staff := s.staff[d.AgencyID]; len(staff) > 0 {
			c.AssigneeID = &staff[rng.IntN(len(staff))]
		}
	}
	decided := received.Add(time.Duration(1+rng.IntN(6)) * 24 * time.Hour)
	closed := decided.Add(time.Duration(1+rng.IntN(60)) * 24 * time.Hour)
	// The path an officer takes to status, with the service's clock rules
	// (cases.Enter): the same deadlines the running product would set.
	switch status {
	case model.CaseAccepted, model.CaseOpened, model.CaseReturned:
		cases.Enter(c, status, decided, s.cal)
	case model.CaseMediated:
		cases.Enter(c, model.CaseAccepted, decided, s.cal)
		cases.Enter(c, model.CaseMediated, decided, s.cal)
	case model.CaseConcluded:
		cases.Enter(c, model.CaseOpened, decided, s.cal)
		cases.Enter(c, model.CaseConcluded, decided.AddDate(0, 0, 10+rng.IntN(60)), s.cal)
		c.Outcome = cases.OutcomeSubstantiated
	case model.CaseNoCase, model.CaseNotAccepted:
		cases.Enter(c, status, decided, s.cal)
		if status == model.CaseNotAccepted {
			c.DecisionGround = cases.NotAcceptedGrounds[rng.IntN(len(cases.NotAcceptedGrounds))]
		}
	case model.CaseClosed:
		if kind == model.KindTip {
			cases.Enter(c, model.CaseOpened, decided, s.cal)
			cases.Enter(c, model.CaseConcluded, closed, s.cal)
			c.Outcome = cases.OutcomeSubstantiated
		} else {
			cases.Enter(c, model.CaseAccepted, decided, s.cal)
			cases.Enter(c, model.CaseMediated, decided, s.cal)
		}
		cases.Enter(c, model.CaseClosed, closed, s.cal)
	case model.CaseMerged:
		c.DecidedAt = &decided // the duplicate was looked at before it was merged
		cases.Enter(c, model.CaseMerged, closed, s.cal)
	}
	c.Status = status
	c.UpdatedAt = received
	if c.DecidedAt != nil {
		c.UpdatedAt = *c.DecidedAt
	}
	if c.ClosedAt != nil {
		c.UpdatedAt = *c.ClosedAt
	}
}

// timeline is what the intake writes (received, routed) and the decision
// that brought the case to its status.
func (s *reportSeeder) timeline(c *model.Case) []model.CaseEvent {
	reason := c.RoutingReason
	agency := c.AgencyID
	out := []model.CaseEvent{
		{CaseID: c.ID, Kind: "received", ToStatus: model.CaseNew, Public: true, AgencyID: &agency, CreatedAt: c.ReceivedAt},
		{CaseID: c.ID, Kind: "routed", AgencyID: &agency, Body: &reason, CreatedAt: c.ReceivedAt},
	}
	if c.Status != model.CaseNew && c.DecidedAt != nil {
		body := "已处理。"
		out = append(out, model.CaseEvent{CaseID: c.ID, Kind: string(c.Status), FromStatus: model.CaseNew, ToStatus: c.Status,
			Public: true, AgencyID: &agency, Body: &body, CreatedAt: *c.DecidedAt})
	}
	return out
}
