package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// setValue sets a form control's value as a person choosing it would
// leave it (selects included), replacing what was there.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	s, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ok, err := chromedp.Evaluate[bool](fmt.Sprintf(`(e => e ? (e.value = %s, e.dispatchEvent(new Event('change')), true) : false)(document.querySelector(%s))`, v, s))(ctx, t)
		if err == nil && !ok {
			err = fmt.Errorf("no %s", sel)
		}
		return err
	})
}

// TestSpotCheckInTheBrowser: the city admin adds a check item; a district
// supervisor makes the plan, announces a draw, types the lottery result
// and draws; records a failing check of the drawn stall, opens a case from
// it and publishes the result, which a shopper then sees on /spot-checks
// and on the stall's scan page — at 360 and 1366 px.
func TestSpotCheckInTheBrowser(t *testing.T) {
	for _, screen := range screens() {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			_, unitID, _ := a.ApprovedUnit("钟楼菜场 12号摊位")
			a.DB.Model(&model.Unit{}).Where("id = ?", unitID).Update("district_id", a.DistrictID("320402"))
			a.CreateUser("admin@example.org", "admin-pass-123", model.RoleCityAdmin, "")
			a.CreateUser("sup@tianning.example.org", "supervisor-pass", model.RoleSupervisor, "cz-tianning")
			a.CreateUser("o1@tianning.example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
			login := func(p *person, who, pass string) {
				p.step(t, "login",
					open(a.URL+"/login", 200),
					chromedp.SendKeys(chromedp.CSS("#login"), who),
					chromedp.SendKeys(chromedp.CSS("#password"), pass),
					follow(`form[action="/login"] button[type=submit]`, 200),
				)
			}
			b := newBrowser(t)
			admin := b.person(t, "admin", screen.size)
			login(admin, "admin@example.org", "admin-pass-123")
			admin.step(t, "check-item",
				open(a.URL+"/admin/check-items", 200),
				chromedp.SendKeys(chromedp.CSS("#code"), "jl-01"),
				chromedp.SendKeys(chromedp.CSS("#name_zh"), "集贸市场计量器具检查"),
				chromedp.SendKeys(chromedp.CSS("#name_en"), "Market instruments"),
				chromedp.SendKeys(chromedp.CSS("#basis"), "《计量法》第九条"),
				chromedp.SendKeys(chromedp.CSS("#subject"), "集贸市场经营者"),
				setValue("#content", "计价秤检定有效\n无作弊装置"),
				chromedp.SendKeys(chromedp.CSS("#method"), "现场检查"),
				follow(`form[action="/admin/check-items"] button[type=submit]`, 200),
				hasText("main", "检查事项已保存。", "JL-01"),
			)
			var item model.CheckItem
			a.DB.Where("code = ?", "JL-01").Take(&item)

			sup := b.person(t, "supervisor", screen.size)
			login(sup, "sup@tianning.example.org", "supervisor-pass")
			sup.step(t, "plan",
				open(a.URL+"/staff/spot-checks", 200),
				setValue("#item_id", strconv.FormatInt(item.ID, 10)),
				setValue("#base", "1000"),
				follow(`form[action="/staff/spot-checks/plans"] button[type=submit]`, 200),
				hasText("main", "集贸市场计量器具检查", "基准 1000‰"),
			)
			sup.step(t, "announced",
				setValue(`input[name="randomness_source"]`, "中国福利彩票双色球 2026-12-10 开奖号码"),
				follow(`form[action$="/announce"] button[type=submit]`, 200),
				hasText("main", "已公布，等待随机数", "中国福利彩票双色球 2026-12-10 开奖号码"),
			)
			sup.step(t, "drawn",
				chromedp.SendKeys(chromedp.CSS("#random_value"), "03 09 14 22 27 31 + 08"),
				follow(`form[action$="/draw"] button[type=submit]`, 200),
				hasText("main", "已抽取", "钟楼菜场 12号摊位"),
			)
			sup.step(t, "inspection",
				follow(`a[href^="/staff/inspections/"]`, 200),
				hasText("main", "计价秤检定有效", "无作弊装置"),
				chromedp.Click(`input[name="outcome_2"][value="fail"]`),
				chromedp.SendKeys(chromedp.CSS("#note_2"), "发现遥控器"),
				follow(`form[action$="/result"] button[type=submit]`, 200),
				hasText("main", "不合格", "据此结果立案"),
			)
			sup.step(t, "case-opened",
				setValue("#category", "cheating_device"),
				follow(`form[action$="/case"] button[type=submit]`, 200),
				hasText("main", "已据此检查立案"),
			)
			sup.step(t, "published",
				chromedp.SendKeys(chromedp.CSS("#summary"), "抽查发现计价秤作弊装置，已立案查处。"),
				follow(`form[action$="/publish"] button[type=submit]`, 200),
				hasText("main", "已公示。"),
			)
			var c int64
			a.DB.Model(&model.Case{}).Count(&c)
			if c != 1 {
				t.Fatalf("%d cases, want the one opened from the check", c)
			}
			shopper := b.person(t, "shopper", screen.size)
			shopper.step(t, "public",
				open(a.URL+"/spot-checks", 200),
				hasText("main", "抽查发现计价秤作弊装置，已立案查处。", "已抽取"),
			)
			shopper.step(t, "scan",
				open(a.URL+a.ScanPath(model.QRUnit, unitID), 200),
				hasText("main", "抽查发现计价秤作弊装置，已立案查处。"),
			)
		})
	}
}
