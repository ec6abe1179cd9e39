package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var loggedCode = regexp.MustCompile(`one-time code.*code=([0-9]{6})`)

// TestCodesAreLoggedInDevelopmentOnly: without an SMS gateway a developer
// finds the sign-up code in the log; a production server never writes it.
func TestCodesAreLoggedInDevelopmentOnly(t *testing.T) {
	for _, mode := range []string{"development", "production"} {
		t.Run(mode, func(t *testing.T) {
			vars := testVars(t)
			vars["HM_MODE"] = mode
			vars["HM_SECRET"] = strings.Repeat("s", 40)
			vars["HM_AUDIT_KEY"] = strings.Repeat("k", 40)
			base, logs, stop := startServer(t, vars)
			c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.PostForm(base+"/signup", url.Values{"login": {"13912345678"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-up step one: %d", resp.StatusCode)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			m := loggedCode.FindStringSubmatch(logs.String())
			if mode == "development" && m == nil {
				t.Fatalf("no code in the development log:\n%s", logs)
			}
			if mode == "production" && (m != nil || strings.Contains(logs.String(), "one-time code")) {
				t.Fatalf("production logged a code:\n%s", logs)
			}
		})
	}
}
