package ui

import (
	"context"
	"errors"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/storage"
)

// riskView is a unit's stored risk class as its merchant and the staff with
// jurisdiction see it: the class, its score, why and how to improve.
type riskView struct {
	Class       model.RiskClass
	Score       int
	RuleVersion string
	ComputedAt  time.Time
	Reasons     []risk.Reason
	Thresholds  [3]int // the scores of B, C and D, to read the score by
}

// unitRisk loads unit id's stored class; nil when it has none yet.
func (h *Handler) unitRisk(ctx context.Context, unitID int64) (*riskView, error) {
	r, err := h.Store.UnitRisk(ctx, unitID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, reasons := risk.Stored(r)
	t := h.Ref.Risk.Thresholds
	return &riskView{Class: r.Class, Score: r.Score, RuleVersion: r.RuleVersion, ComputedAt: r.ComputedAt, Reasons: reasons,
		Thresholds: [3]int{t.B, t.C, t.D}}, nil
}
