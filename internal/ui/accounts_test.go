package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/app"
	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var requestIDs = regexp.MustCompile(`[0-9a-f]{16,}`)

// pageFor is the answer to step one of a code request for login, with the
// login itself (and its masked form) taken out so two answers compare.
func pageFor(b *apptest.Browser, action, login, masked string) (int, string, string) {
	b.Submit(action, action, form("login", login))
	body := strings.ReplaceAll(strings.ReplaceAll(b.Last.Body, login, "LOGIN"), masked, "MASKED")
	at := strings.ReplaceAll(strings.ReplaceAll(b.Last.URL, url.QueryEscape(login), "LOGIN"), login, "LOGIN")
	return b.Last.Status, at, requestIDs.ReplaceAllString(body, "ID")
}

// TestSignUpNeverTellsWhoIsRegistered: a new phone number, a merchant's
// phone number and an officer's e-mail get the same answer; only the new
// number gets a code, the registered ones a warning instead.
func TestSignUpNeverTellsWhoIsRegistered(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("13800000040", "merchant-pass", model.RoleMerchant, "")
	b := a.Browser()
	st1, url1, fresh := pageFor(b, "/signup", "13900000001", "139****0001")
	st2, url2, merchant := pageFor(b, "/signup", "13800000040", "138****0040")
	if st1 != http.StatusOK || st1 != st2 || url1 != url2 || fresh != merchant {
		t.Fatalf("a registered phone number is told apart: %d %s / %d %s", st1, url1, st2, url2)
	}
	st3, url3, _ := pageFor(b, "/signup", "officer@example.org", "o***@example.org")
	st4, url4, _ := pageFor(b, "/signup", "nobody@example.org", "n***@example.org")
	if st3 != st4 || url3 != url4 {
		t.Fatalf("an officer's e-mail is told apart: %d %s / %d %s", st3, url3, st4, url4)
	}
	b.Expect(http.StatusOK, "验证码已发送至邮箱 n***@example.org")
	if strings.Contains(b.Last.Body, "已经注册过，请直接登录") {
		t.Fatal("the page says the login is registered")
	}

	if a.SentCode("13900000001") == "" {
		t.Fatal("no code sent to the new number")
	}
	for _, registered := range []string{"13800000040", "officer@example.org"} {
		msgs := a.SentTo(registered)
		if len(msgs) != 1 || a.SentCode(registered) != "" || !strings.Contains(msgs[0].Body, "有人尝试用本") {
			t.Fatalf("%s: %d messages, want one warning without a code: %+v", registered, len(msgs), msgs)
		}
	}
	if msgs := a.SentTo("13900000001"); msgs[0].Channel != "sms" {
		t.Fatalf("a phone number's code went by %s", msgs[0].Channel)
	}
	if msgs := a.SentTo("nobody@example.org"); msgs[0].Channel != "email" {
		t.Fatalf("an e-mail address's code went by %s", msgs[0].Channel)
	}

	// Claiming the officer's e-mail (or anyone's number) needs a code nobody sent.
	b.Post("/signup/code", form("login", "officer@example.org", "code", "123456", "display_name", "冒名", "password", "taken-over", "password_confirm", "taken-over"))
	b.Expect(http.StatusUnprocessableEntity, "验证码不正确或已失效")

	// The right code makes the account, verified, and signs in; it works once.
	code := a.SentCode("13900000001")
	b.Post("/signup/code", form("login", "13900000001", "code", code, "display_name", "王五", "password", "wang-wu-pass", "password_confirm", "wang-wu-pass"))
	b.Expect(http.StatusOK, "注册成功")
	u, err := a.Store.UserByLogin(context.Background(), "13900000001")
	if err != nil || u.PhoneVerifiedAt == nil || u.Role != model.RoleMerchant {
		t.Fatalf("new account %+v %v, want a merchant with a verified phone", u, err)
	}
	c := a.Browser()
	c.Post("/signup/code", form("login", "13900000001", "code", code, "display_name", "王五", "password", "wang-wu-pass", "password_confirm", "wang-wu-pass"))
	c.Expect(http.StatusUnprocessableEntity, "验证码不正确或已失效")
}

// TestSignUpCodesAllowFiveGuesses: the sixth guess fails even when it is
// right, and the hourly limits stop codes from being sent without end.
func TestSignUpCodesAllowFiveGuessesAndAreLimited(t *testing.T) {
	a := apptest.NewWith(t, func(o *app.Options) {
		apptest.ForwardedFor(o)
		o.AccountLimits = accounts.Limits{CodesPerAddressPerHour: 5, CodesPerHour: 8}
	})
	b := a.Browser()
	b.Header.Set("X-Forwarded-For", "203.0.113.1")
	b.Submit("/signup", "/signup", form("login", "13900000002"))
	code := a.SentCode("13900000002")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < 5; i++ {
		b.Post("/signup/code", form("login", "13900000002", "code", wrong, "display_name", "赵六", "password", "zhao-liu-pass", "password_confirm", "zhao-liu-pass"))
		b.Expect(http.StatusUnprocessableEntity, "验证码不正确或已失效")
	}
	b.Post("/signup/code", form("login", "13900000002", "code", code, "display_name", "赵六", "password", "zhao-liu-pass", "password_confirm", "zhao-liu-pass"))
	b.Expect(http.StatusUnprocessableEntity, "验证码不正确或已失效")

	// Per login: three codes an hour, from whatever address.
	for i, addr := range []string{"203.0.113.2", "203.0.113.3", "203.0.113.4"} {
		b.Header.Set("X-Forwarded-For", addr)
		b.Submit("/signup", "/signup", form("login", "13900000002"))
		if want := map[bool]int{true: http.StatusOK, false: http.StatusTooManyRequests}[i < 2]; b.Last.Status != want {
			t.Fatalf("code %d for one login: %d, want %d", i+2, b.Last.Status, want)
		}
	}
	b.Expect(http.StatusTooManyRequests, "分钟后再试")
	// Per address: five an hour.
	b.Header.Set("X-Forwarded-For", "198.51.100.1")
	for i := 0; i < 6; i++ {
		b.Submit("/signup", "/signup", form("login", "1390000010"+string(rune('0'+i))))
	}
	b.Expect(http.StatusTooManyRequests)
	if b.Last.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// Over all addresses: eight an hour here (4 + 5 - 1 refused so far = 8 sent).
	b.Header.Set("X-Forwarded-For", "192.0.2.9")
	b.Submit("/signup", "/signup", form("login", "13900000200"))
	b.Expect(http.StatusTooManyRequests)
	var sent int64
	a.DB.Model(&model.OutboxMessage{}).Count(&sent)
	if sent != 8 {
		t.Fatalf("%d messages sent, want the global limit of 8", sent)
	}
}

// TestPasswordResetByCode: the forgotten-password page answers alike for
// any login, sends a code only to a real account's phone, and the code sets
// a new password, ends every other session and signs in — even while the
// account's sign-in is being hammered.
func TestPasswordResetByCode(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000050", "old-password", model.RoleMerchant, "")
	other := a.Browser()
	other.Login("13800000050", "old-password")

	b := a.Browser()
	b.Get("/login")
	b.Expect(http.StatusOK, `href="/password/forgot"`, "忘记密码")
	st1, url1, known := pageFor(b, "/password/forgot", "13800000050", "138****0050")
	st2, url2, unknown := pageFor(b, "/password/forgot", "13800000051", "138****0051")
	if st1 != http.StatusOK || st1 != st2 || url1 != url2 || known != unknown {
		t.Fatalf("the reset page tells registered logins apart: %d %s / %d %s", st1, url1, st2, url2)
	}
	if len(a.SentTo("13800000051")) != 0 {
		t.Fatal("a code went to a number without an account")
	}
	for i := 0; i < 30; i++ { // someone hammers the sign-in meanwhile
		b.Submit("/login", "/login", form("login", "13800000050", "password", "guess"))
	}
	code := a.SentCode("13800000050")
	b.Post("/password/reset", form("login", "13800000050", "code", code, "password", "new-password", "password_confirm", "other"))
	b.Expect(http.StatusUnprocessableEntity, "两次输入的密码不一致")
	b.Post("/password/reset", form("login", "13800000050", "code", code, "password", "new-password", "password_confirm", "new-password"))
	b.Expect(http.StatusOK, "新密码已设置")
	if b.Last.URL != "/merchant?ok=password_reset" {
		t.Fatalf("after reset at %s", b.Last.URL)
	}
	if r := other.Get("/merchant"); !strings.HasPrefix(r.URL, "/login") {
		t.Fatalf("another session survived the reset: %s", r.URL)
	}
	var n int64
	a.DB.Table("audit_log").Where("action = ? AND after_json LIKE ?", "password_change", "%reset_code%").Count(&n)
	if n != 1 {
		t.Fatalf("%d audit entries for the reset, want 1", n)
	}
	// A sign-up code is no reset code, and a reset code works once.
	b.Post("/password/reset", form("login", "13800000050", "code", code, "password", "third-password", "password_confirm", "third-password"))
	b.Expect(http.StatusUnprocessableEntity, "验证码不正确或已失效")
	b.Get("/merchant")
	b.Post("/logout", nil)
	b.Submit("/login", "/login", form("login", "13800000050", "password", "old-password"))
	b.Expect(http.StatusUnauthorized, "账号或密码不正确")
	b.Login("13800000050", "new-password")
}

// TestPasswordChangeChecksTheCurrentOneUnderThrottling: a stolen session
// cannot try current passwords without end.
func TestPasswordChangeChecksTheCurrentOneUnderThrottling(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000060", "first-password", model.RoleMerchant, "")
	b := a.Browser()
	b.Login("13800000060", "first-password")
	for i := 0; i < 3; i++ {
		b.Submit("/account/password", "/account/password", form("current", "guess", "new", "second-password", "new_confirm", "second-password"))
		b.Expect(http.StatusUnprocessableEntity, "当前密码不正确")
	}
	b.Submit("/account/password", "/account/password", form("current", "first-password", "new", "second-password", "new_confirm", "second-password"))
	b.Expect(http.StatusTooManyRequests, "秒后再试")
}
