package accounts_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newService returns a service on a fresh database whose password checks
// are counted.
func newService(t *testing.T) (*accounts.Service, *clock, *atomic.Int32) {
	t.Helper()
	st := storage.New(dbtest.Open(t))
	clk := &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	checks := &atomic.Int32{}
	log, err := audit.New([]byte("audit-key-for-tests-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s := &accounts.Service{Store: st, Audit: log, Secret: []byte("test-secret-0123456789-abcdefghijklmnop"), Limits: accounts.DefaultLimits, Now: clk.Now,
		PasswordCheck: func(h, p string) bool { checks.Add(1); return accounts.CheckPassword(h, p) }}
	u, err := accounts.NewUser("13800000001", "right-password", "店主", model.RoleMerchant, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return s, clk, checks
}

func kind(err error) fail.Kind { return fail.KindOf(err) }

// concurrently runs n logins at once, the i-th from addr(i), and returns
// how many came back throttled.
func concurrently(t *testing.T, s *accounts.Service, n int, addr func(i int) string) int {
	t.Helper()
	var wg sync.WaitGroup
	var throttled atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.Login(context.Background(), accounts.LoginRequest{Login: "13800000001", Password: "guess-" + strconv.Itoa(i),
				Client: accounts.Client{Address: addr(i)}})
			switch kind(err) {
			case fail.RateLimited:
				throttled.Add(1)
			case fail.Unauthorized:
			default:
				t.Errorf("login %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	return int(throttled.Load())
}

// Fifty wrong passwords at once from one address check three; from fifty
// addresses at once, the account's ten. On SQLite and MySQL alike.
func TestConcurrentGuessesCheckNoMoreThanTheLimits(t *testing.T) {
	s, clk, checks := newService(t)
	if th := concurrently(t, s, 50, func(int) string { return "203.0.113.9" }); checks.Load() != 3 || th != 47 {
		t.Fatalf("one address: %d passwords checked, %d throttled; want 3 and 47", checks.Load(), th)
	}
	clk.Add(25 * time.Hour) // every delay forgotten
	checks.Store(0)
	if th := concurrently(t, s, 50, func(i int) string { return "2001:db8:" + strconv.Itoa(i) + "::1" }); checks.Load() != 10 || th != 40 {
		t.Fatalf("fifty addresses: %d passwords checked, %d throttled; want 10 and 40", checks.Load(), th)
	}
	// The same /64 is one address, however many of its addresses are used.
	clk.Add(25 * time.Hour)
	checks.Store(0)
	concurrently(t, s, 20, func(i int) string { return "2001:db8:1:2::" + strconv.Itoa(i+1) })
	if checks.Load() != 3 {
		t.Fatalf("one /64: %d passwords checked, want 3", checks.Load())
	}
}

// The owner's device cookie passes the account-wide ceiling the attacker
// filled; without it, the owner waits at most a minute.
func TestOwnerPassesTheAccountCeiling(t *testing.T) {
	s, clk, _ := newService(t)
	ctx := context.Background()
	u, err := s.Login(ctx, accounts.LoginRequest{Login: "13800000001", Password: "right-password", Client: accounts.Client{Address: "198.51.100.7"}})
	if err != nil {
		t.Fatal(err)
	}
	device := s.DeviceToken(u)
	concurrently(t, s, 40, func(i int) string { return "203.0.113." + strconv.Itoa(i) })
	_, err = s.Login(ctx, accounts.LoginRequest{Login: "13800000001", Password: "right-password", Client: accounts.Client{Address: "192.0.2.1"}})
	ae, ok := fail.As(err)
	if !ok || ae.Kind != fail.RateLimited || ae.RetryAfter > time.Minute {
		t.Fatalf("new device during the attack: %v, want throttled for at most a minute", err)
	}
	if _, err := s.Login(ctx, accounts.LoginRequest{Login: "13800000001", Password: "right-password",
		Client: accounts.Client{Address: "192.0.2.1", Device: device}}); err != nil {
		t.Fatalf("the owner's device during the attack: %v", err)
	}
	if _, err := s.Login(ctx, accounts.LoginRequest{Login: "13800000001", Password: "wrong",
		Client: accounts.Client{Address: "192.0.2.1", Device: "forged"}}); kind(err) != fail.RateLimited {
		t.Fatalf("a forged device cookie: %v, want throttled", err)
	}
	clk.Add(ae.RetryAfter)
	if _, err := s.Login(ctx, accounts.LoginRequest{Login: "13800000001", Password: "right-password", Client: accounts.Client{Address: "192.0.2.1"}}); err != nil {
		t.Fatalf("new device after the wait: %v", err)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "wang.li@example.com": "w***@example.com", "x": "***"} {
		if got := accounts.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// sentCode reads the code back from the outbox, as the phone would.
func sentCode(t *testing.T, s *accounts.Service, to string) string {
	t.Helper()
	var m model.OutboxMessage
	if err := s.Store.DB().Where("recipient = ?", to).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	var p struct{ Params map[string]string }
	if err := json.Unmarshal([]byte(m.Body), &p); err != nil {
		t.Fatal(err)
	}
	return p.Params["code"]
}

// Two sign-ups racing with the right code make one account; the code is
// spent and an existing login never gets one.
func TestSignUpCodeIsSpentOnceUnderConcurrency(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	c := accounts.Client{Address: "203.0.113.5", Locale: "en"}
	if _, err := s.StartSignUp(ctx, "138 0000 0001", c); err != nil {
		t.Fatal(err)
	}
	if code := sentCode(t, s, "13800000001"); code != "" {
		t.Fatalf("a registered login got code %q", code)
	}
	sent, err := s.StartSignUp(ctx, "13900000009", c)
	if err != nil || sent.To != "139****0009" || sent.Email {
		t.Fatalf("StartSignUp = %+v, %v", sent, err)
	}
	code := sentCode(t, s, "13900000009")
	var wg sync.WaitGroup
	var made, conflicts atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ConfirmSignUp(ctx, accounts.SignUpRequest{Login: "13900000009", Code: code, DisplayName: "Li", Password: "li-password", Confirm: "li-password", Client: c})
			switch k := kind(err); {
			case err == nil:
				made.Add(1)
			case k == fail.Conflict || k == fail.Invalid:
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if made.Load() != 1 || conflicts.Load() != 7 {
		t.Fatalf("%d accounts made, %d refused; want 1 and 7", made.Load(), conflicts.Load())
	}
	u, err := s.Store.UserByLogin(ctx, "13900000009")
	if err != nil || u.PhoneVerifiedAt == nil || u.Locale != "en" {
		t.Fatalf("account %+v %v", u, err)
	}
}
