package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored for the tests only (testdata/axe/README.md):
// the product never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// everyPage runs on whatever page a step ends on, so that no page a test
// visits escapes them: the page must not scroll sideways, and axe-core must
// find no serious or critical WCAG 2.1 A/AA violation. Files the browser
// shows itself (an image, a PDF) are not our pages and are skipped.
func everyPage() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		html, err := chromedp.Evaluate[bool](`document.contentType === 'text/html' && location.protocol === 'http:'`)(ctx, t)
		if err != nil || !html {
			return err
		}
		if _, err := fitsWidth()(ctx, t); err != nil {
			return err
		}
		_, err = accessible()(ctx, t)
		return err
	})
}

// axeViolation is the part of an axe-core result a failure message needs.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// accessible injects axe-core once per document and fails on serious or
// critical violations of WCAG 2.1 A and AA (what GB/T 37668-2019 asks of a
// public service's web pages), naming each rule and the elements.
func accessible() chromedp.Action[chromedp.Void] {
	const run = `(async () => {
		const r = await axe.run(document, {
			runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
			resultTypes: ['violations'],
		});
		return JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical'));
	})()`
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		loaded, err := chromedp.Evaluate[bool](`typeof window.axe === 'object'`)(ctx, t)
		if err != nil {
			return fmt.Errorf("axe: %w", err)
		}
		if !loaded {
			if _, err := chromedp.Evaluate[any](axeSource+";0", chromedp.EvalAsValue)(ctx, t); err != nil {
				return fmt.Errorf("loading axe-core: %w", err)
			}
		}
		out, err := chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise)(ctx, t)
		if err != nil {
			return fmt.Errorf("axe: %w", err)
		}
		var found []axeViolation
		if err := json.Unmarshal([]byte(out), &found); err != nil {
			return fmt.Errorf("axe result: %w", err)
		}
		if len(found) == 0 {
			return nil
		}
		var b strings.Builder
		url, _ := chromedp.Evaluate[string](`location.pathname + location.search`)(ctx, t)
		fmt.Fprintf(&b, "accessibility of %s: %d serious or critical violations:", url, len(found))
		for _, v := range found {
			fmt.Fprintf(&b, "\n- %s (%s): %s", v.ID, v.Impact, v.Help)
			for i, n := range v.Nodes {
				if i == 4 {
					fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-i)
					break
				}
				fmt.Fprintf(&b, "\n    %v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
			}
		}
		return fmt.Errorf("%s", b.String())
	})
}

// fitsWidth fails if the page is wider than the window, so that a person
// would have to scroll sideways, naming the elements that stick out. What
// a scrolling box (a .table-wrap) holds may be wider: that box scrolls,
// not the page.
func fitsWidth() chromedp.Action[chromedp.Void] {
	const js = `(() => {
		const root = document.documentElement, w = root.clientWidth;
		if (root.scrollWidth <= w) return '';
		const scrolls = el => {
			for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
				if (getComputedStyle(p).overflowX !== 'visible') return true;
			}
			return false;
		};
		const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
			[...el.classList].map(c => '.' + c).join('');
		// An element sticks out when its box does, or its content spills
		// out of a box that fits (a long word, say).
		const out = [];
		for (const el of document.body.querySelectorAll('*')) {
			if (scrolls(el)) continue;
			const r = el.getBoundingClientRect();
			const right = getComputedStyle(el).overflowX === 'visible' ? Math.max(r.right, r.left + el.scrollWidth) : r.right;
			if (right > w + 0.5) out.push({el, right});
		}
		// Only the innermost: their ancestors stick out because of them.
		const inner = out.filter(o => !out.some(p => p !== o && o.el.contains(p.el)));
		return 'the page is ' + root.scrollWidth + 'px wide in a ' + w + 'px window: ' +
			inner.slice(0, 8).map(o => name(o.el) + ' reaching ' + Math.round(o.right) + 'px').join(', ');
	})()`
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		msg, err := chromedp.Evaluate[string](js)(ctx, t)
		if err != nil {
			return fmt.Errorf("page width: %w", err)
		}
		if msg != "" {
			return fmt.Errorf("%s", msg)
		}
		return nil
	})
}
