package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which the development image and CI install.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one step. Pages are served from 127.0.0.1, so a step that
// needs longer is stuck, not slow.
const stepTimeout = 20 * time.Second

// wechatUA is what WeChat's in-app browser on Android sends: most codes in
// a market are scanned with it.
const wechatUA = "Mozilla/5.0 (Linux; Android 13; V2055A Build/TP1A.220624.014; wv) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 " +
	"MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"

// browser is one headless Chromium with one tab, closed when the test ends.
// Each step leaves a numbered screenshot in dir.
type browser struct {
	ctx  context.Context // the tab
	root string          // the repository: the folder that holds go.mod
	dir  string          // this test's screenshots
	n    int             // steps taken so far
}

// newBrowser starts Chromium for t, speaking Chinese. Without Chromium the
// test is skipped on a developer's machine, but fails in CI, which must run it.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not installed (%v), and CI must run the browser tests", err)
		}
		t.Skip("chromium not installed")
	}
	// Made before the cleanup below is registered, so it is removed after
	// the browser has exited.
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		// Containers run the tests as root, where Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first run starts the browser. It carries no timeout: when a
	// timeout ends, it stops the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}

	root := repoRoot(t)
	dir := filepath.Join(root, "test-output", "e2e", fileName(t.Name()))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return &browser{ctx: ctx, root: root, dir: dir}
}

// do runs actions that show nothing new, such as emulation, without a
// screenshot.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// step runs actions, then the checks every page must pass (everyPage), then
// takes a full-page screenshot whatever happened and returns its path. A failed step ends the test, naming the screenshot: it
// shows what the person would have seen.
func (b *browser) step(t *testing.T, name string, actions ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	b.n++
	shot := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	err := chromedp.Do(ctx, actions...)
	var pageErr error
	if err == nil {
		pageErr = chromedp.Do(ctx, everyPage())
	}
	cancel()

	// A fresh timeout: the step's may be spent.
	ctx, cancel = context.WithTimeout(b.ctx, stepTimeout)
	png, shotErr := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	cancel()
	if shotErr == nil {
		shotErr = os.WriteFile(shot, png, 0o644)
	}

	switch {
	case err != nil && shotErr != nil:
		t.Fatalf("step %02d %s: %v\n(no screenshot: %v)", b.n, name, err, shotErr)
	case err != nil:
		t.Fatalf("step %02d %s: %v\nscreenshot: %s", b.n, name, err, shot)
	case shotErr != nil:
		t.Fatalf("step %02d %s: screenshot: %v", b.n, name, shotErr)
	case pageErr != nil:
		// The person could still go on, so the test does, to report every
		// page that fails, not just the first.
		t.Errorf("step %02d %s: %v\nscreenshot: %s", b.n, name, pageErr, shot)
	}
	return shot
}

// publish copies a step's screenshot into docs/screenshots under a stable
// name, when HM_UPDATE_SCREENSHOTS=1 asks for it.
func (b *browser) publish(t *testing.T, shot, name string) {
	t.Helper()
	if os.Getenv("HM_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(b.root, "docs", "screenshots", name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// phone makes the tab a 360×740 Android phone with two device pixels to the
// CSS pixel, in WeChat's browser, in Chinese: how most people meet the pages.
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulatePortrait,
			chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: wechatUA, AcceptLanguage: "zh-CN,zh;q=0.9", Platform: "Linux armv8l"})
			return err
		}),
	)
}

// open loads url and fails unless the server answered with status.
func open(url string, status int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		resp, err := chromedp.NavigateResponse(url)(ctx, t)
		if err != nil {
			return err
		}
		if resp.Status != status {
			return fmt.Errorf("%s: status %d, want %d", url, resp.Status, status)
		}
		return nil
	})
}

// follow taps sel (a link or a submit button), waits for the page it leads
// to and fails unless that page came with status.
func follow(sel chromedp.CSS, status int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
		if err != nil {
			return fmt.Errorf("tap %s: %w", sel, err)
		}
		if resp == nil {
			return fmt.Errorf("tap %s: no page was loaded", sel)
		}
		if resp.Status != status {
			return fmt.Errorf("tap %s: %s answered %d, want %d", sel, resp.URL, resp.Status, status)
		}
		return nil
	})
}

// hasText waits until sel is visible and fails unless its text, as the
// person sees it, holds every one of want.
func hasText(sel chromedp.CSS, want ...string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		got, err := chromedp.Text(sel, chromedp.NodeVisible)(ctx, t)
		if err != nil {
			return fmt.Errorf("%s: %w", sel, err)
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				return fmt.Errorf("%s shows %q, lacking %q", sel, got, w)
			}
		}
		return nil
	})
}

// textMatching waits until sel is visible, fails unless its whole text
// matches re, and keeps the text in into.
func textMatching(sel chromedp.CSS, re *regexp.Regexp, into *string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		got, err := chromedp.Text(sel, chromedp.NodeVisible)(ctx, t)
		if err != nil {
			return fmt.Errorf("%s: %w", sel, err)
		}
		got = strings.TrimSpace(got)
		if !re.MatchString(got) {
			return fmt.Errorf("%s shows %q, which does not match %s", sel, got, re)
		}
		*into = got
		return nil
	})
}

// holds fails with what unless the JavaScript expression js is true in the page.
func holds(js, what string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ok, err := chromedp.Evaluate[bool](js)(ctx, t)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !ok {
			return errors.New(what)
		}
		return nil
	})
}

// repoRoot is the folder holding go.mod, above the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// fileName turns a test name (subtests have slashes) into one folder name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

// screen is a width a browser test runs at: a phone and a wide desktop.
type screen struct {
	name string
	size chromedp.Action[chromedp.Void]
}

// screens are the two widths every browser test runs at: 360 px (a phone,
// touch) and 1366 px.
func screens() []screen {
	return []screen{{"360", phone()}, {"1366", chromedp.EmulateViewport(1366, 900)}}
}
