package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// person is one of several people in a test: a tab in a browser context of
// its own, so each keeps their own cookies, in the test's one Chromium. All
// their steps are numbered in one sequence and named after who took them,
// so the screenshot folder reads as the story, in order.
type person struct {
	tab  *browser // this person's tab, screenshotting into the test's folder
	base *browser // the test's browser, which keeps the step count
	who  string
}

// person opens a browser context for who, with no cookies, and runs setup
// (a viewport, say) in it.
func (b *browser) person(t *testing.T, who string, setup ...chromedp.Action[chromedp.Void]) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// Like the browser's first run, this one carries no timeout: when a
	// timeout ends, it closes the tab with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("a browser context for %s: %v", who, err)
	}
	p := &person{tab: &browser{ctx: ctx, root: b.root, dir: b.dir}, base: b, who: who}
	p.tab.do(t, setup...)
	return p
}

// step is browser.step, numbered among everyone's steps and named after p.
func (p *person) step(t *testing.T, name string, actions ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	p.tab.n = p.base.n
	// Deferred, so the count moves on even when the step ends the test.
	defer func() { p.base.n = p.tab.n }()
	return p.tab.step(t, p.who+"-"+name, actions...)
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// choose picks, in the select sel, the option whose label starts with
// label, as a person reading the list would, and tells the page it changed.
func choose(sel chromedp.CSS, label string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => {
		const s = document.querySelector(%s);
		if (!s) return false;
		const o = [...s.options].find(o => o.text.trim().startsWith(%s));
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, jsString(string(sel)), jsString(label))
	return chromedp.Steps(
		chromedp.WaitVisible(sel),
		holds(js, fmt.Sprintf("%s has no option %q", sel, label)),
	)
}

// onPage fails unless the tab's path matches re, whose first group, when
// id is not nil, is a number kept in id.
func onPage(re *regexp.Regexp, id *int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		path, err := chromedp.Evaluate[string](`location.pathname`)(ctx, t)
		if err != nil {
			return fmt.Errorf("location: %w", err)
		}
		m := re.FindStringSubmatch(path)
		if m == nil {
			return fmt.Errorf("on %s, want a page matching %s", path, re)
		}
		if id != nil {
			if *id, err = strconv.ParseInt(m[1], 10, 64); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return nil
	})
}

// lacks fails if the text of sel, as the person sees it, holds unwanted.
func lacks(sel chromedp.CSS, unwanted string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		got, err := chromedp.Text(sel, chromedp.NodeVisible)(ctx, t)
		if err != nil {
			return fmt.Errorf("%s: %w", sel, err)
		}
		if strings.Contains(got, unwanted) {
			return fmt.Errorf("%s shows %q, which it must not", sel, unwanted)
		}
		return nil
	})
}

// reload reloads the page, as pulling it down on a phone does, and fails
// unless it came back with status.
func reload(status int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		resp, err := chromedp.RunResponse(ctx, chromedp.Reload())
		if err != nil {
			return fmt.Errorf("reload: %w", err)
		}
		if resp.Status != status {
			return fmt.Errorf("reload %s: status %d, want %d", resp.URL, resp.Status, status)
		}
		return nil
	})
}

// download is a file fetched by the page with the person's cookies.
type download struct {
	URL  string
	Type string // Content-Type
	Data []byte
}

// fetchLink fetches the href of the link sel from inside the page, so the
// request carries the person's cookies as tapping the link would, and keeps
// what came back in into.
func fetchLink(sel chromedp.CSS, into *download) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(async () => {
		const a = document.querySelector(%s);
		if (!a) throw new Error('no link ' + %[1]s);
		const r = await fetch(a.href, {credentials: 'same-origin'});
		const bytes = new Uint8Array(await r.arrayBuffer());
		let bin = '';
		for (const b of bytes) bin += String.fromCharCode(b);
		return {url: a.href, status: r.status, type: r.headers.get('Content-Type') || '', data: btoa(bin)};
	})()`, jsString(string(sel)))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		type fetched struct {
			URL    string `json:"url"`
			Status int    `json:"status"`
			Type   string `json:"type"`
			Data   string `json:"data"` // base64
		}
		got, err := chromedp.Evaluate[fetched](js, chromedp.EvalAwaitPromise)(ctx, t)
		if err != nil {
			return fmt.Errorf("fetch %s: %w", sel, err)
		}
		if got.Status != 200 {
			return fmt.Errorf("fetch %s: status %d", got.URL, got.Status)
		}
		data, err := base64.StdEncoding.DecodeString(got.Data)
		if err != nil {
			return fmt.Errorf("fetch %s: %w", got.URL, err)
		}
		*into = download{URL: got.URL, Type: got.Type, Data: data}
		return nil
	})
}

// decodeQR reads the text of the QR code in a PNG. It first searches the
// image for the code, as a camera app does; found is false when that search
// failed and the text was read from the image as the clean, upright symbol
// a download is. gozxing's search misses about one symbol in a hundred that
// decodes fine: data modules that happen to look like a corner pattern.
func decodeQR(pngBytes []byte) (text string, found bool, err error) {
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return "", false, fmt.Errorf("not a PNG: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", false, err
	}
	if res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil); err == nil {
		return res.GetText(), true, nil
	}
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		return "", false, fmt.Errorf("no QR code decodes: %w", err)
	}
	return res.GetText(), false, nil
}
