package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/demo"
)

// crawlBudget bounds the pages one person visits in TestEveryPage: far more
// than the kinds of page any role has, so it only stops a crawl gone wrong.
const crawlBudget = 60

// TestEveryPage signs in as each demo role in turn, on a 360 px phone and on
// a 1366 px screen, in both languages, and follows every link the pages offer (one page of each
// kind: /staff/cases/7 stands for every case), so that each page a person
// can reach passes everyPage: no sideways scrolling, no serious or critical
// accessibility violation, and no link leads to an error. The walks of other tests see only their own steps.
func TestEveryPage(t *testing.T) {
	a := apptest.New(t)
	if _, err := demo.Load(context.Background(), a.Store, a.Ref, []byte(apptest.Secret), demoAuditLog(t), a.Now()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	roles := []struct{ who, login string }{
		{"citizen", ""},
		{"merchant", "13900000001"},
		{"officer", "officer@demo.local"},
		{"supervisor", "supervisor@demo.local"},
		{"admin", "admin@demo.local"},
		{"body", "metrology@demo.local"},
	}
	// Chinese on a phone, where most people are; English on a phone, where
	// the longer words make the narrowest pages; English on a wide screen.
	screens := []struct {
		name, lang string
		size       chromedp.Action[chromedp.Void]
	}{
		{"360", "zh-CN", phone()},
		{"360-en", "en", phone()},
		{"1366-en", "en", chromedp.EmulateViewport(1366, 900)},
	}
	for _, r := range roles {
		for _, s := range screens {
			t.Run(r.who+"-"+s.name, func(t *testing.T) {
				p := b.person(t, r.who+s.name, s.size, open(a.URL+"/?lang="+s.lang, 200))
				if r.login != "" {
					p.step(t, "login",
						open(a.URL+"/login", 200),
						chromedp.SendKeys(chromedp.CSS("#login"), r.login),
						chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
						follow(`form[action="/login"] button[type=submit]`, 200),
					)
				}
				visited := crawl(t, p.tab, a.URL)
				t.Logf("%s at %s px: %d kinds of page: %s", r.who, s.name, len(visited), strings.Join(visited, " "))
				for _, d := range docShots[r.who+"-"+s.name] {
					p.base.publish(t, p.step(t, d.name, open(a.URL+d.path, 200)), d.name+".png")
				}
			})
		}
	}
}

// crawl visits every same-origin page reachable by links from the tab's
// current page and from base + "/", one page per kind, and returns the kinds.
// A page that fails everyPage is reported with a screenshot and the crawl goes
// on; a page that does not load ends it.
func crawl(t *testing.T, tab *browser, base string) []string {
	t.Helper()
	start, err := chromedp.Run(tab.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	queue := []string{start, base + "/"}
	seen := map[string]bool{}
	var kinds []string
	for len(queue) > 0 && len(kinds) < crawlBudget {
		next := queue[0]
		queue = queue[1:]
		kind, ok := pageKind(base, next)
		if !ok || seen[kind] {
			continue
		}
		seen[kind] = true
		kinds = append(kinds, kind)

		ctx, cancel := context.WithTimeout(tab.ctx, stepTimeout)
		var links []string
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(next))
		if err == nil && resp.Status >= 400 {
			t.Errorf("%s: a link leads to an error page (%d)", next, resp.Status)
		}
		if err == nil {
			links, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href]')].map(a => new URL(a.getAttribute('href'), document.baseURI).href)`))
		}
		var pageErr error
		if err == nil {
			pageErr = chromedp.Do(ctx, everyPage(), focusShows())
		}
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", next, err)
		}
		if pageErr != nil {
			shot := filepath.Join(tab.dir, fileName(t.Name())+"-"+fileName(strings.TrimPrefix(next, base))+".png")
			if png, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(100)); err == nil {
				_ = os.WriteFile(shot, png, 0o644)
			}
			t.Errorf("%s: %v\nscreenshot: %s", next, pageErr, shot)
		}
		queue = append(queue, links...)
	}
	return kinds
}

// idSegment is a path segment holding a digit: an id or a code's token.
// /staff/cases/7 and /staff/cases/9 are one kind of page, and so are all
// scan pages of one kind of code.
var idSegment = regexp.MustCompile(`[^/]*[0-9][^/]*`)

// skippedSuffixes are links that are not pages to check: files.
var skippedSuffixes = []string{".csv", ".xlsx", ".pdf", ".png", ".svg", ".json", ".jpg", ".txt", ".zip", "/export"}

// pageKind names the kind of page link leads to, and whether the crawl
// should visit it at all: our own pages only, no downloads, no fragments of
// the page already open.
func pageKind(base, link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, base+"/") {
		return "", false
	}
	path := u.Path
	if slices.ContainsFunc(skippedSuffixes, func(s string) bool { return strings.HasSuffix(path, s) }) ||
		strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/open311/") ||
		strings.Contains(path, "/download") || strings.Contains(path, "logout") {
		return "", false
	}
	// The query's keys (not values) tell pages apart: ?status=open and
	// ?status=closed show the same page, ?show=retired another view.
	var keys []string
	for k := range u.Query() {
		if k != "page" && k != "lang" && k != "ok" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return fmt.Sprintf("%s?%s", idSegment.ReplaceAllString(path, "N"), strings.Join(keys, "&")), true
}

// focusShows presses Tab, as a keyboard user does first on a page, and fails
// unless the element that took the focus is drawn with a focus ring.
func focusShows() chromedp.Action[chromedp.Void] {
	const js = `(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return '';
		const s = getComputedStyle(el);
		if ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none') return '';
		return 'the focused ' + el.tagName.toLowerCase() + ' "' + (el.textContent || el.name || '').trim().slice(0, 30) + '" shows no focus ring';
	})()`
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			return err
		}
		msg, err := chromedp.Evaluate[string](js)(ctx, t)
		if err != nil {
			return fmt.Errorf("focus: %w", err)
		}
		if msg != "" {
			return fmt.Errorf("%s", msg)
		}
		return nil
	})
}

// docShots are the staff and merchant pages published to docs/screenshots
// (HM_UPDATE_SCREENSHOTS=1), by role and screen, from the demo data.
var docShots = map[string][]struct{ path, name string }{
	"supervisor-1366-en": {{"/staff/dashboard", "staff-dashboard-1366-en"}},
	"supervisor-360":     {{"/staff/dashboard", "staff-dashboard-360"}},
	"officer-1366-en":    {{"/staff/applications", "staff-applications-1366-en"}},
	"merchant-360":       {{"/merchant", "merchant-home-360"}},
	"admin-1366-en":      {{"/admin/audit", "admin-audit-1366-en"}},
}

func demoAuditLog(t *testing.T) *audit.Log {
	t.Helper()
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	return log
}
