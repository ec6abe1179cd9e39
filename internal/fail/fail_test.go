package fail_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"honestmeasure/internal/fail"
)

func TestKindOf(t *testing.T) {
	notFound := fail.New(fail.NotFound, "not found")
	for _, tc := range []struct {
		name string
		err  error
		want fail.Kind
	}{
		{"nil", nil, fail.Internal},
		{"plain error", errors.New("boom"), fail.Internal},
		{"sentinel", notFound, fail.NotFound},
		{"wrapped sentinel", fmt.Errorf("load unit 7: %w", notFound), fail.NotFound},
		{"field", fail.Field(fail.Invalid, "name", "form.required"), fail.Invalid},
		{"limited", fail.Limited(0), fail.RateLimited},
	} {
		if got := fail.KindOf(tc.err); got != tc.want {
			t.Errorf("%s: KindOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSentinelMatchesItsCopiesOnly(t *testing.T) {
	conflict := fail.New(fail.Conflict, "changed by someone else")
	duplicate := fail.New(fail.Conflict, "already exists")
	withField := conflict.WithField("action", "review.changed_meanwhile")
	if !errors.Is(withField, conflict) {
		t.Error("a sentinel with a field added no longer matches the sentinel")
	}
	if errors.Is(withField, duplicate) || errors.Is(duplicate, conflict) {
		t.Error("two different sentinels of one kind match each other")
	}
	if len(conflict.Fields) != 0 {
		t.Error("WithField changed the sentinel itself")
	}
}

func TestLimitedNeverAsksForLessThanASecond(t *testing.T) {
	if got := fail.Limited(10 * time.Millisecond).RetryAfter; got != time.Second {
		t.Errorf("RetryAfter = %v, want 1s", got)
	}
}
