package reminders

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// PledgeStages are the days before a pledge's valid-until day on which its
// owner is told it runs out: when renewal opens (units.RenewalLeadDays),
// then a month and a week before. Only the most urgent stage reached is
// sent, once: a merchant told "7 days left" is not told "30 days" late.
var PledgeStages = []int{units.RenewalLeadDays, 30, 7}

// Event and SMS template of a pledge reminder.
const (
	EventPledge       = "unit.pledge_reminder"
	SMSPledgeTemplate = "reminder.pledge"
)

// pledgePage bounds the pledges one step of RunPledges loads.
const pledgePage = 500

// PledgeResult counts what one RunPledges did.
type PledgeResult struct {
	Sent, Taken, Off, Failed int
}

// RunPledges tells the owners of approved units whose pledge runs out within
// the first stage of day that it does, and how to renew: by e-mail and text
// message, in the owner's language, each (pledge, stage) once however many
// instances run it (a unique row written with the messages). Owners who
// turned reminders off are not told; a renewed pledge supersedes the old one
// and is not reminded of until its own time.
func (s *Service) RunPledges(ctx context.Context, day time.Time) (PledgeResult, error) {
	var res PledgeResult
	day = model.DateOf(day)
	from := day.In(model.Zone)
	to := day.AddDate(0, 0, slices.Max(PledgeStages)+1).In(model.Zone)
	var firstErr error
	for after := int64(0); ; {
		page, err := s.Store.PledgesRunningOut(ctx, from, to, after, pledgePage)
		if err != nil {
			return res, err
		}
		if len(page) == 0 {
			return res, firstErr
		}
		after = page[len(page)-1].Pledge.ID
		ids := make([]int64, len(page))
		for i, p := range page {
			ids[i] = p.Pledge.UnitID
		}
		owners, err := s.Store.UnitsWithOwners(ctx, ids)
		if err != nil {
			return res, err
		}
		for _, p := range page {
			days := int(model.DateOf(p.Pledge.ValidUntil).Sub(day).Hours() / 24)
			stage := pledgeStage(days)
			if stage == "" || slices.Contains(p.Sent, stage) {
				continue
			}
			uo, ok := owners[p.Pledge.UnitID]
			if !ok {
				continue
			}
			if uo.Owner.RemindersOff || uo.Owner.Disabled {
				res.Off++
				continue
			}
			msgs, err := pledgeMessages(uo.Owner, uo.Unit, p.Pledge, days, s.BaseURL)
			if err == nil {
				err = s.Store.RecordPledgeReminder(ctx, &model.PledgeReminder{PledgeID: p.Pledge.ID, UnitID: uo.Unit.ID, Stage: stage, CreatedAt: s.now()}, msgs)
			}
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
				res.Sent++
			}
		}
	}
}

// pledgeStage names the most urgent stage reached with days left ("p7"), or
// "" when none is (or the pledge already ran out: the unit page says so).
func pledgeStage(days int) string {
	if days < 0 {
		return ""
	}
	stages := slices.Sorted(slices.Values(PledgeStages))
	for _, d := range stages {
		if days <= d {
			return "p" + strconv.Itoa(d)
		}
	}
	return ""
}

// pledgeMessages are the e-mail (when the owner has an address) and the
// text message (when they have a phone) of a pledge reminder.
func pledgeMessages(owner model.User, unit model.Unit, p model.Pledge, days int, baseURL string) ([]model.OutboxMessage, error) {
	l := locale.New(owner.Locale)
	link := baseURL + "/merchant/units/" + strconv.FormatInt(unit.ID, 10) + "/pledge"
	until := p.ValidUntil.In(model.Zone).Format(time.DateOnly)
	var out []model.OutboxMessage
	if owner.Email != "" {
		out = append(out, outbox.Email(owner.Email, clip(l.T("pledge_reminder.subject", clip(unit.Name, 60), until), 300),
			l.T("pledge_reminder.body", unit.Name, until, days, link), nil, EventPledge))
	}
	if owner.Phone != "" {
		name := clip(unit.Name, 40)
		m, err := outbox.SMS(owner.Phone, SMSPledgeTemplate, map[string]string{"unit": name, "valid_until": until, "days": strconv.Itoa(days), "url": link},
			l.Lang, l.T("pledge_reminder.sms", name, until, days, link), EventPledge)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
