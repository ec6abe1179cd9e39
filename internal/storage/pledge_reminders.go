package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// PledgeDue is a current pledge of an approved unit running out, with the
// stages already sent of it.
type PledgeDue struct {
	Pledge model.Pledge
	Sent   []string
}

// PledgesRunningOut pages through the current pledges of approved units
// valid until a moment in [from, to), by pledge id after afterID, at most
// limit of them, with the reminder stages already recorded for each.
func (s *Store) PledgesRunningOut(ctx context.Context, from, to time.Time, afterID int64, limit int) ([]PledgeDue, error) {
	var pledges []model.Pledge
	err := s.q(ctx).Table("pledges").Select("pledges.*").Joins("JOIN units ON units.id = pledges.unit_id").
		Where("pledges.superseded_at IS NULL AND pledges.valid_until >= ? AND pledges.valid_until < ? AND units.status = ? AND pledges.id > ?",
			from.UTC(), to.UTC(), model.UnitApproved, afterID).
		Order("pledges.id").Limit(limit).Find(&pledges).Error
	if err != nil || len(pledges) == 0 {
		return nil, err
	}
	ids := make([]int64, len(pledges))
	for i, p := range pledges {
		ids[i] = p.ID
	}
	var sent []model.PledgeReminder
	if err := s.q(ctx).Where("pledge_id IN ?", ids).Find(&sent).Error; err != nil {
		return nil, err
	}
	byPledge := map[int64][]string{}
	for _, r := range sent {
		byPledge[r.PledgeID] = append(byPledge[r.PledgeID], r.Stage)
	}
	out := make([]PledgeDue, len(pledges))
	for i, p := range pledges {
		out[i] = PledgeDue{Pledge: p, Sent: byPledge[p.ID]}
	}
	return out, nil
}

// RecordPledgeReminder stores that stage of the pledge's reminder was sent,
// with its messages, in one transaction; ErrDuplicate when another instance
// recorded it first (and nothing is sent).
func (s *Store) RecordPledgeReminder(ctx context.Context, r *model.PledgeReminder, msgs []model.OutboxMessage) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(r).Error; err != nil {
			if isDuplicate(err) {
				return ErrDuplicate
			}
			return err
		}
		return tx.Enqueue(ctx, msgs...)
	})
}
