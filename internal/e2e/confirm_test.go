package e2e

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// TestNoOneTapDestruction: on a phone and on a wide screen, a merchant who
// taps "replace the code" or "retire" first sees a page saying what will
// happen; cancelling changes nothing; confirming retires the instrument,
// which is then still listed under "retired".
func TestNoOneTapDestruction(t *testing.T) {
	for _, screen := range screens() {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			_, unitID, ins := a.ApprovedUnit("钟楼菜场 12号摊位")
			code := a.ScanPath(model.QRInstrument, ins[0].ID)
			inst := a.URL + "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)

			b := newBrowser(t)
			b.do(t, screen.size)
			b.step(t, "login",
				open(a.URL+"/login", 200),
				chromedp.SendKeys(chromedp.CSS("#login"), apptest.MerchantLogin),
				chromedp.SendKeys(chromedp.CSS("#password"), apptest.MerchantPass),
				follow(`form[action="/login"] button[type=submit]`, 200),
			)
			b.step(t, "reprint-asks",
				open(inst, 200),
				follow(`a[href$="/qr/reprint"]`, 200),
				hasText("main h1", "重新生成器具 CZ-01 的二维码？"),
				hasText("ul.consequences", "标签二维码将立即作废", "顾客扫旧码"),
			)
			b.step(t, "reprint-cancelled",
				follow(`section.confirm a.button.secondary`, 200),
				hasText("main h1", "CZ-01"),
			)
			if now := a.ScanPath(model.QRInstrument, ins[0].ID); now != code {
				t.Fatalf("cancelling replaced the code: %s → %s", code, now)
			}
			b.step(t, "retire-asks",
				follow(`a[href$="/retire"]`, 200),
				hasText("main h1", "停用器具 CZ-01？"),
				hasText("ul.consequences", "不再出现在“钟楼菜场 12号摊位”的公开页面上", "检定记录会保留"),
			)
			var in model.Instrument
			a.DB.Take(&in, ins[0].ID)
			if in.Status != model.InstrumentInUse {
				t.Fatal("the instrument was retired before it was confirmed")
			}
			b.step(t, "retired",
				follow(`section.confirm button[type=submit]`, 200),
				hasText("main", "计量器具已停用。"),
				follow(`a[href$="?show=retired#retired"]`, 200),
				hasText("#retired", "已停用的器具（1 台）"),
				hasText("tr.retired", "CZ-01", "已停用"),
			)
			a.DB.Take(&in, ins[0].ID)
			if in.Status != model.InstrumentRetired {
				t.Fatalf("confirmed, the instrument is %s", in.Status)
			}
			_ = unitID
		})
	}
}
