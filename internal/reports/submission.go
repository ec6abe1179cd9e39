package reports

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// Limits of a report.
const (
	MaxPhotos          = 5
	MaxDescription     = 2000
	MaxRequest         = 1000
	MinDescription     = 5
	MaxAmountYuan      = 10_000_000
	IdempotencyKeyMin  = 16
	IdempotencyKeyMax  = 64
	incidentFutureSkew = 10 * time.Minute
)

// Submission is a report as typed (web form or API), kept as typed so a
// form with problems comes back as it was sent.
type Submission struct {
	Kind            string
	Category        string
	DistrictID      string // when the report does not come from a scanned code
	BusinessName    string
	BusinessAddress string
	Description     string
	Request         string // complaints: what the consumer wants back
	IncidentAt      string // "2006-01-02T15:04" (datetime-local) or RFC 3339
	Amount          string // yuan, optional
	ReporterName    string
	ReporterPhone   string
	ReporterAddress string
	ReporterEmail   string
	Anonymous       bool
	IdempotencyKey  string
	Website         string // honeypot: people never see it, bots fill it
}

// Target is what the report is about when it came from a scanned code (or
// the caller otherwise identified a registered unit).
type Target struct {
	Unit       *model.Unit
	Instrument *model.Instrument
	QRTokenID  *int64
}

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidKey reports whether an idempotency key is long and plain enough to be
// a random value chosen by the client.
func ValidKey(k string) bool {
	return len(k) >= IdempotencyKeyMin && len(k) <= IdempotencyKeyMax && keyPattern.MatchString(k)
}

// NewKey returns a fresh idempotency key for a form.
func NewKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Validate checks the submission against SAMR Order 121's requirements and
// returns the report to store (without tracking number, access code or
// idempotency key, which the caller sets). now is the server time; the
// location of datetime-local values is model.Zone.
func (s *Submission) Validate(target Target, districts []model.District, now time.Time) (*model.Report, form.Errors) {
	errs := form.Errors{}
	clean := func(v *string) { *v = form.Clean(*v) }
	for _, v := range []*string{&s.Kind, &s.Category, &s.DistrictID, &s.BusinessName, &s.BusinessAddress, &s.IncidentAt,
		&s.Amount, &s.ReporterName, &s.ReporterPhone, &s.ReporterAddress, &s.ReporterEmail} {
		clean(v)
	}
	s.Description = strings.TrimSpace(s.Description)
	s.Request = strings.TrimSpace(s.Request)
	if s.Website != "" {
		errs.Add("form", "report.rejected")
		return nil, errs
	}
	r := &model.Report{Kind: model.ReportKind(s.Kind), Category: model.Category(s.Category), Locale: "zh-CN"}
	if r.Kind != model.KindComplaint && r.Kind != model.KindTip {
		errs.Add("kind", "report.choose_kind")
	}
	if !r.Category.Valid() {
		errs.Add("category", "form.choose")
	}
	// Where: a scanned unit, or a district and a business named by hand.
	if target.Unit != nil {
		r.UnitID, r.DistrictID = &target.Unit.ID, target.Unit.DistrictID
		r.BusinessName, r.BusinessAddress = target.Unit.Name, target.Unit.Address
		if target.Instrument != nil {
			r.InstrumentID = &target.Instrument.ID
		}
		r.QRTokenID = target.QRTokenID
	} else {
		id, _ := strconv.ParseInt(s.DistrictID, 10, 64)
		for _, d := range districts {
			if d.ID == id {
				r.DistrictID = id
			}
		}
		if r.DistrictID == 0 {
			errs.Add("district_id", "report.choose_district")
		}
		switch {
		case s.BusinessName == "" && r.Category != model.CategoryCounterfeitQR:
			errs.Add("business_name", "form.required")
		case form.TooLong(s.BusinessName, 200):
			errs.Add("business_name", "form.too_long", 200)
		}
		switch {
		case s.BusinessAddress == "":
			errs.Add("business_address", "report.address_needed")
		case form.TooLong(s.BusinessAddress, 300):
			errs.Add("business_address", "form.too_long", 300)
		}
		r.BusinessName, r.BusinessAddress = s.BusinessName, s.BusinessAddress
	}
	switch n := len([]rune(s.Description)); {
	case n == 0:
		errs.Add("description", "form.required")
	case n < MinDescription:
		errs.Add("description", "report.description_short", MinDescription)
	case n > MaxDescription:
		errs.Add("description", "form.too_long", MaxDescription)
	}
	r.Description = s.Description
	if s.IncidentAt != "" {
		t, err := parseIncident(s.IncidentAt)
		switch {
		case err != nil:
			errs.Add("incident_at", "report.incident_format")
		case t.After(now.Add(incidentFutureSkew)):
			errs.Add("incident_at", "report.incident_future")
		default:
			r.IncidentAt = &t
		}
	} else {
		errs.Add("incident_at", "form.required")
	}
	if s.Amount != "" {
		cents, ok := ParseYuan(s.Amount)
		if !ok {
			errs.Add("amount", "report.amount_format", MaxAmountYuan)
		} else {
			r.AmountCents = &cents
		}
	}
	// Contact: a complaint needs name, phone and address (Order 121); a tip
	// may be anonymous, and then nothing identifying is kept.
	if r.Kind == model.KindTip && s.Anonymous {
		s.ReporterName, s.ReporterPhone, s.ReporterAddress, s.ReporterEmail = "", "", "", ""
		r.Anonymous = true
	}
	if r.Kind == model.KindComplaint {
		for field, v := range map[string]string{"reporter_name": s.ReporterName, "reporter_phone": s.ReporterPhone, "reporter_address": s.ReporterAddress} {
			if v == "" {
				errs.Add(field, "report.complaint_needs")
			}
		}
		switch {
		case s.Request == "":
			errs.Add("request", "report.request_needed")
		case len([]rune(s.Request)) > MaxRequest:
			errs.Add("request", "form.too_long", MaxRequest)
		}
		r.Request = s.Request
	}
	if s.ReporterPhone != "" && !form.ValidPhone(s.ReporterPhone) {
		errs.Add("reporter_phone", "form.phone")
	}
	if s.ReporterEmail != "" {
		if a, err := mail.ParseAddress(s.ReporterEmail); err != nil || a.Address != s.ReporterEmail || len(s.ReporterEmail) > 254 {
			errs.Add("reporter_email", "report.email")
		}
	}
	if form.TooLong(s.ReporterName, 100) {
		errs.Add("reporter_name", "form.too_long", 100)
	}
	if form.TooLong(s.ReporterAddress, 300) {
		errs.Add("reporter_address", "form.too_long", 300)
	}
	r.ReporterName, r.ReporterPhone, r.ReporterAddress, r.ReporterEmail = s.ReporterName, s.ReporterPhone, s.ReporterAddress, s.ReporterEmail
	if s.IdempotencyKey != "" && !ValidKey(s.IdempotencyKey) {
		errs.Add("idempotency_key", "report.bad_key")
	}
	if errs.Any() {
		return nil, errs
	}
	return r, nil
}

func parseIncident(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, model.Zone); err == nil {
			return t.UTC(), nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC(), err
}

// ParseYuan reads "12", "12.5" or "12.50" (yuan, at most two decimals) into
// cents.
func ParseYuan(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if hasFrac {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	if w > MaxAmountYuan {
		return 0, false
	}
	return w*100 + f, true
}

// AccessCodeFor derives the access code from the idempotency key, so a
// retried submission (double tap, flaky connection) shows the very same
// receipt again without the code ever being stored. Only the submitter
// knows the key.
func AccessCodeFor(secret []byte, idempotencyKey string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("honestmeasure access code v1:" + idempotencyKey))
	n := binary.BigEndian.Uint64(m.Sum(nil)[:8]) % 100_000_000
	return fmt.Sprintf("%08d", n)
}

// RequestHash identifies what was submitted: the validated report and how
// many photos came with it. A retry of the same submission has the same
// hash; anything else filed under the same idempotency key does not.
func RequestHash(r *model.Report, photos int) string {
	b, _ := json.Marshal(struct {
		Kind, Category                               string
		UnitID, InstrumentID, QRTokenID              *int64
		DistrictID                                   int64
		BusinessName, BusinessAddress                string
		Description, Request                         string
		IncidentAt                                   *time.Time
		AmountCents                                  *int64
		ReporterName, ReporterPhone, ReporterAddress string
		ReporterEmail                                string
		Anonymous                                    bool
		Photos                                       int
	}{string(r.Kind), string(r.Category), r.UnitID, r.InstrumentID, r.QRTokenID, r.DistrictID, r.BusinessName, r.BusinessAddress,
		r.Description, r.Request, r.IncidentAt, r.AmountCents, r.ReporterName, r.ReporterPhone, r.ReporterAddress,
		r.ReporterEmail, r.Anonymous, photos})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
