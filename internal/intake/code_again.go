package intake

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
)

// CodeAgainPerDay bounds how often one report's access code is texted
// again: enough for a reporter who lost it twice, too few to flood the
// phone of someone whose number a stranger typed in.
const CodeAgainPerDay = 3

// SendCodeAgain texts the access code of report trackingNo to the mobile
// number given with it, when phone is that number. Whether it matched is
// never said (the page reads the same either way), so the form tells a
// stranger nothing about a report or a number; lookups count against the
// client's address like tracking ones, and each report's texts against
// CodeAgainPerDay. Only a malformed entry is an error to show.
func (s *Service) SendCodeAgain(ctx context.Context, trackingNo, phone, clientIP string) error {
	errs := form.Errors{}
	no := reports.NormalizeTrackingNumber(trackingNo)
	if no == "" {
		errs.Add("code_tracking_number", "track.bad_number")
	}
	mobile, okPhone := form.MobileNumber(phone)
	if !okPhone {
		errs.Add("code_phone", "form.mobile")
	}
	if errs.Any() {
		return fail.Fields(errs)
	}
	now := s.now()
	st, err := s.Store.RateTake(ctx, "track:ip:"+throttle.AddressKey(clientIP), trackWindow, trackPerAddress, now)
	if err != nil {
		return err
	}
	if st.Blocked {
		return fail.Limited(st.RetryAfter)
	}
	r, err := s.Store.ReportByTrackingNo(ctx, no)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	given, ok := form.MobileNumber(r.ReporterPhone)
	if !ok || subtle.ConstantTimeCompare([]byte(given), []byte(mobile)) != 1 || r.IdempotencyKey == nil {
		return nil
	}
	c, err := s.Store.CaseOfReport(ctx, r.ID)
	if err != nil {
		return err
	}
	sent, err := s.Store.CountCaseMessages(ctx, c.ID, notices.EventCodeAgain, now.Add(-24*time.Hour))
	if err != nil || sent >= CodeAgainPerDay {
		return err
	}
	msgs, err := notices.CodeAgain(r, c, reports.AccessCodeFor(s.Secret, *r.IdempotencyKey), s.BaseURL)
	if err != nil {
		return err
	}
	return s.Store.Enqueue(ctx, msgs...)
}
