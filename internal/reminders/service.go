package reminders

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// LiveStatuses are the unit statuses whose instruments are reminded of and
// listed for officers: a published unit, and a suspended one (it still
// trades, and an expired instrument may be why it was suspended). Drafts,
// applications under review and units that left the programme are not: the
// platform vouches for nothing there yet, or any more.
var LiveStatuses = []model.UnitStatus{model.UnitApproved, model.UnitSuspended}

// Service sends the reminders and answers the pages about them.
type Service struct {
	Store   *storage.Store
	Now     func() time.Time // nil: the real clock
	Offsets []int            // days before valid-until; nil: DefaultOffsets
	BaseURL string           // for the link in messages
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) stages() []Stage {
	if s.Offsets == nil {
		return Stages(DefaultOffsets)
	}
	return Stages(s.Offsets)
}

// Result counts what one Run did.
type Result struct {
	Digests   int // units sent a digest (one e-mail and/or text message each)
	Reminders int // (instrument, valid-until, stage) reminders recorded
	Messages  int // outbox messages enqueued
	Taken     int // units another instance had already done (or was doing)
	Off       int // units whose owner turned reminders off
	Failed    int // units whose transaction failed; the next run retries them
}

// unitWindow is the span of unit ids one page of a run looks at: at most
// that many units' instruments are loaded at once.
const unitWindow = 200

// Run sends the reminders due on day (a calendar day in model.Zone; only its
// date counts). Per unit with anything due it runs one transaction: the
// digest row (unique per unit and day), one expiry_reminders row per
// certificate and stage (unique per instrument, valid-until and stage) and
// the messages. A unique violation means another instance got there first:
// that unit's transaction is rolled back and skipped, so however many
// instances run at once each reminder is sent once. Running again the same
// day is a no-op for the units already done.
func (s *Service) Run(ctx context.Context, day time.Time) (Result, error) {
	var res Result
	day = model.DateOf(day)
	stages := s.stages()
	from := day.AddDate(0, 0, -(stages[len(stages)-1].Day + CatchUpDays))
	to := day.AddDate(0, 0, Lead(stages))
	var firstErr error
	maxID, err := s.Store.MaxUnitID(ctx)
	if err != nil {
		return res, err
	}
	for after := int64(0); after < maxID; after += unitWindow {
		ids, err := s.Store.UnitsWithValidUntilIn(ctx, LiveStatuses, from, to, after, after+unitWindow)
		if err != nil {
			return res, err
		}
		if len(ids) == 0 {
			continue
		}
		due, err := s.duePage(ctx, ids, day, from, stages)
		if err != nil {
			return res, err
		}
		if len(due) == 0 {
			continue
		}
		owners, err := s.Store.UnitsWithOwners(ctx, ids)
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			items := due[id]
			if len(items) == 0 {
				continue
			}
			uo, ok := owners[id]
			if !ok {
				continue // deleted meanwhile
			}
			if uo.Owner.RemindersOff || uo.Owner.Disabled {
				res.Off++
				continue
			}
			n, err := s.sendUnit(ctx, uo, items, day)
			switch {
			case errors.Is(err, storage.ErrDuplicate):
				res.Taken++
			case err != nil:
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				res.Failed++
				if firstErr == nil {
					firstErr = err
				}
			default:
				res.Digests++
				res.Reminders += len(items)
				res.Messages += n
			}
		}
	}
	return res, firstErr
}

// duePage decides, for a page of units, what is due on day: per unit, the
// certificates whose most urgent stage reached was neither sent nor
// acknowledged, most urgent first.
func (s *Service) duePage(ctx context.Context, unitIDs []int64, day, from time.Time, stages []Stage) (map[int64][]item, error) {
	views, err := s.Store.InstrumentsOfUnits(ctx, unitIDs, false)
	if err != nil {
		return nil, err
	}
	sent, err := s.Store.RemindersOfUnits(ctx, unitIDs, from)
	if err != nil {
		return nil, err
	}
	h := indexSent(sent)
	due := map[int64][]item{}
	for _, v := range views {
		until := v.ValidUntil()
		if until == nil {
			continue
		}
		vu := model.DateOf(*until)
		st, ok := StageOn(stages, vu, day)
		if !ok || h.acknowledged(v.Instrument.ID, vu) || h.sent(v.Instrument.ID, vu, st.Name) {
			continue
		}
		due[v.Instrument.UnitID] = append(due[v.Instrument.UnitID], item{view: v, validUntil: vu, stage: st, days: DaysBetween(day, vu)})
	}
	for _, items := range due {
		slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(a.days, b.days) })
	}
	return due, nil
}

// sendUnit records and enqueues one unit's digest in one transaction and
// returns how many messages it enqueued. storage.ErrDuplicate: another
// instance already sent the unit's digest today, or one of its reminders;
// nothing was written.
func (s *Service) sendUnit(ctx context.Context, uo storage.UnitOwner, items []item, day time.Time) (int, error) {
	msgs, err := digestMessages(uo.Owner, uo.Unit, items, s.BaseURL)
	if err != nil {
		return 0, err
	}
	now := s.now()
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		d := &model.ReminderDigest{UnitID: uo.Unit.ID, Day: day, CreatedAt: now}
		if err := tx.CreateReminderDigest(ctx, d); err != nil {
			return err
		}
		rows := make([]model.ExpiryReminder, len(items))
		for i, it := range items {
			rows[i] = model.ExpiryReminder{InstrumentID: it.view.Instrument.ID, ValidUntil: it.validUntil, Stage: it.stage.Name,
				UnitID: uo.Unit.ID, DigestID: d.ID, CreatedAt: now}
		}
		if err := tx.CreateExpiryReminders(ctx, rows); err != nil {
			return err
		}
		return tx.Enqueue(ctx, msgs...)
	})
	return len(msgs), err
}

// sentIndex answers which reminders a set of units already had.
type sentIndex struct {
	stages map[sentKey]bool
	acked  map[sentKey]bool // Stage empty
}

type sentKey struct {
	instrument int64
	validUntil string
	stage      string
}

func indexSent(rows []model.ExpiryReminder) sentIndex {
	h := sentIndex{stages: map[sentKey]bool{}, acked: map[sentKey]bool{}}
	for _, r := range rows {
		vu := model.DateOf(r.ValidUntil).Format(time.DateOnly)
		h.stages[sentKey{r.InstrumentID, vu, r.Stage}] = true
		if r.AcknowledgedAt != nil {
			h.acked[sentKey{instrument: r.InstrumentID, validUntil: vu}] = true
		}
	}
	return h
}

func (h sentIndex) sent(instrument int64, validUntil time.Time, stage string) bool {
	return h.stages[sentKey{instrument, validUntil.Format(time.DateOnly), stage}]
}

func (h sentIndex) acknowledged(instrument int64, validUntil time.Time) bool {
	return h.acked[sentKey{instrument: instrument, validUntil: validUntil.Format(time.DateOnly)}]
}
