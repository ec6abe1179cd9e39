package scan

import (
	"context"
	"errors"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

// Badge is the demonstration status a citizen sees, in one word.
type Badge string

const (
	BadgeValid         Badge = "valid"          // a demonstration unit with a standing pledge
	BadgeSuspended     Badge = "suspended"      // status suspended by the bureau
	BadgeRevoked       Badge = "revoked"        // status revoked
	BadgePledgeExpired Badge = "pledge_expired" // the pledge ran out
	BadgeNotListed     Badge = "not_listed"     // not (yet) a demonstration unit
	BadgeRenewal       Badge = "renewal"        // listed before, its renewal now under review
)

// BadgeOf derives the badge from the unit's status and its pledge at now. A
// suspension or revocation shows at once: it is read from the unit row on
// every scan, never cached.
func BadgeOf(u *model.Unit, p *model.Pledge, now time.Time) Badge {
	switch u.Status {
	case model.UnitSuspended:
		return BadgeSuspended
	case model.UnitRevoked:
		return BadgeRevoked
	case model.UnitExpired:
		return BadgePledgeExpired
	case model.UnitApproved:
		if p == nil || !p.Valid(now) {
			return BadgePledgeExpired
		}
		return BadgeValid
	case model.UnitSubmitted:
		// A unit that was listed and renewed its lapsed pledge is back under
		// review: it is not "not a demonstration unit" to a citizen.
		if u.ApprovedAt != nil {
			return BadgeRenewal
		}
	}
	return BadgeNotListed
}

// PublicInstrument is an instrument as the public sees it.
type PublicInstrument struct {
	storage.InstrumentView
	State model.VerificationState
}

// Unfit: the instrument may not be used for trade.
func (i PublicInstrument) Unfit() bool { return Unfit(i.State) }

// ReportCategory preselects the report form's category for this instrument.
func (i PublicInstrument) ReportCategory() model.Category { return ReportCategory(i.State) }

// PublicUnit is everything the public page of a unit shows.
type PublicUnit struct {
	Unit        *model.Unit
	District    *model.District
	Agency      *model.Agency // the bureau with jurisdiction
	Badge       Badge
	Pledge      *model.Pledge
	PledgeText  *model.PledgeText
	KeyPoints   []string // the pledge's promises in the page's language order (zh, en)
	KeyPointsEn []string
	Instruments []PublicInstrument
	// Health summarises Instruments for the unit's verdict; Tone is the
	// verdict's colour and PledgeStanding how the pledge is presented.
	Health         Health
	Tone           string
	PledgeStanding PledgeStanding
	SpotCheck      *model.SpotCheck
	// ReasonEdited and SummaryEdited say that staff masked personal data in
	// the public reason or the spot check's summary ("edited by … on …").
	ReasonEdited, SummaryEdited *moderation.Mark
	// HasPhoto: the shop-front photo is shown, so a citizen can tell a code
	// moved from another shop.
	HasPhoto bool
	// URL is the unit's current public (QR) URL: what its poster carries.
	URL string
	// RiskClass is the unit's risk class, set by AddRiskClass only where the
	// city publishes classes; "" otherwise (and always "" before a first
	// computation).
	RiskClass model.RiskClass
}

// AddRiskClass puts the unit's stored risk class on p when public (city.yaml
// risk_public) and does nothing otherwise: risk classes are references for
// regulators, and by default no public page or API response carries one.
func AddRiskClass(ctx context.Context, st *storage.Store, p *PublicUnit, public bool) error {
	if !public || p == nil || p.Unit == nil {
		return nil
	}
	r, err := st.UnitRisk(ctx, p.Unit.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p.RiskClass = r.Class
	return nil
}

// LoadUnit gathers the public page of unit id. Revoked units still load: a
// citizen holding an old poster must learn the status was revoked.
func LoadUnit(ctx context.Context, st *storage.Store, signer *qr.Signer, baseURL string, id int64, now time.Time) (*PublicUnit, error) {
	u, err := st.UnitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &PublicUnit{Unit: u}
	if p.District, err = st.DistrictByID(ctx, u.DistrictID); err != nil {
		return nil, err
	}
	if p.District.DefaultAgencyID != nil {
		if p.Agency, err = st.AgencyByID(ctx, *p.District.DefaultAgencyID); err != nil {
			return nil, err
		}
	}
	if p.Pledge, err = st.CurrentPledge(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if p.Pledge != nil {
		if p.PledgeText, err = st.PledgeTextByID(ctx, p.Pledge.PledgeTextID); err != nil {
			return nil, err
		}
		p.KeyPoints = strings.Split(p.PledgeText.KeyPointsZh, "\n")
		p.KeyPointsEn = strings.Split(p.PledgeText.KeyPointsEn, "\n")
	}
	p.Badge = BadgeOf(u, p.Pledge, now)
	views, err := st.InstrumentsOfUnits(ctx, []int64{u.ID}, false)
	if err != nil {
		return nil, err
	}
	states := make([]model.VerificationState, 0, len(views))
	for _, v := range views {
		p.Instruments = append(p.Instruments, PublicInstrument{InstrumentView: v, State: v.State(now)})
		states = append(states, v.State(now))
	}
	p.Health = HealthOf(states)
	p.Tone = Tone(p.Badge, p.Health)
	p.PledgeStanding = PledgeStandingOf(u, p.Pledge, now)
	if p.HasPhoto, err = st.HasUnitPhoto(ctx, u.ID); err != nil {
		return nil, err
	}
	if p.SpotCheck, err = st.LatestSpotCheck(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if err := p.addEditMarks(ctx, st); err != nil {
		return nil, err
	}
	if tok, err := st.LiveQRToken(ctx, model.QRUnit, u.ID); err == nil {
		// A version that cannot be encoded leaves the page without the
		// "current page" link rather than without the page.
		p.URL, _ = signer.URLFor(baseURL, qr.Ref{Kind: model.QRUnit, ID: u.ID, Version: tok.Version})
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	return p, nil
}

// addEditMarks finds whether staff masked the public reason or the spot
// check's summary that p shows.
func (p *PublicUnit) addEditMarks(ctx context.Context, st *storage.Store) error {
	if reason := p.PublicReason(); reason != "" {
		marks, err := moderation.Marks(ctx, st, audit.ObjectUnit, "status_reason", map[int64]string{p.Unit.ID: reason})
		if err != nil {
			return err
		}
		if m, ok := marks[p.Unit.ID]; ok {
			p.ReasonEdited = &m
		}
	}
	if sc := p.SpotCheck; sc != nil && sc.Summary != "" {
		marks, err := moderation.Marks(ctx, st, moderation.ObjectSpotCheck, "summary", map[int64]string{sc.ID: sc.Summary})
		if err != nil {
			return err
		}
		if m, ok := marks[sc.ID]; ok {
			p.SummaryEdited = &m
		}
	}
	return nil
}

// Counts summarises the instruments' states for the page header.
func (p *PublicUnit) Counts() map[model.VerificationState]int {
	m := map[model.VerificationState]int{}
	for _, in := range p.Instruments {
		m[in.State]++
	}
	return m
}

// AnyDeclared reports whether some instrument's latest record is only the
// merchant's word: the page then says what "declared" means.
func (p *PublicUnit) AnyDeclared() bool {
	for _, in := range p.Instruments {
		if in.Latest != nil && in.Latest.Declared() {
			return true
		}
	}
	return false
}

// Verdict is what a scanned code tells the citizen, the same on the page
// and in the API.
type Verdict struct {
	Status Status
	// Instrument is the index in the unit's Instruments of the instrument
	// the code names; -1 for a unit code, and for an instrument retired
	// since its label was printed (the label then vouches for nothing and
	// counts as replaced).
	Instrument int
	// CurrentURL is where the unit's current code leads, offered for a
	// replaced code while the unit is still listed and not revoked.
	CurrentURL string
}

// Judge gives the verdict on a code that resolved to status (Genuine or
// Replaced) for ref, whose unit's public page is p.
func Judge(status Status, ref qr.Ref, p *PublicUnit) Verdict {
	v := Verdict{Status: status, Instrument: -1}
	if ref.Kind == model.QRInstrument {
		for i := range p.Instruments {
			if p.Instruments[i].Instrument.ID == ref.ID {
				v.Instrument = i
			}
		}
		if v.Instrument < 0 {
			v.Status = Replaced
		}
	}
	if v.Status == Replaced && p.Badge != BadgeNotListed && p.Unit.Status != model.UnitRevoked {
		v.CurrentURL = p.URL
	}
	return v
}

// PublicReason is the bureau's reason a citizen reads for a suspended or
// revoked unit ("" otherwise): the page and the API show the same.
func (p *PublicUnit) PublicReason() string {
	if p.Badge == BadgeSuspended || p.Badge == BadgeRevoked {
		return p.Unit.StatusReason
	}
	return ""
}
