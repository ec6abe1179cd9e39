package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
)

// drag presses at fraction (x0, y0) of sel's box, moves to (x1, y1) and
// lets go there, as a person drawing a rectangle does: with a finger when
// touch, with the mouse otherwise.
func drag(sel string, touch bool, x0, y0, x1, y1 float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		box, err := chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
			const e = document.querySelector(%s); e.scrollIntoView({block: 'center'});
			const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height];
		})()`, jsString(sel)))(ctx, t)
		if err != nil || len(box) != 4 {
			return fmt.Errorf("%s: %v", sel, err)
		}
		at := func(fx, fy float64) (float64, float64) { return box[0] + fx*box[2], box[1] + fy*box[3] }
		if touch {
			finger := func(typ input.DispatchTouchEventType, fx, fy float64) error {
				p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
				if typ != input.DispatchTouchEventTypeTouchEnd {
					x, y := at(fx, fy)
					p.TouchPoints = append(p.TouchPoints, &input.TouchPoint{X: x, Y: y})
				}
				_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, p)
				return err
			}
			if err := finger(input.DispatchTouchEventTypeTouchStart, x0, y0); err != nil {
				return err
			}
			for i := 1; i <= 4; i++ {
				f := float64(i) / 4
				if err := finger(input.DispatchTouchEventTypeTouchMove, x0+(x1-x0)*f, y0+(y1-y0)*f); err != nil {
					return err
				}
			}
			return finger(input.DispatchTouchEventTypeTouchEnd, x1, y1)
		}
		x, y := at(x0, y0)
		steps := []input.DispatchMouseEventParams{
			{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: y},
			{Type: input.DispatchMouseEventTypeMousePressed, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1},
		}
		for i := 1; i <= 4; i++ {
			f := float64(i) / 4
			mx, my := at(x0+(x1-x0)*f, y0+(y1-y0)*f)
			steps = append(steps, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: mx, Y: my, Button: input.MouseButtonLeft, Buttons: 1})
		}
		x, y = at(x1, y1)
		steps = append(steps, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: x, Y: y, Button: input.MouseButtonLeft, ClickCount: 1})
		for _, s := range steps {
			if _, err := cdp.Call(ctx, t, input.DispatchMouseEvent, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestShopPhotoRedactionInTheBrowser: an officer draws a rectangle on the
// shop photo by dragging, which fills the form's first row in the photo's
// pixels, gives a reason and covers it; the page, on a phone and on a wide
// screen, passes every page's checks.
func TestShopPhotoRedactionInTheBrowser(t *testing.T) {
	for _, screen := range []struct {
		name  string
		size  chromedp.Action[chromedp.Void]
		touch bool
	}{
		{"360", phone(), true},
		{"1366", chromedp.EmulateViewport(1366, 900), false},
	} {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			_, id, _ := a.ApprovedUnit("红梅农贸市场 3号摊位")
			src := image.NewRGBA(image.Rect(0, 0, 640, 480))
			for y := range 480 {
				for x := range 640 {
					src.Set(x, y, color.RGBA{uint8(120 + x%100), uint8(140 + y%80), 160, 255})
				}
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
				t.Fatal(err)
			}
			p, err := photos.Process(buf.Bytes(), photos.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Store.SetUnitPhoto(context.Background(), &model.UnitPhoto{UnitID: id, ContentType: p.ContentType, Width: p.Width, Height: p.Height, Data: p.Data}); err != nil {
				t.Fatal(err)
			}
			a.CreateUser("o1@tianning.example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
			b := newBrowser(t)
			officer := b.person(t, "officer", screen.size)
			officer.step(t, "login",
				open(a.URL+"/login", 200),
				chromedp.SendKeys(chromedp.CSS("#login"), "o1@tianning.example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), "officer-pass"),
				follow(`form[action="/login"] button[type=submit]`, 200),
			)
			unit := a.URL + "/staff/units/" + strconv.FormatInt(id, 10)
			officer.step(t, "panel",
				open(unit, 200),
				hasText("#photo-redact", "遮挡门头照片的部分区域", "也可以在照片上拖动画出矩形"),
				holds(`document.querySelector('#redact-photo').complete && document.querySelector('#redact-photo').naturalWidth === 640`, "the photo did not load"),
			)
			officer.step(t, "drawn",
				drag("#redact-photo", screen.touch, 0.25, 0.25, 0.5, 0.5),
				holds(`(() => { const v = [...document.querySelectorAll('#redact-rows tr:first-child input')].map(i => +i.value);
					const near = (a, b) => Math.abs(a - b) <= 3;
					return near(v[0], 160) && near(v[1], 120) && near(v[2], 160) && near(v[3], 120); })()`,
					"dragging over the middle quarter did not fill the first row with about 160, 120, 160, 120"),
				holds(`document.querySelectorAll('#redact-canvas .redact-box.kept').length === 1`, "the drawn rectangle is not shown on the photo"),
				chromedp.SendKeys(chromedp.CSS("#redact_reason"), "路人面部"),
			)
			officer.step(t, "redacted",
				follow(`#photo-redact button[type=submit]`, 200),
				hasText("main", "照片已遮挡处理", "该照片已做遮挡处理"),
			)
			got, err := a.Store.UnitPhoto(context.Background(), id)
			if err != nil || got.OriginalID == nil {
				t.Fatalf("the photo was not redacted: %v", err)
			}
			img, err := jpeg.Decode(bytes.NewReader(got.Data))
			if err != nil {
				t.Fatal(err)
			}
			for _, pt := range []image.Point{{165, 125}, {240, 180}, {315, 235}} {
				if c := color.RGBAModel.Convert(img.At(pt.X, pt.Y)).(color.RGBA); c != (color.RGBA{0, 0, 0, 255}) {
					t.Errorf("pixel %v of the drawn rectangle is %v", pt, c)
				}
			}
		})
	}
}
