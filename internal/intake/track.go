package intake

import (
	"context"
	"errors"
	"strings"
	"time"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
)

// ErrNotFound covers both a tracking number that does not exist and a wrong
// access code, so neither can be probed.
var ErrNotFound = fail.New(fail.NotFound, "no report with that tracking number and access code")

// Tracked is what the reporter may see of their report.
type Tracked struct {
	Report *model.Report
	Case   *model.Case
	Events []model.CaseEvent // public timeline entries only
	Agency *model.Agency
	// Progress: the stages with the current one, what comes next, by when.
	Progress Progress
	// Rating is the reporter's rating of the handling, once given.
	Rating *model.CaseRating
	// MergedInto is the case that absorbed this one (merged reports only):
	// its tracking number and where it stands, in public words only.
	MergedInto *MergedCase
	// What the reporter may do now (MayAddInfo, MayWithdraw, MayRate).
	CanAddInfo, CanWithdraw, CanRate bool
	// Edited marks the texts staff masked on their way out (by timeline
	// entry id; ReplyEdited the reply): "edited by <agency> on <date>".
	Edited      map[int64]moderation.Mark
	ReplyEdited *moderation.Mark
}

// MergedCase is what a reporter may see of the case their report was
// merged into: never its reply, which was written to another reporter.
type MergedCase struct {
	TrackingNo   string
	Status       model.CaseStatus
	PublicNotice string
}

// Tracking limits, for the page and the API together. Every lookup counts
// against the client's address: enough for a person who mistypes, far too
// few to try access codes. Wrong codes also count against the tracking
// number, from whatever addresses they come, so guessing one report's
// 10^8 codes from many addresses is as slow as from one: at most
// trackFailsPerNumber tries an hour, about 570 years for even odds. The
// price is that a stranger who has the tracking number can keep its owner
// from looking it up for an hour at a time; the owner's e-mail updates,
// if any, still arrive.
const (
	trackWindow         = 10 * time.Minute
	trackPerAddress     = 30
	trackFailWindow     = time.Hour
	trackFailsPerNumber = 10
)

// Track looks a report up by tracking number and access code for a client
// at clientIP. It answers ErrNotFound for an unknown number and a wrong code
// alike, and a fail.RateLimited error when the address or the number has had its
// tries.
func (s *Service) Track(ctx context.Context, trackingNo, accessCode, clientIP string) (*Tracked, error) {
	now := s.now()
	st, err := s.Store.RateTake(ctx, "track:ip:"+throttle.AddressKey(clientIP), trackWindow, trackPerAddress, now)
	if err != nil {
		return nil, err
	}
	if st.Blocked {
		return nil, fail.Limited(st.RetryAfter)
	}
	no := reports.NormalizeTrackingNumber(trackingNo)
	if no == "" || len(accessCode) == 0 || len(accessCode) > 32 {
		return nil, ErrNotFound
	}
	// An attempt on the number is reserved before the code is checked and
	// given back when the code was right; unknown numbers count the same
	// way as known ones, so the limit says nothing about which exist.
	numberBucket := "track:no:" + no
	if st, err = s.Store.RateTake(ctx, numberBucket, trackFailWindow, trackFailsPerNumber, now); err != nil {
		return nil, err
	}
	if st.Blocked {
		return nil, fail.Limited(st.RetryAfter)
	}
	r, err := s.Store.ReportByTrackingNo(ctx, no)
	if errors.Is(err, storage.ErrNotFound) {
		// Spend the same HMAC as a real check, so timing says nothing.
		reports.CheckAccessCode(s.Secret, no, accessCode, "")
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !reports.CheckAccessCode(s.Secret, no, accessCode, r.AccessCodeHash) {
		return nil, ErrNotFound
	}
	if err := s.Store.RateRefund(ctx, numberBucket); err != nil {
		return nil, err
	}
	c, err := s.Store.CaseOfReport(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.PublicEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	agency, err := s.Store.AgencyByID(ctx, c.AgencyID)
	if err != nil {
		return nil, err
	}
	edited, replyEdited, err := s.editMarks(ctx, c, events)
	if err != nil {
		return nil, err
	}
	// The reply is shown once, under its own heading: the timeline entry
	// that carried it keeps its date and kind, not a second copy.
	if c.PublicReply != nil {
		for i := range events {
			if b := events[i].Body; b != nil && strings.TrimSpace(*b) == strings.TrimSpace(*c.PublicReply) {
				events[i].Body = nil
			}
		}
	}
	t := &Tracked{Report: r, Case: c, Events: events, Agency: agency, Progress: ProgressOf(c),
		CanAddInfo: MayAddInfo(c), CanWithdraw: MayWithdraw(c), Edited: edited, ReplyEdited: replyEdited}
	if MayRate(c) {
		switch t.Rating, err = s.Store.CaseRatingOf(ctx, c.ID); {
		case errors.Is(err, storage.ErrNotFound):
			t.CanRate = true
		case err != nil:
			return nil, err
		}
	}
	if c.Status == model.CaseMerged && c.DuplicateOfCaseID != nil {
		into, err := s.Store.CaseByID(ctx, *c.DuplicateOfCaseID)
		if err != nil {
			return nil, err
		}
		ir, err := s.Store.ReportByID(ctx, into.ReportID)
		if err != nil {
			return nil, err
		}
		t.MergedInto = &MergedCase{TrackingNo: ir.TrackingNo, Status: into.Status, PublicNotice: into.PublicNotice}
	}
	return t, nil
}

// editMarks finds which of case c's public texts staff masked: the
// timeline entries among events, and the reply.
func (s *Service) editMarks(ctx context.Context, c *model.Case, events []model.CaseEvent) (map[int64]moderation.Mark, *moderation.Mark, error) {
	bodies := map[int64]string{}
	for _, e := range events {
		if e.Body != nil {
			bodies[e.ID] = *e.Body
		}
	}
	edited, err := moderation.Marks(ctx, s.Store, moderation.ObjectCaseEvent, "body", bodies)
	if err != nil || c.PublicReply == nil {
		return edited, nil, err
	}
	reply, err := moderation.Marks(ctx, s.Store, "case", "public_reply", map[int64]string{c.ID: *c.PublicReply})
	if m, ok := reply[c.ID]; ok {
		return edited, &m, err
	}
	return edited, nil, err
}

// ReceiptAgainWindow is how long after filing a report its form's key shows
// the receipt again (for a language switch on the receipt page). After it,
// the tracking number and access code are the only way in.
const ReceiptAgainWindow = time.Hour

// ReceiptAgain shows again the receipt of the report filed with
// idempotency key key, access code included, within ReceiptAgainWindow of
// filing. The key is the form's own random value, which only the reporter's
// page held; lookups count against the client's address like tracking ones.
func (s *Service) ReceiptAgain(ctx context.Context, key, clientIP string) (*Receipt, error) {
	now := s.now()
	st, err := s.Store.RateTake(ctx, "track:ip:"+throttle.AddressKey(clientIP), trackWindow, trackPerAddress, now)
	if err != nil {
		return nil, err
	}
	if st.Blocked {
		return nil, fail.Limited(st.RetryAfter)
	}
	if !reports.ValidKey(key) {
		return nil, ErrNotFound
	}
	r, err := s.Store.ReportByIdempotencyKey(ctx, key)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && now.Sub(r.CreatedAt) > ReceiptAgainWindow) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c, err := s.Store.CaseOfReport(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return &Receipt{Report: r, Case: c, AccessCode: reports.AccessCodeFor(s.Secret, key)}, nil
}
