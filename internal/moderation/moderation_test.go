package moderation_test

import (
	"errors"
	"strings"
	"testing"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/pii"
)

var known = pii.Known{Names: []string{"李四"}, Phones: []string{"13700001111"}, Emails: []string{"lisi@example.com"}}

// Whatever is confirmed, Check either refuses or returns texts in which
// the detector finds nothing: nothing is publishable while a hit is open.
func TestNothingPublishableWhileAHitIsOpen(t *testing.T) {
	texts := []moderation.Text{
		{Field: "reply", Value: "李四您好，商户电话 13812345678，身份证 320402199001011239。"},
		{Field: "notice", Value: "经查，该电子秤计量失准，已责令整改。"},
		{Field: "reason", Value: "请拨 0519-88886666 或发邮件至 lisi@example.com"},
	}
	digests := []string{}
	for _, tx := range texts {
		digests = append(digests, moderation.Digest(tx.Field, tx.Value))
	}
	// Every subset of confirmations.
	for mask := 0; mask < 1<<len(texts); mask++ {
		var confirmed []string
		for i := range texts {
			if mask&(1<<i) != 0 {
				confirmed = append(confirmed, digests[i])
			}
		}
		checked, err := moderation.Check(known, confirmed, texts...)
		fullyConfirmed := mask&1 != 0 && mask&4 != 0 // the two texts with hits
		if !fullyConfirmed {
			var held *moderation.HeldError
			if !errors.As(err, &held) || !fail.Is(err, fail.Invalid) || checked != nil {
				t.Fatalf("confirmations %b: got %v, %v; want held", mask, checked, err)
			}
			for _, p := range held.Previews {
				if p.Field == "notice" {
					t.Errorf("a text without hits is held")
				}
			}
			continue
		}
		if err != nil {
			t.Fatalf("confirmations %b: %v", mask, err)
		}
		for _, c := range checked {
			if hits := pii.Find(c.Published, known); len(hits) != 0 {
				t.Errorf("%s published with hits %v: %s", c.Field, hits, c.Published)
			}
		}
	}
}

func TestPreviewHighlightsEveryHit(t *testing.T) {
	text := "李四反映：13812345678 与 13912345678 两个号码均为商户电话。"
	_, err := moderation.Check(known, nil, moderation.Text{Field: "reply", Value: text})
	var held *moderation.HeldError
	if !errors.As(err, &held) || len(held.Previews) != 1 {
		t.Fatalf("not held: %v", err)
	}
	p := held.Previews[0]
	var joined strings.Builder
	var marked []string
	for _, s := range p.Segments {
		joined.WriteString(s.Text)
		if s.Hit != nil {
			marked = append(marked, s.Text)
		}
	}
	if joined.String() != text {
		t.Errorf("segments do not rebuild the text: %q", joined.String())
	}
	if len(marked) != 3 {
		t.Errorf("marked %q, want the name and both numbers", marked)
	}
	if p.Digest != moderation.Digest("reply", text) || strings.Contains(p.Masked, "1381234") || strings.Contains(p.Masked, "李四") {
		t.Errorf("preview %+v", p)
	}
	if held.Err.Fields["reply"].Key != "moderation.held" {
		t.Errorf("field message %v", held.Err.Fields)
	}
}

// A confirmation is bound to the field and the exact text.
func TestConfirmationIsBoundToTheText(t *testing.T) {
	text := "电话 13812345678"
	for _, tt := range []struct {
		name   string
		digest string
		ok     bool
	}{
		{"the same text", moderation.Digest("reply", text), true},
		{"another field", moderation.Digest("notice", text), false},
		{"an edited text", moderation.Digest("reply", text+"。"), false},
		{"garbage", "zz", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := moderation.Check(pii.Known{}, []string{tt.digest}, moderation.Text{Field: "reply", Value: text})
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestGateKeepsTheFormsOtherMessages(t *testing.T) {
	errs := form.Errors{}
	errs.Add("until", "form.required")
	_, err := moderation.Gate(pii.Known{}, nil, errs, moderation.Text{Field: "text", Value: "电话 13812345678"}, moderation.Text{Field: "empty", Value: ""})
	var held *moderation.HeldError
	if !errors.As(err, &held) || len(held.Previews) != 1 {
		t.Fatalf("not held: %v", err)
	}
	if _, ok := held.Err.Fields["until"]; !ok {
		t.Errorf("the form's other message is lost: %v", held.Err.Fields)
	}
	if _, err := moderation.Gate(pii.Known{}, nil, errs, moderation.Text{Field: "text", Value: "已整改"}); !fail.Is(err, fail.Invalid) || moderation.Held(err) != nil {
		t.Errorf("plain text with a form error: %v", err)
	}
	checked, err := moderation.Gate(pii.Known{}, nil, nil, moderation.Text{Field: "text", Value: "已整改"})
	if err != nil || len(checked) != 1 || checked[0].Masked() {
		t.Errorf("plain text: %v %v", checked, err)
	}
}
