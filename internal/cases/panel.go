package cases

import "honestmeasure/internal/model"

// Offer is everything an officer may do on a case from its page, given the
// case's kind and status and the officer's role: the one definition the
// case page draws its decision panel from (a button not offered here is not
// drawn; the service methods still check each request on their own).
type Offer struct {
	// Decisions are the status transitions that need only the officer's
	// words and choices; Merge and Reroute, which need a target, are apart.
	Decisions []Action
	Merge     bool // this case repeats another: close it into that one
	Reroute   bool // a returned case given to another agency (city admin)
	Transfer  bool // to another agency (supervisor, city admin)
	Assign    bool // to an officer of the agency (supervisor)
	Extend    bool // the one extension of the deadline
	Reward    bool // a substantiated tip's reporter marked for a reward
	Tip       bool // a tip opened from a complaint that revealed a violation
}

// Any says whether the offer holds anything at all.
func (o Offer) Any() bool {
	return len(o.Decisions) > 0 || o.Merge || o.Reroute || o.Transfer || o.Assign || o.Extend || o.Reward || o.Tip
}

// AllowedActions is what role may do on cs (reported by r) now.
func AllowedActions(role model.Role, cs *model.Case, r *model.Report) Offer {
	o := Offer{
		Assign:   MayAssign(role) && Assignable(cs.Status),
		Transfer: MayTransfer(role) && Transferable(cs.Status) && !(MayReroute(role) && Reroutable(cs.Kind, cs.Status)),
		Reroute:  MayReroute(role) && Reroutable(cs.Kind, cs.Status),
		Extend:   role.Staff() && Extendable(cs),
		Reward:   role.Staff() && RewardEligible(cs, r),
		Tip:      role.Staff() && Tippable(cs, r),
	}
	if !role.Staff() {
		return Offer{}
	}
	for _, a := range Allowed(cs.Kind, cs.Status) {
		switch a {
		case ActMerge:
			o.Merge = true
		case ActReroute: // MayReroute above
		default:
			o.Decisions = append(o.Decisions, a)
		}
	}
	return o
}

// Mergeable says whether a case of kind in status may still be closed into
// another as its duplicate: the related reports' "merge into this case".
func Mergeable(kind model.ReportKind, status model.CaseStatus) bool {
	_, err := Next(kind, status, ActMerge)
	return err == nil
}

// AcceptsMerge says whether cs may take a duplicate in: an open case that
// is not itself merged into another.
func AcceptsMerge(cs *model.Case) bool {
	return cs.Status.Open() && cs.Status != model.CaseMerged
}

// Deadline kinds: which decision a case's deadline is for.
const (
	DeadlineDecision   = "decision"   // accept a complaint, open a case on a tip
	DeadlineConclusion = "conclusion" // conclude an opened case
)

// DeadlineKind says which deadline cs's due date is ("" when it has none).
func DeadlineKind(cs *model.Case) string {
	switch {
	case cs.DueAt == nil:
		return ""
	case cs.ConclusionDueAt != nil && cs.DueAt.Equal(*cs.ConclusionDueAt):
		return DeadlineConclusion
	}
	return DeadlineDecision
}

// MayTake says whether role may assign cases to themselves from the queue:
// any officer or supervisor of the agency.
func MayTake(role model.Role) bool { return role == model.RoleOfficer || role == model.RoleSupervisor }

// Takeable says whether who may take cs: an open case of their agency that
// nobody has yet (a supervisor may also take one from a colleague; an
// officer asks the supervisor for that).
func Takeable(who *model.User, cs *model.Case) bool {
	return who != nil && MayTake(who.Role) && who.AgencyID != nil && *who.AgencyID == cs.AgencyID && Assignable(cs.Status) &&
		(cs.AssigneeID == nil || who.Role == model.RoleSupervisor)
}
