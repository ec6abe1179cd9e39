package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// TestReportOnAWeakConnection: with the report form's script, a file that
// is not a photo is named before anything is sent, and a large phone photo
// is made smaller on the phone before it is uploaded; the report arrives
// with it, on a phone and on a wide screen.
func TestReportOnAWeakConnection(t *testing.T) {
	for _, screen := range screens() {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			_, unitID, _ := a.ApprovedUnit(unitName)
			dir := t.TempDir()
			notes := filepath.Join(dir, "notes.txt")
			if err := os.WriteFile(notes, []byte("not a photo"), 0o644); err != nil {
				t.Fatal(err)
			}
			big := bigPhoto(t, dir)

			b := newBrowser(t)
			b.do(t, screen.size)
			b.step(t, "wrong-file",
				open(a.URL+"/report?t="+a.ScanPath(model.QRUnit, unitID)[3:], 200),
				chromedp.SetUploadFiles(chromedp.CSS("input[name=photos]"), []string{notes}),
				hasText("#photos-status", "第 1 个文件不是 JPG、PNG 或 WebP 照片"),
			)
			b.step(t, "filled",
				chromedp.Click(chromedp.CSS(`label.choice:has(input[name=kind][value=tip])`)),
				chromedp.SetValue(chromedp.CSS("#category"), "short_weight"),
				chromedp.SetValue(chromedp.CSS("#incident_at"), incidentAnHourAgo()),
				chromedp.SendKeys(chromedp.CSS("#description"), "买了两斤排骨，回家复称只有一斤七两。"),
				chromedp.SetUploadFiles(chromedp.CSS("input[name=photos]"), []string{big}),
				holds(`document.querySelector('#photos-status').textContent === ''`, "a good photo is still refused"),
			)
			info, err := os.Stat(big)
			if err != nil {
				t.Fatal(err)
			}
			// What the page hands to the network, noted where the receipt
			// page that replaces it can still read it.
			const spy = `(() => {
				const send = XMLHttpRequest.prototype.send;
				XMLHttpRequest.prototype.send = function (d) {
					sessionStorage.setItem('sent', JSON.stringify(d.getAll('photos').map(f => f.size)));
					return send.call(this, d);
				};
				return true;
			})()`
			b.step(t, "sent",
				holds(spy, "could not watch the upload"),
				sendReport(),
				hasText("section.receipt", "已收到您的举报"),
				holds(fmt.Sprintf(`(() => { const s = JSON.parse(sessionStorage.getItem('sent') || '[]'); return s.length === 1 && s[0] > 0 && s[0] < %d / 2; })()`, info.Size()),
					"the photo was not made smaller on the phone before sending"),
			)
			var p model.ReportPhoto
			if err := a.DB.Take(&p).Error; err != nil {
				t.Fatal(err)
			}
			if p.Width > 1600 || p.Height > 1600 {
				t.Fatalf("stored photo %d×%d: not made smaller on the phone (original %d bytes)", p.Width, p.Height, info.Size())
			}
		})
	}
}

// bigPhoto writes a 3000×2000 JPEG of noise, as heavy as a phone's photo.
func bigPhoto(t *testing.T, dir string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.UintN(256))
	}
	img.Set(0, 0, color.RGBA{0, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "IMG_20261202.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sendReport taps the report form's send button and waits for the receipt.
// With photos the form's script sends it (so no page load to watch, and
// the receipt replaces the form); without, the browser posts it.
func sendReport() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(`form[data-report-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#access-code")),
	)
}
