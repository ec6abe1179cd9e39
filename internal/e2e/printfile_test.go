package e2e

import (
	"bytes"
	"image/png"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
)

// TestPrintingFromAPhone: a merchant on a phone (and on a wide screen)
// downloads the poster as PDF and PNG for a print shop, chooses which
// instruments to print labels for, is warned about the one never verified,
// and downloads the labels as PDF.
func TestPrintingFromAPhone(t *testing.T) {
	for _, screen := range screens() {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			_, unitID, ins := a.ApprovedUnit(unitName)
			unit := a.URL + "/merchant/units/" + strconv.FormatInt(unitID, 10)
			b := newBrowser(t)
			b.do(t, screen.size)
			b.step(t, "login",
				open(a.URL+"/login", 200),
				chromedp.SendKeys(chromedp.CSS("#login"), apptest.MerchantLogin),
				chromedp.SendKeys(chromedp.CSS("#password"), apptest.MerchantPass),
				follow(`form[action="/login"] button[type=submit]`, 200),
			)
			var pdf, img, labels download
			b.step(t, "poster-files",
				open(unit+"/poster", 200),
				fetchLink(`a[href$="/poster.pdf"]`, &pdf),
				fetchLink(`a[href$="/poster.png"]`, &img),
			)
			if pdf.Type != "application/pdf" || !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) {
				t.Fatalf("poster PDF: %s %q", pdf.Type, pdf.Data[:min(8, len(pdf.Data))])
			}
			if cfg, err := png.DecodeConfig(bytes.NewReader(img.Data)); err != nil || img.Type != "image/png" || cfg.Width != 1240 {
				t.Fatalf("poster PNG: %s %v %+v", img.Type, err, cfg)
			}
			// CZ-02 has no certificate: only it is chosen, and it is warned about.
			b.step(t, "labels-chosen",
				open(unit+"/labels", 200),
				chromedp.Click(chromedp.CSS(`input[name=ins][value="`+strconv.FormatInt(ins[0].ID, 10)+`"]`)),
				follow(`form.choose button[type=submit]`, 200),
				hasText("form.choose .warning", "有 1 台选中的器具"),
				hasText(".label.warn", "CZ-02", "不得用于贸易结算"),
				lacks("article.labels", "CZ-01"),
				fetchLink(`a.download[href*="labels.pdf?ins="]`, &labels),
			)
			if labels.Type != "application/pdf" || !bytes.HasPrefix(labels.Data, []byte("%PDF-")) {
				t.Fatalf("labels PDF: %s", labels.Type)
			}
		})
	}
}
