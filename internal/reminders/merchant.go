package reminders

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// DueItem is one certificate on the merchant's "due for verification"
// list: expiring within the first reminder's lead, or expired.
type DueItem struct {
	Unit       model.Unit
	View       storage.InstrumentView
	ValidUntil time.Time
	Days       int // from today to the valid-until date; negative once expired
	// Reminder is the latest reminder sent of this certificate (nil: none
	// yet, or the owner turned reminders off); Acknowledged says whether
	// the merchant acknowledged one, after which none is sent for it.
	Reminder     *model.ExpiryReminder
	Acknowledged bool
}

// Phrase is the item's state in l's language ("expires in 15 days").
func (d DueItem) Phrase(l *locale.Printer) string { return Phrase(l, d.Days) }

// Expired reports whether the certificate ran out.
func (d DueItem) Expired() bool { return d.Days < 0 }

// Due lists owner's certificates due for verification: in use, in units
// whose instruments are reminded of (LiveStatuses), valid until at most the
// first reminder's lead from today or already expired; soonest (longest
// expired) first. It is what the reminders are about, whether or not the
// owner receives them.
func (s *Service) Due(ctx context.Context, owner *model.User) ([]DueItem, error) {
	list, err := s.Store.UnitsByOwner(ctx, owner.ID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]model.Unit{}
	var ids []int64
	for _, u := range list {
		if slices.Contains(LiveStatuses, u.Status) {
			byID[u.ID] = u
			ids = append(ids, u.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	views, err := s.Store.InstrumentsOfUnits(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	today := model.DateOf(s.now())
	limit := today.AddDate(0, 0, Lead(s.stages()))
	var out []DueItem
	oldest := today
	for _, v := range views {
		until := v.ValidUntil()
		if until == nil {
			continue
		}
		vu := model.DateOf(*until)
		if vu.After(limit) {
			continue
		}
		if vu.Before(oldest) {
			oldest = vu
		}
		out = append(out, DueItem{Unit: byID[v.Instrument.UnitID], View: v, ValidUntil: vu, Days: DaysBetween(today, vu)})
	}
	if len(out) == 0 {
		return nil, nil
	}
	sent, err := s.Store.RemindersOfUnits(ctx, ids, oldest)
	if err != nil {
		return nil, err
	}
	type key struct {
		instrument int64
		validUntil string
	}
	latest := map[key]*model.ExpiryReminder{}
	acked := map[key]bool{}
	for i := range sent { // oldest first: the last one seen is the latest
		r := &sent[i]
		k := key{r.InstrumentID, model.DateOf(r.ValidUntil).Format(time.DateOnly)}
		latest[k] = r
		acked[k] = acked[k] || r.AcknowledgedAt != nil
	}
	for i := range out {
		k := key{out[i].View.Instrument.ID, out[i].ValidUntil.Format(time.DateOnly)}
		out[i].Reminder, out[i].Acknowledged = latest[k], acked[k]
	}
	slices.SortStableFunc(out, func(a, b DueItem) int {
		if c := a.ValidUntil.Compare(b.ValidUntil); c != 0 {
			return c
		}
		return cmp.Compare(a.View.Instrument.ID, b.View.Instrument.ID)
	})
	return out, nil
}

// Lead is how many days before its valid-until date a certificate is first
// reminded of and listed on the dashboard.
func (s *Service) Lead() int { return Lead(s.stages()) }

// StageLabel names a stage for the merchant ("15 days before").
func StageLabel(l *locale.Printer, stage string) string {
	switch {
	case stage == StageExpired || stage == StageExpired7:
		return l.T("reminders.stage." + stage)
	case strings.HasPrefix(stage, "d"):
		return l.T("reminders.stage.d", strings.TrimPrefix(stage, "d"))
	}
	return stage
}

// ReminderLabel names the item's latest reminder's stage, "" when none.
func (d DueItem) ReminderLabel(l *locale.Printer) string {
	if d.Reminder == nil {
		return ""
	}
	return StageLabel(l, d.Reminder.Stage)
}

var errNotFound = fail.New(fail.NotFound, "reminder not found")

// Acknowledge records that owner has seen reminder id (of one of their
// units): no further reminder is sent for that certificate. Acknowledging
// twice is fine; another merchant's reminder is not found.
func (s *Service) Acknowledge(ctx context.Context, owner *model.User, id int64) error {
	if owner == nil || owner.Role != model.RoleMerchant {
		return errNotFound
	}
	err := s.Store.AcknowledgeReminder(ctx, id, owner.ID, s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return errNotFound
	}
	return err
}

// SetOff turns owner's expiry reminders off (true) or back on. Turned back
// on, the next run sends the most urgent stage each certificate has reached
// (if it was not sent before).
func (s *Service) SetOff(ctx context.Context, owner *model.User, off bool) error {
	if owner == nil || owner.Role != model.RoleMerchant {
		return errNotFound
	}
	return s.Store.SetRemindersOff(ctx, owner.ID, off)
}
