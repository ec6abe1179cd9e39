package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
)

type scanJSON struct {
	Genuine    bool            `json:"genuine"`
	Status     string          `json:"status"` // genuine, replaced, not_issued
	Kind       *model.QRKind   `json:"kind"`
	Unit       *publicUnitJSON `json:"unit"`
	Instrument *instrumentJSON `json:"instrument"`
	CurrentURL *string         `json:"current_url"`
}

// publicUnitJSON is what the scan page shows of a unit. It is built field by
// field from scan.PublicUnit so that nothing else (owner, contact, credit
// code override, reports) can slip into the response.
type publicUnitJSON struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	BusinessType model.BusinessType `json:"business_type"`
	Address      string             `json:"address"`
	District     districtJSON       `json:"district"`
	Badge        scan.Badge         `json:"badge"`
	// Verdict is the badge, except "caution" for a listed unit with
	// instruments unfit for trade (UnfitInstruments of them), as on the page.
	Verdict          string           `json:"verdict"`
	UnfitInstruments int              `json:"unfit_instruments"`
	StatusReason     *string          `json:"status_reason"`
	Pledge           *pledgeJSON      `json:"pledge"`
	Instruments      []instrumentJSON `json:"instruments"`
	SpotCheck        *spotCheckJSON   `json:"spot_check"`
	PublicURL        *string          `json:"public_url"`
	ReportURL        string           `json:"report_url"`
	// RiskClass only where the city publishes risk classes (risk_public).
	RiskClass *model.RiskClass `json:"risk_class,omitempty"`
}

type pledgeJSON struct {
	// Standing: in_force, void (the unit is suspended or revoked) or lapsed.
	Standing   scan.PledgeStanding `json:"standing"`
	Version    string              `json:"version"`
	SignedAt   string              `json:"signed_at"`
	ValidUntil string              `json:"valid_until"`
	PromisesZh []string            `json:"promises_zh"`
	PromisesEn []string            `json:"promises_en"`
}

type instrumentTypeJSON struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

type instrumentJSON struct {
	ID               int64                   `json:"id"`
	Type             instrumentTypeJSON      `json:"type"`
	SerialNo         string                  `json:"serial_no"`
	Location         string                  `json:"location"`
	State            model.VerificationState `json:"state"`
	CertificateNo    *string                 `json:"certificate_no"`
	VerificationBody *string                 `json:"verification_body"`
	VerifiedOn       *string                 `json:"verified_on"`
	ValidUntil       *string                 `json:"valid_until"`
	// VerificationSource says who vouches for the record: "declared" (the
	// merchant's word only) or "confirmed" (the verification body).
	VerificationSource *model.VerificationSource `json:"verification_source"`
}

type spotCheckJSON struct {
	CheckedOn string `json:"checked_on"`
	Result    string `json:"result"`
	Summary   string `json:"summary"`
}

var statusNames = map[scan.Status]string{scan.Genuine: "genuine", scan.Replaced: "replaced", scan.NotIssued: "not_issued"}

// scan answers what /q/{token} shows, with the page's verdict (scan.Judge).
// It is always 200: "this code is not ours" is an
// answer, not an error.
func (h *Handler) scan(c *gin.Context) {
	ctx := c.Request.Context()
	token := strings.TrimSpace(c.Param("token"))
	// A suspension takes effect at once: no cache may hold an old verdict.
	private(c)
	notIssued := scanJSON{Status: statusNames[scan.NotIssued]}
	res, err := scan.Resolve(ctx, h.Store, h.QR, token)
	if err != nil {
		serverError(c, err)
		return
	}
	if res.Status == scan.NotIssued {
		c.JSON(http.StatusOK, notIssued)
		return
	}
	unitID := res.Ref.ID
	if res.Ref.Kind == model.QRInstrument {
		in, err := h.Store.InstrumentByID(ctx, res.Ref.ID)
		if err != nil {
			h.scanError(c, err, notIssued)
			return
		}
		unitID = in.UnitID
	}
	pu, err := scan.LoadUnit(ctx, h.Store, h.QR, h.BaseURL, unitID, h.now())
	if err == nil {
		err = scan.AddRiskClass(ctx, h.Store, pu, h.RiskPublic)
	}
	if err != nil {
		h.scanError(c, err, notIssued)
		return
	}
	v := scan.Judge(res.Status, res.Ref, pu)
	kind := res.Ref.Kind
	out := scanJSON{Kind: &kind, Unit: h.publicUnit(pu, token)}
	if v.Instrument >= 0 {
		out.Instrument = &out.Unit.Instruments[v.Instrument]
	}
	if v.CurrentURL != "" {
		out.CurrentURL = optString(v.CurrentURL)
	}
	out.Status, out.Genuine = statusNames[v.Status], v.Status == scan.Genuine
	c.JSON(http.StatusOK, out)
}

// scanError: a genuine code whose unit or instrument row is gone is treated
// like a code the platform does not stand behind.
func (h *Handler) scanError(c *gin.Context, err error, notIssued scanJSON) {
	if errors.Is(err, storage.ErrNotFound) {
		c.JSON(http.StatusOK, notIssued)
		return
	}
	serverError(c, err)
}

func (h *Handler) publicUnit(p *scan.PublicUnit, token string) *publicUnitJSON {
	u := p.Unit
	out := &publicUnitJSON{ID: u.ID, Name: u.Name, BusinessType: u.BusinessType, Address: u.Address,
		District: districtOf(p.District), Badge: p.Badge, Verdict: p.Tone, UnfitInstruments: p.Health.Unfit(), Instruments: []instrumentJSON{}, PublicURL: optString(p.URL),
		ReportURL: strings.TrimRight(h.BaseURL, "/") + "/report?t=" + url.QueryEscape(token)}
	if reason := p.PublicReason(); reason != "" {
		out.StatusReason = &reason
	}
	if p.Pledge != nil && p.PledgeText != nil {
		out.Pledge = &pledgeJSON{Standing: p.PledgeStanding, Version: p.PledgeText.Version, SignedAt: timestamp(p.Pledge.SignedAt),
			ValidUntil: timestamp(p.Pledge.ValidUntil), PromisesZh: lines(p.KeyPoints), PromisesEn: lines(p.KeyPointsEn)}
	}
	for _, in := range p.Instruments {
		j := instrumentJSON{ID: in.Instrument.ID, SerialNo: in.Instrument.SerialNo, Location: in.Instrument.Location, State: in.State,
			Type: instrumentTypeJSON{Code: in.Type.Code, NameZh: in.Type.NameZh, NameEn: in.Type.NameEn}}
		if v := in.Latest; v != nil {
			j.CertificateNo, j.VerificationBody = optString(v.CertificateNo), optString(v.BodyName)
			// The date the verdict was drawn from: a declaration counts one
			// verification cycle at most, whatever the merchant typed.
			j.VerifiedOn, j.ValidUntil = optDate(&v.VerifiedOn), optDate(in.ValidUntil())
			source := model.SourceConfirmed
			if v.Declared() {
				source = model.SourceDeclared
			}
			j.VerificationSource = &source
		}
		out.Instruments = append(out.Instruments, j)
	}
	if p.RiskClass != "" {
		class := p.RiskClass
		out.RiskClass = &class
	}
	if sc := p.SpotCheck; sc != nil {
		out.SpotCheck = &spotCheckJSON{CheckedOn: date(sc.CheckedOn), Result: sc.Result, Summary: sc.Summary}
	}
	return out
}

// lines drops the empty promises a trailing newline would make.
func lines(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
