package risk

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Service keeps every unit's current class: Recompute gathers the facts of a
// window of units in a few queries, classifies them, and writes a class only
// where it changed, with an audit entry (actor: the system) per change.
type Service struct {
	Store  *storage.Store
	Audit  *audit.Log
	Rule   Rule
	Now    func() time.Time // nil: the real clock
	Logger *slog.Logger     // for the best-effort recomputations after a change (UnitChanged)
	// Public: the city shows classes on public pages (city.yaml risk_public),
	// so a change refreshes the unit's cached scan pages.
	Public bool
	// Window is how many units one round loads at once; 0 means 500.
	Window int
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) window() int {
	if s.Window > 0 {
		return s.Window
	}
	return 500
}

// Scope says which units Recompute looks at.
type Scope struct {
	all bool
	ids []int64
}

// AllUnits is every unit but drafts.
var AllUnits = Scope{all: true}

// Units is the given units (drafts among them are skipped).
func Units(ids ...int64) Scope { return Scope{ids: ids} }

// Summary counts what one Recompute did.
type Summary struct {
	Units   int // units classified
	Changed int // classes written (and audited)
	Taken   int // changes another instance wrote first
}

// stored is what unit_risk_classes.inputs holds: the counted facts and the
// reasons, so pages show why without recomputing.
type stored struct {
	Inputs  Inputs   `json:"inputs"`
	Reasons []Reason `json:"reasons"`
}

// Stored reads back a stored class's reasons; a row it cannot read gives none.
func Stored(r *model.UnitRisk) (Inputs, []Reason) {
	var st stored
	if r == nil || json.Unmarshal([]byte(r.Inputs), &st) != nil {
		return Inputs{}, nil
	}
	return st.Inputs, st.Reasons
}

// auditState is a class as the audit entry of a change records it.
type auditState struct {
	Class       model.RiskClass `json:"class"`
	Score       int             `json:"score"`
	RuleVersion string          `json:"rule_version"`
	Inputs      json.RawMessage `json:"inputs"`
}

// Recompute classifies the units of scope on today's facts by s.Rule.
// Running it twice on the same facts writes nothing the second time. Several
// instances may run it at once: a class is written at the revision it was
// read at, so each change is written and audited once.
func (s *Service) Recompute(ctx context.Context, scope Scope) (Summary, error) {
	var sum Summary
	if !scope.all && len(scope.ids) == 0 {
		return sum, nil
	}
	now := s.now()
	// Storage reads a day more than the window; Classify counts exactly.
	since := WindowStart(s.Rule, now).AddDate(0, 0, -1)
	var only []int64
	if !scope.all {
		only = scope.ids
	}
	for after := int64(0); ; {
		ids, err := s.Store.RiskUnitIDs(ctx, after, s.window(), only)
		if err != nil || len(ids) == 0 {
			return sum, err
		}
		after = ids[len(ids)-1]
		n, taken, err := s.round(ctx, ids, since, now)
		sum.Units += len(ids)
		sum.Changed += n
		sum.Taken += taken
		if err != nil {
			return sum, err
		}
	}
}

type change struct {
	before *model.UnitRisk
	after  model.UnitRisk
}

// round classifies one window of units and writes their changes in one
// transaction.
func (s *Service) round(ctx context.Context, ids []int64, since, now time.Time) (written, taken int, err error) {
	facts, err := s.Store.GatherRiskFacts(ctx, ids, cases.OutcomeSubstantiated, since)
	if err != nil {
		return 0, 0, err
	}
	current, err := s.Store.UnitRisks(ctx, ids)
	if err != nil {
		return 0, 0, err
	}
	var changes []change
	for _, id := range ids {
		res := Classify(s.Rule, FactsOf(facts[id], now), now)
		inputs, err := json.Marshal(stored{Inputs: res.Inputs, Reasons: res.Reasons})
		if err != nil {
			return 0, 0, err
		}
		next := model.UnitRisk{UnitID: id, Class: res.Class, Score: res.Score, RuleVersion: res.Version, Inputs: string(inputs), ComputedAt: now}
		cur, ok := current[id]
		if ok && cur.Class == next.Class && cur.Score == next.Score && cur.RuleVersion == next.RuleVersion && cur.Inputs == next.Inputs {
			continue
		}
		c := change{after: next}
		if ok {
			c.before = &cur
		}
		changes = append(changes, c)
	}
	if len(changes) == 0 {
		return 0, 0, nil
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		written, taken = 0, 0
		for i := range changes {
			c := &changes[i]
			prev := 0
			if c.before != nil {
				prev = c.before.Revision
			}
			ok, err := tx.SaveUnitRisk(ctx, &c.after, prev)
			if err != nil {
				return err
			}
			if !ok {
				taken++
				continue
			}
			if s.Public && (c.before == nil || c.before.Class != c.after.Class) {
				if err := tx.TouchUnit(ctx, c.after.UnitID); err != nil {
					return err
				}
			}
			var before any
			if c.before != nil {
				before = stateOf(c.before)
			}
			if err := s.Audit.Record(ctx, tx, audit.Event{Actor: "system", Action: audit.ActionRiskClass, ObjectType: audit.ObjectUnit,
				ObjectID: strconv.FormatInt(c.after.UnitID, 10), Before: before, After: stateOf(&c.after), At: now}); err != nil {
				return err
			}
			written++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return written, taken, nil
}

func stateOf(r *model.UnitRisk) auditState {
	return auditState{Class: r.Class, Score: r.Score, RuleVersion: r.RuleVersion, Inputs: json.RawMessage(r.Inputs)}
}

// FactsOf turns a unit's stored facts into Classify's on the day of now; nil
// gives no facts.
func FactsOf(f *storage.RiskFacts, now time.Time) Facts {
	var out Facts
	if f == nil {
		return out
	}
	for _, v := range f.Instruments {
		in := Instrument{Mandatory: v.Type.Mandatory, State: v.State(now)}
		in.Confirmed = v.Latest != nil && !v.Latest.Declared()
		out.Instruments = append(out.Instruments, in)
	}
	for _, c := range f.Cases {
		out.Cases = append(out.Cases, Case{Category: c.Category, ConcludedAt: c.ConcludedAt})
	}
	for _, sc := range f.SpotChecks {
		out.SpotChecks = append(out.SpotChecks, SpotCheck{Result: sc.Result, CheckedOn: sc.CheckedOn})
	}
	out.OpenConflicts = f.OpenConflicts
	return out
}

// UnitChanged recomputes one unit's class after something that may change
// it (a case concluded, a spot-check result, a verification import). It is
// best effort: the change itself is already stored, so a failure is logged
// and the periodic full recomputation catches up.
func (s *Service) UnitChanged(ctx context.Context, unitIDs ...int64) {
	if _, err := s.Recompute(ctx, Units(unitIDs...)); err != nil && s.Logger != nil {
		s.Logger.Error("risk class recomputation failed; the periodic run retries", "units", len(unitIDs), "err", err)
	}
}
