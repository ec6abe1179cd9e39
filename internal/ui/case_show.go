package ui

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/workdays"
)

// staffCase loads case :id if the signed-in staff member's agency handles
// it (the city admin sees all), or answers 404 — never 403 with details.
func (h *Handler) staffCase(c *gin.Context) (*model.Case, bool) {
	cs, ok := loadParam(h, c, "id", h.Store.CaseByID)
	if !ok {
		return nil, false
	}
	if a := staffAgency(currentUser(c)); a != nil && *a != cs.AgencyID {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	return cs, true
}

type casePageData struct {
	Case       *model.Case
	Report     *model.Report
	Agency     *model.Agency
	Photos     []storage.PhotoMeta
	Unit       *model.Unit
	Instrument *storage.InstrumentView
	History    []model.VerificationRecord
	Related    []storage.RelatedCase // handled by the viewer's agency (every agency for the city admin)
	// RelatedElsewhere counts the related cases other agencies handle.
	RelatedElsewhere []relatedElsewhere
	Events           []model.CaseEvent
	Offer            cases.Offer
	// MergeHere: related reports may be closed into this case.
	MergeHere bool
	Grounds   []string
	Staff     []model.User
	Agencies  []model.Agency
	Errors    form.Errors
	// Failed names the form whose submission was refused ("act/conclude",
	// "update/reply", "merge"…); Typed is what it carried, shown again.
	Failed string
	Typed  url.Values
	// Held are the previews of the refused form's texts that hold personal
	// data (moderation.Check): each shows under its field.
	Held []moderation.Preview
	// Masked are the case's public texts the gate masked, newest first;
	// their originals are for the agency's supervisors (CanReadOriginal).
	Masked []model.Moderation
	Viewer *model.User
	// Correctable are the published texts the viewer may correct
	// (cases.Corrections), in page order.
	Correctable  []correctable
	ExtensionDue *time.Time // the latest new deadline the extension may set
	// Templates are the reply templates of the case's category; Template is
	// the one the officer chose (?template=id), which fills the reply field.
	Templates []model.ReplyTemplate
	Template  *model.ReplyTemplate
	// Handoffs are the case's registrations in 12315/12345, with the names
	// of who recorded them (HandoffBy, by user id).
	Handoffs       []model.CaseHandoff
	HandoffBy      map[int64]string
	HandoffTargets []model.HandoffTarget
	Now            time.Time
	DaysLeft       int
	Overdue        bool
}

func (h *Handler) casePage(c *gin.Context, status int, cs *model.Case, errs form.Errors) {
	h.caseHeldPage(c, status, cs, errs, nil)
}

// caseHeldPage is the case page after a refusal that held texts with
// personal data (moderation.Held): the refused form shows their previews.
func (h *Handler) caseHeldPage(c *gin.Context, status int, cs *model.Case, errs form.Errors, held []moderation.Preview) {
	ctx := c.Request.Context()
	u := currentUser(c)
	d := casePageData{Case: cs, Errors: errs, Now: h.now(), Grounds: cases.NotAcceptedGrounds, Typed: url.Values{}, Held: held}
	if errs.Any() && c.Request.Method == http.MethodPost {
		d.Failed = strings.TrimPrefix(c.FullPath(), "/staff/cases/:id/")
		d.Failed = strings.NewReplacer(":action", c.Param("action"), ":what", c.Param("what")).Replace(d.Failed)
		d.Typed = c.Request.PostForm
	}
	var err error
	if d.Report, err = h.Store.ReportByID(ctx, cs.ReportID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Agency, err = h.Store.AgencyByID(ctx, cs.AgencyID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Photos, err = h.Store.ReportPhotos(ctx, d.Report.ID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Report.UnitID != nil {
		if d.Unit, err = h.Store.UnitByID(ctx, *d.Report.UnitID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Report.InstrumentID != nil {
		views, err := h.Store.InstrumentsOfUnits(ctx, []int64{*d.Report.UnitID}, true)
		if err != nil {
			h.serverError(c, err)
			return
		}
		for i := range views {
			if views[i].Instrument.ID == *d.Report.InstrumentID {
				d.Instrument = &views[i]
			}
		}
		if d.History, err = h.Store.Verifications(ctx, *d.Report.InstrumentID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Related, d.RelatedElsewhere, err = h.relatedCases(c, d.Report); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Events, err = h.Store.CaseEvents(ctx, cs.ID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Masked, err = h.maskedTexts(c, cs, d.Events); err != nil {
		h.serverError(c, err)
		return
	}
	d.Viewer = u
	if cases.MayCorrect(u.Role) {
		d.Correctable = correctables(cs, d.Events)
	}
	d.Offer = cases.AllowedActions(u.Role, cs, d.Report)
	d.MergeHere = cases.AcceptsMerge(cs)
	if d.Offer.Transfer || d.Offer.Reroute {
		if d.Agencies, err = h.Store.Agencies(ctx); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Offer.Extend {
		cal, err := h.calendar(c)
		if err != nil {
			h.serverError(c, err)
			return
		}
		due := cases.ExtensionLimit(cal, cs)
		d.ExtensionDue = &due
	}
	if err := h.caseHandoffs(c, cs, &d); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Templates, err = h.Store.ReplyTemplates(ctx, cs.Category); err != nil {
		h.serverError(c, err)
		return
	}
	if len(d.Templates) > cases.MaxReplyTemplates {
		d.Templates = d.Templates[:cases.MaxReplyTemplates]
	}
	if id, err := strconv.ParseInt(c.Query("template"), 10, 64); err == nil {
		for i := range d.Templates {
			if d.Templates[i].ID == id {
				d.Template = &d.Templates[i]
			}
		}
	}
	if u.AgencyID != nil {
		if d.Staff, err = h.Store.StaffOfAgency(ctx, *u.AgencyID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if cs.DueAt != nil {
		d.Overdue = cs.DueAt.Before(d.Now)
		cal, err := h.calendar(c)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.DaysLeft = cal.WorkingDaysBetween(d.Now, *cs.DueAt)
	}
	// The reporter's contact details are shown here, to staff of the agency
	// handling the case only (staffCase checked that); every view is audited.
	if d.Report.ReporterName != "" || d.Report.ReporterPhone != "" || d.Report.ReporterEmail != "" || d.Report.ReporterAddress != "" {
		if err := h.record(c, h.Store, audit.ActionContactView, audit.ObjectCase, cs.ID, &cs.AgencyID, nil, nil); err != nil {
			h.serverError(c, err)
			return
		}
	}
	h.render(c, status, "staff_case", h.page(c, d.Report.TrackingNo, d))
}

// caseHandoffs fills the page's hand-off block.
func (h *Handler) caseHandoffs(c *gin.Context, cs *model.Case, d *casePageData) error {
	ctx := c.Request.Context()
	list, err := h.Cases.Handoffs(ctx, h.caseActor(c), cs.ID)
	if err != nil {
		return err
	}
	d.Handoffs, d.HandoffBy, d.HandoffTargets = list, map[int64]string{}, model.HandoffTargets
	for _, x := range list {
		for _, id := range []int64{x.CreatedBy, x.UpdatedBy} {
			if _, ok := d.HandoffBy[id]; ok {
				continue
			}
			u, err := h.Store.UserByID(ctx, id)
			if err != nil {
				return err
			}
			d.HandoffBy[id] = u.DisplayName
		}
	}
	return nil
}

// relatedElsewhere is what an officer learns of another agency's cases on
// the same unit: that they exist, how many are still open, and whom to ask.
type relatedElsewhere struct {
	Agency      *model.Agency
	Total, Open int
}

// relatedCases lists the other reports on the report's unit or instrument.
// Staff see their own agency's in full (the city admin sees all); of other
// agencies' only a count per agency. A tracking number is half of what opens
// a report on /track, and other agencies' cases are theirs to disclose;
// knowing that the same stall has open cases with another bureau is still
// what an officer needs to spot a duplicate and ask for a transfer (merging
// is only ever within one agency).
func (h *Handler) relatedCases(c *gin.Context, r *model.Report) ([]storage.RelatedCase, []relatedElsewhere, error) {
	ctx := c.Request.Context()
	own := staffAgency(currentUser(c))
	related, err := h.Store.RelatedCases(ctx, r, own, 20)
	if err != nil || own == nil {
		return related, nil, err
	}
	counts, err := h.Store.RelatedCasesElsewhere(ctx, r, *own)
	if err != nil || len(counts) == 0 {
		return related, nil, err
	}
	var out []relatedElsewhere
	for _, n := range counts { // ordered by agency
		if len(out) == 0 || out[len(out)-1].Agency.ID != n.AgencyID {
			// By id, not from the active list: a case may outlive its agency's listing.
			agency, err := h.Store.AgencyByID(ctx, n.AgencyID)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, relatedElsewhere{Agency: agency})
		}
		last := &out[len(out)-1]
		last.Total += n.N
		if n.Status.Open() {
			last.Open += n.N
		}
	}
	return related, out, nil
}

func (h *Handler) calendar(c *gin.Context) (*workdays.Calendar, error) {
	days, err := h.Store.Holidays(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return workdays.New(days), nil
}

func (h *Handler) caseShow(c *gin.Context) {
	if cs, ok := h.staffCase(c); ok {
		h.casePage(c, http.StatusOK, cs, nil)
	}
}

// Val is what the refused form of name carried in field, to show again;
// empty for every other form.
func (d casePageData) Val(name, field string) string {
	if d.Failed != name {
		return ""
	}
	return d.Typed.Get(field)
}

// correctable is one published text a supervisor may correct: the reply,
// the public notice, or a timeline entry (Event).
type correctable struct {
	Place string
	Event *model.CaseEvent
	Text  string
}

func correctables(cs *model.Case, events []model.CaseEvent) []correctable {
	texts := cases.Corrections(cs, events)
	var out []correctable
	for _, place := range []string{cases.PlaceReply, cases.PlaceNotice} {
		if t, ok := texts[place]; ok {
			out = append(out, correctable{Place: place, Text: t})
		}
	}
	for i := range events {
		if t, ok := texts[cases.PlaceOfEvent(events[i].ID)]; ok {
			out = append(out, correctable{Place: cases.PlaceOfEvent(events[i].ID), Event: &events[i], Text: t})
		}
	}
	return out
}

// CanReadOriginal says whether the viewer may read m's original.
func (d casePageData) CanReadOriginal(m model.Moderation) bool {
	return moderation.MayReadOriginal(d.Viewer, &m)
}

// maskedTexts lists the masked texts of case cs and its timeline entries.
func (h *Handler) maskedTexts(c *gin.Context, cs *model.Case, events []model.CaseEvent) ([]model.Moderation, error) {
	ctx := c.Request.Context()
	out, err := h.Store.ModerationsOfObjects(ctx, audit.ObjectCase, []int64{cs.ID})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	more, err := h.Store.ModerationsOfObjects(ctx, moderation.ObjectCaseEvent, ids)
	return append(out, more...), err
}

// HeldFor is the preview of field's text if form name was refused for
// the personal data in it, nil otherwise.
func (d casePageData) HeldFor(name, field string) *moderation.Preview {
	if d.Failed != name {
		return nil
	}
	for i := range d.Held {
		if d.Held[i].Field == field {
			return &d.Held[i]
		}
	}
	return nil
}

// ErrsFor is the refusal's messages if form name was refused, nil for
// every other form: each message shows beside its own form's field only.
func (d casePageData) ErrsFor(name string) form.Errors {
	if d.Failed != name {
		return nil
	}
	return d.Errors
}

// Mergeable says whether a related case may be merged into this one.
func (d casePageData) Mergeable(kind model.ReportKind, status model.CaseStatus) bool {
	return d.MergeHere && cases.Mergeable(kind, status)
}

// FieldID is the id of field in the refused form: the error summary's links
// land on it ("conclude-fine", "reply-text").
func (d casePageData) FieldID(field string) string {
	name := d.Failed[strings.LastIndex(d.Failed, "/")+1:]
	return name + "-" + field
}

// summaryItem is one line of the error summary at the top of the panel.
type summaryItem struct{ ID, Text string }

// Summary lists the refusal's messages, by field name (a stable order),
// each linking to its field; a message about the whole action ("action")
// has no field to link to.
func (d casePageData) Summary(l *locale.Printer) []summaryItem {
	var fields []string
	for f := range d.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var out []summaryItem
	for _, f := range fields {
		m := d.Errors[f]
		item := summaryItem{Text: l.T(m.Key, m.Args...)}
		if f != "action" && d.Failed != "" {
			item.ID = d.FieldID(f)
		}
		out = append(out, item)
	}
	return out
}
