package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// postLogin signs in without a cookie jar or redirects, as a script would,
// from addr (X-Forwarded-For, which the app trusts from 127.0.0.1 here).
func postLogin(a *apptest.App, addr, login, password string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/login", strings.NewReader(url.Values{"login": {login}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	c := &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func failedLogins(t *testing.T, a *apptest.App) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Table("audit_log").Where("action = ?", "login_failed").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConcurrentWrongPasswordsCheckAtMostTheLimit fires 50 wrong passwords
// at one account from one address at the same moment: no more passwords
// may be checked (each check is a login_failed entry) than the three an
// address gets before the delays start.
func TestConcurrentWrongPasswordsCheckAtMostTheLimit(t *testing.T) {
	a := apptest.NewWith(t, apptest.ForwardedFor)
	a.CreateUser("13800000031", "right-password", model.RoleMerchant, "")
	var wg sync.WaitGroup
	statuses := make(chan int, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code, err := postLogin(a, "203.0.113.50", "13800000031", "guess-"+strconv.Itoa(i))
			if err != nil {
				t.Error(err)
			}
			statuses <- code
		}(i)
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if n := failedLogins(t, a); n > 3 {
		t.Fatalf("%d passwords checked by 50 concurrent attempts from one address, limit 3 (statuses %v)", n, counts)
	}
	if counts[http.StatusTooManyRequests] < 47 {
		t.Fatalf("statuses %v: want at least 47 × 429", counts)
	}
}

// TestOwnerSignsInWhileAttackerHammers: an attacker spreads wrong passwords
// over twenty addresses. The owner, on the phone they signed in with before,
// gets in at once; on a new device and address, after at most the capped
// account delay — never "locked for 15 minutes".
func TestOwnerSignsInWhileAttackerHammers(t *testing.T) {
	a := apptest.NewWith(t, apptest.ForwardedFor)
	a.CreateUser("13800000032", "right-password", model.RoleMerchant, "")
	phone := a.Browser()
	phone.Header.Set("X-Forwarded-For", "198.51.100.7")
	phone.Login("13800000032", "right-password")
	phone.Get("/merchant")
	phone.Post("/logout", nil)

	hammer := func() {
		for i := 0; i < 100; i++ {
			if _, err := postLogin(a, "203.0.113."+strconv.Itoa(1+i%20), "13800000032", "guess-"+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	hammer()
	checked := failedLogins(t, a)
	if checked > 20 {
		t.Errorf("100 attempts from 20 addresses within a minute got %d passwords checked, want ≤ 20", checked)
	}

	// The phone carries its device cookie: the account-wide ceiling does not apply to it.
	phone.Header.Set("X-Forwarded-For", "198.51.100.99")
	phone.Login("13800000032", "right-password")

	// A new device on a new address waits for the account's delay, then gets in.
	laptop := a.Browser()
	laptop.Header.Set("X-Forwarded-For", "192.0.2.44")
	laptop.Submit("/login", "/login", form("login", "13800000032", "password", "right-password"))
	laptop.Expect(http.StatusTooManyRequests, "秒后再试")
	if ra, _ := strconv.Atoi(laptop.Last.Header.Get("Retry-After")); ra < 1 || ra > 60 {
		t.Fatalf("Retry-After %q, want 1…60 seconds", laptop.Last.Header.Get("Retry-After"))
	}
	a.Advance(61 * time.Second)
	laptop.Login("13800000032", "right-password")
	hammer()
	a.Advance(61 * time.Second)
	laptop2 := a.Browser()
	laptop2.Header.Set("X-Forwarded-For", "192.0.2.45")
	laptop2.Login("13800000032", "right-password")
}

// TestLoginDelaysGrowAndSayWhenToRetry: from one address, three wrong
// passwords are free, then each further one waits twice as long, and the
// page says for how long, in the visitor's language.
func TestLoginDelaysGrowAndSayWhenToRetry(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000003", "right-password", model.RoleMerchant, "")
	b := a.Browser()
	for i := 0; i < 3; i++ {
		b.Submit("/login", "/login", form("login", "13800000003", "password", "wrong-password"))
		b.Expect(http.StatusUnauthorized, "账号或密码不正确", `value="13800000003"`)
	}
	wait := 0
	for i, want := range []int{10, 20, 40} {
		b.Submit("/login", "/login", form("login", "13800000003", "password", "wrong-password"))
		b.Expect(http.StatusTooManyRequests, "秒后再试")
		ra, _ := strconv.Atoi(b.Last.Header.Get("Retry-After"))
		if ra < want-1 || ra > want {
			t.Fatalf("delay %d: Retry-After %d, want %d", i, ra, want)
		}
		wait = ra
		a.Advance(time.Duration(ra) * time.Second)
		b.Submit("/login", "/login", form("login", "13800000003", "password", "wrong-password"))
		b.Expect(http.StatusUnauthorized, "账号或密码不正确")
	}
	// The right password after the wait gets in and clears the delays.
	a.Advance(time.Duration(wait*2) * time.Second)
	b.Login("13800000003", "right-password")

	e := a.Browser()
	e.Header.Set("Accept-Language", "en")
	a.CreateUser("13800000004", "right-password", model.RoleMerchant, "")
	for i := 0; i < 4; i++ {
		e.Submit("/login", "/login", form("login", "13800000004", "password", "nope-nope"))
	}
	e.Expect(http.StatusTooManyRequests, "Too many attempts. Please try again in 10 seconds.")
}
