package ui_test

import (
	"testing"

	"honestmeasure/internal/uscc"
)

func checkChar(t *testing.T, body string) string {
	t.Helper()
	c, ok := uscc.CheckChar(body)
	if !ok {
		t.Fatalf("bad body %s", body)
	}
	return string(c)
}
