package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/server"
	"honestmeasure/internal/spotcheck"
	"honestmeasure/internal/storage"
)

// The spot checks' pages: the city admin's check items, an agency's plans,
// draws and inspections, and the public /spot-checks. Rules are in
// internal/spotcheck; these only read forms, call and render.

type checkItemsData struct {
	adminNav
	Items  []model.CheckItem
	Edit   *model.CheckItem // the item being edited, nil: adding
	Form   spotcheck.ItemForm
	Errors form.Errors
}

func itemFormOf(c *gin.Context) spotcheck.ItemForm {
	return spotcheck.ItemForm{Code: c.PostForm("code"), NameZh: c.PostForm("name_zh"), NameEn: c.PostForm("name_en"), Basis: c.PostForm("basis"),
		Subject: c.PostForm("subject"), Content: c.PostForm("content"), Method: c.PostForm("method"), Active: c.PostForm("active") == "yes"}
}

func (h *Handler) checkItemsPage(c *gin.Context, status int, d checkItemsData) {
	items, err := h.Store.CheckItems(c.Request.Context(), true)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Items = items
	if d.Errors == nil {
		d.Errors = form.Errors{}
	}
	h.adminRender(c, status, "admin_check_items", "spotcheck.items_title", &d)
}

func (h *Handler) adminCheckItems(c *gin.Context) {
	d := checkItemsData{Form: spotcheck.ItemForm{Active: true}}
	if id, err := strconv.ParseInt(c.Query("edit"), 10, 64); err == nil {
		it, err := h.Store.CheckItemByID(c.Request.Context(), id)
		if err != nil {
			h.refused(c, err, nil)
			return
		}
		d.Edit = it
		d.Form = spotcheck.ItemForm{Code: it.Code, NameZh: it.NameZh, NameEn: it.NameEn, Basis: it.Basis, Subject: it.Subject,
			Content: it.Content, Method: it.Method, Active: it.Active}
	}
	h.checkItemsPage(c, http.StatusOK, d)
}

func (h *Handler) adminCheckItemSave(c *gin.Context) {
	var id int64
	if c.Param("id") != "" {
		var ok bool
		if id, ok = h.idParam(c, "id"); !ok {
			return
		}
	}
	f := itemFormOf(c)
	_, err := h.spot().SaveItem(c.Request.Context(), h.actor(c), id, f)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			d := checkItemsData{Form: f, Errors: errs}
			if id != 0 {
				d.Edit, _ = h.Store.CheckItemByID(c.Request.Context(), id)
			}
			h.checkItemsPage(c, status, d)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/check-items?ok=check_item_saved")
}

// spot is the spot-check service on the handler's store and clock, its
// pools classed by the stored risk classes.
func (h *Handler) spot() *spotcheck.Service {
	s := &spotcheck.Service{Store: h.Store, Audit: h.Audit, Now: h.Now}
	if h.Risk != nil {
		s.Classes, s.Changed = h.Risk.Classes, h.Risk.UnitChanged
	}
	return s
}

type spotChecksData struct {
	Plans      []model.SpotCheckPlan
	Items      map[int64]model.CheckItem
	ItemList   []model.CheckItem
	Draws      []model.Draw
	Mine       []storage.InspectionRow
	Supervisor bool
	Plan       spotcheck.PlanForm
	Errors     form.Errors
	Year       int
	Overdue    int64
}

func (h *Handler) spotChecksPage(c *gin.Context, status int, d spotChecksData) {
	ctx := c.Request.Context()
	u := currentUser(c)
	// An agency's staff see their agency's; the city admin every agency's,
	// to read (nil agency).
	agency := staffAgency(u)
	if agency == nil && u.Role != model.RoleCityAdmin {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	var err error
	if d.Plans, err = h.Store.Plans(ctx, agency); err != nil {
		h.serverError(c, err)
		return
	}
	if d.ItemList, err = h.Store.CheckItems(ctx, false); err != nil {
		h.serverError(c, err)
		return
	}
	all, err := h.Store.CheckItems(ctx, true)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Items = map[int64]model.CheckItem{}
	for _, it := range all {
		d.Items[it.ID] = it
	}
	if d.Draws, err = h.Store.Draws(ctx, agency, 0, 50); err != nil {
		h.serverError(c, err)
		return
	}
	if agency != nil {
		if d.Mine, err = h.Store.Inspections(ctx, storage.InspectionFilter{AgencyID: agency, InspectorID: u.ID, Status: model.InspectionAssigned, Limit: 200}); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Overdue, err = h.spot().Overdue(ctx, agency); err != nil {
		h.serverError(c, err)
		return
	}
	d.Supervisor = u.Role == model.RoleSupervisor
	d.Year = h.now().In(model.Zone).Year()
	if d.Errors == nil {
		d.Errors = form.Errors{}
		p := spotcheck.DefaultPlan
		d.Plan = spotcheck.PlanForm{Year: strconv.Itoa(d.Year), Base: strconv.Itoa(p.BasePermille), A: strconv.Itoa(p.ClassAPermille),
			B: strconv.Itoa(p.ClassBPermille), C: strconv.Itoa(p.ClassCPermille), D: strconv.Itoa(p.ClassDPermille), DueDays: strconv.Itoa(p.DueWorkingDays)}
	}
	h.render(c, status, "staff_spotchecks", h.page(c, server.Printer(c).T("spotcheck.title"), d))
}

func (h *Handler) spotChecks(c *gin.Context) { h.spotChecksPage(c, http.StatusOK, spotChecksData{}) }

func (h *Handler) planCreate(c *gin.Context) {
	f := spotcheck.PlanForm{ItemID: c.PostForm("item_id"), Year: c.PostForm("year"), Base: c.PostForm("base"), A: c.PostForm("class_a"),
		B: c.PostForm("class_b"), C: c.PostForm("class_c"), D: c.PostForm("class_d"), DueDays: c.PostForm("due_days")}
	if _, err := h.spot().CreatePlan(c.Request.Context(), h.actor(c), f); err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.spotChecksPage(c, status, spotChecksData{Plan: f, Errors: errs}) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/spot-checks?ok=plan_created")
}

func (h *Handler) drawAnnounce(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	replaces, _ := strconv.ParseInt(c.PostForm("replaces"), 10, 64)
	d, err := h.spot().Announce(c.Request.Context(), h.actor(c), id, c.PostForm("randomness_source"), replaces)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.spotChecksPage(c, status, spotChecksData{Errors: errs}) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/draws/"+strconv.FormatInt(d.ID, 10)+"?ok=draw_announced")
}

type drawData struct {
	Draw        *model.Draw
	Plan        *model.SpotCheckPlan
	Item        *model.CheckItem
	Inspections []storage.InspectionRow
	Supervisor  bool
	Errors      form.Errors
}

func (h *Handler) drawPage(c *gin.Context, status int, errs form.Errors) {
	ctx := c.Request.Context()
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	u := currentUser(c)
	d, err := h.Store.DrawByID(ctx, id)
	own := staffAgency(u) != nil && d != nil && d.AgencyID == *staffAgency(u)
	if err != nil || !(own || u.Role == model.RoleCityAdmin) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	data := drawData{Draw: d, Supervisor: own && u.Role == model.RoleSupervisor, Errors: errs}
	if data.Errors == nil {
		data.Errors = form.Errors{}
	}
	if data.Plan, err = h.Store.PlanByID(ctx, d.PlanID); err != nil {
		h.serverError(c, err)
		return
	}
	if data.Item, err = h.Store.CheckItemByID(ctx, data.Plan.ItemID); err != nil {
		h.serverError(c, err)
		return
	}
	if data.Inspections, err = h.Store.Inspections(ctx, storage.InspectionFilter{DrawID: d.ID, Limit: 10_000}); err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, status, "staff_draw", h.page(c, d.Code, data))
}

func (h *Handler) drawShow(c *gin.Context) { h.drawPage(c, http.StatusOK, nil) }

func (h *Handler) drawAct(act func(ctx context.Context, who audit.Actor, id int64, text string) error, field, done string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := h.idParam(c, "id")
		if !ok {
			return
		}
		if err := act(c.Request.Context(), h.actor(c), id, c.PostForm(field)); err != nil {
			h.refused(c, err, func(status int, errs form.Errors) { h.drawPage(c, status, errs) })
			return
		}
		c.Redirect(http.StatusSeeOther, "/staff/draws/"+strconv.FormatInt(id, 10)+"?ok="+done)
	}
}

func (h *Handler) drawMake(ctx context.Context, who audit.Actor, id int64, v string) error {
	_, err := h.spot().Draw(ctx, who, id, v)
	return err
}

func (h *Handler) drawVoid(ctx context.Context, who audit.Actor, id int64, v string) error {
	return h.spot().Void(ctx, who, id, v)
}

type inspectionData struct {
	Task        *spotcheck.Task
	Instruments []storage.InstrumentView
	Names       map[int64]string
	Supervisor  bool
	Today       string
	Errors      form.Errors
	Categories  []model.Category
	// Summary is the summary as typed, when publishing it was refused;
	// Held its preview if the gate held it for personal data.
	Summary string
	Held    *moderation.Preview
}

func (h *Handler) inspectionPage(c *gin.Context, status int, errs form.Errors) {
	h.inspectionHeldPage(c, status, errs, nil)
}

func (h *Handler) inspectionHeldPage(c *gin.Context, status int, errs form.Errors, held []moderation.Preview) {
	ctx := c.Request.Context()
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	t, err := h.spot().Task(ctx, h.actor(c), id)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	d := inspectionData{Task: t, Supervisor: currentUser(c).Role == model.RoleSupervisor, Errors: errs, Names: map[int64]string{},
		Today: h.now().In(model.Zone).Format("2006-01-02"), Categories: model.Categories}
	if c.Request.Method == http.MethodPost {
		d.Summary = c.PostForm("summary")
	}
	if len(held) > 0 {
		d.Held = &held[0]
	}
	if d.Errors == nil {
		d.Errors = form.Errors{}
	}
	if d.Instruments, err = h.Store.InstrumentsOfUnits(ctx, []int64{t.Unit.ID}, false); err != nil {
		h.serverError(c, err)
		return
	}
	for _, uid := range t.Inspectors {
		if u, err := h.Store.UserByID(ctx, uid); err == nil {
			d.Names[uid] = u.DisplayName
		}
	}
	h.render(c, status, "staff_inspection", h.page(c, server.Printer(c).T("spotcheck.inspection_title", t.Unit.Name), d))
}

func (h *Handler) inspectionShow(c *gin.Context) { h.inspectionPage(c, http.StatusOK, nil) }

func (h *Handler) inspectionResult(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	f := spotcheck.ResultForm{CheckedOn: c.PostForm("checked_on"), Note: c.PostForm("note")}
	n, _ := strconv.Atoi(c.PostForm("points"))
	for i := 1; i <= min(n, spotcheck.MaxPoints); i++ {
		p := strconv.Itoa(i)
		f.Findings = append(f.Findings, spotcheck.FindingForm{Outcome: c.PostForm("outcome_" + p), InstrumentID: c.PostForm("instrument_" + p),
			Measured: c.PostForm("measured_" + p), Note: c.PostForm("note_" + p)})
	}
	up := server.UploadOf(c)
	if up != nil && (up.TooLarge || up.Busy) {
		h.inspectionPage(c, http.StatusRequestEntityTooLarge, form.Errors{"photos": {Key: "report.too_large_body", Args: []any{spotcheck.MaxPhotos, photos.DefaultMaxBytes >> 20}}})
		return
	}
	for i, file := range up.FilesOf("photos") {
		if file.Size == 0 {
			continue
		}
		p, err := h.Photos.Process(c.Request.Context(), file.ReadAll, photos.DefaultOptions())
		if err != nil {
			var pe *photos.Error
			if !errors.As(err, &pe) {
				h.serverError(c, err)
				return
			}
			key, args := intake.PhotoMessage(pe.Kind, i+1)
			h.inspectionPage(c, http.StatusUnprocessableEntity, form.Errors{"photos": {Key: key, Args: args}})
			return
		}
		f.Photos = append(f.Photos, model.InspectionPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height, SizeBytes: len(p.Data),
			SHA256: p.SHA256, Data: p.Data, CreatedAt: h.now()})
	}
	if _, err := h.spot().Record(c.Request.Context(), h.actor(c), id, f); err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.inspectionPage(c, status, errs) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/inspections/"+strconv.FormatInt(id, 10)+"?ok=inspection_recorded")
}

func (h *Handler) inspectionAct(act func(c *gin.Context, id int64) error, done string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := h.idParam(c, "id")
		if !ok {
			return
		}
		if err := act(c, id); err != nil {
			h.refused(c, err, func(status int, errs form.Errors) { h.inspectionHeldPage(c, status, errs, moderation.Held(err)) })
			return
		}
		c.Redirect(http.StatusSeeOther, "/staff/inspections/"+strconv.FormatInt(id, 10)+"?ok="+done)
	}
}

func (h *Handler) inspectionPublish(c *gin.Context, id int64) error {
	return h.spot().Publish(c.Request.Context(), h.actor(c), id, c.PostForm("summary"), confirmations(c))
}

func (h *Handler) inspectionCase(c *gin.Context, id int64) error {
	open := func(ctx context.Context, who audit.Actor, unit *model.Unit, cat model.Category, text string) (*model.Case, error) {
		return h.Intake.OpenInternalTip(ctx, who, unit, nil, cat, text)
	}
	_, err := h.spot().OpenCase(c.Request.Context(), h.actor(c), id, model.Category(c.PostForm("category")), open)
	return err
}

func (h *Handler) inspectionSubstitute(c *gin.Context, id int64) error {
	_, err := h.spot().Substitute(c.Request.Context(), h.actor(c), id, c.PostForm("reason"))
	return err
}

func (h *Handler) recusal(c *gin.Context) {
	unitID, _ := strconv.ParseInt(c.PostForm("unit_id"), 10, 64)
	if err := h.spot().DeclareConflict(c.Request.Context(), h.actor(c), unitID, c.PostForm("reason")); err != nil {
		h.refused(c, err, nil)
		return
	}
	back := safeNext(c.PostForm("back"))
	if !strings.HasPrefix(back, "/staff/") {
		back = "/staff/spot-checks"
	}
	c.Redirect(http.StatusSeeOther, back+"?ok=recused")
}

type publicSpotChecksData struct {
	Draws   []model.Draw
	Results []storage.InspectionRow
	Items   map[int64]model.CheckItem
}

// publicSpotChecks is "one public": the draws with what verifies them, and
// the published results.
func (h *Handler) publicSpotChecks(c *gin.Context) {
	ctx := c.Request.Context()
	var d publicSpotChecksData
	var err error
	if d.Draws, err = h.Store.Draws(ctx, nil, 0, 100); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Results, err = h.Store.PublishedInspections(ctx, 200); err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, http.StatusOK, "spot_checks", h.page(c, server.Printer(c).T("spotcheck.public_title"), d))
}

// drawFile downloads a draw as published: its announcement while it waits
// for the reveal (the secret is never in it), the whole file once drawn.
func (h *Handler) drawFile(c *gin.Context) {
	code, ok := strings.CutSuffix(c.Param("file"), ".json")
	d, err := h.Store.DrawByCode(c.Request.Context(), code)
	if !ok || err != nil {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	body := d.Announcement
	if d.File != nil {
		body = *d.File
	}
	c.Header("Content-Disposition", `attachment; filename="draw-`+d.Code+`.json"`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(body))
}

// inspectionPhoto sends one photo of an inspection to who may read it. The
// photos show a shop, not a reporter: no view record is needed, but no
// cache keeps them either.
func (h *Handler) inspectionPhoto(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	seq, err := strconv.Atoi(c.Param("seq"))
	if err != nil {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	p, err := h.spot().Photo(c.Request.Context(), h.actor(c), id, seq)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}
