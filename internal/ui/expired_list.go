package ui

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reminders"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

const expiredPageSize = 50

type expiredData struct {
	Query     reminders.ExpiredQuery
	Rows      []storage.ExpiredRow
	Total     int
	Pages     int
	PrevURL   string
	NextURL   string
	ExportURL string
	Today     time.Time // today's date, for the days column
	Districts map[int64]model.District
	DistList  []model.District // the districts of the jurisdiction
	Types     []model.InstrumentType
}

// DaysExpired is how many days ago r's certificate ran out.
func (d expiredData) DaysExpired(r storage.ExpiredRow) int {
	return reminders.DaysBetween(r.ValidUntil, d.Today)
}

// expiredQuery reads the list's filters; the jurisdiction comes from the
// signed-in user in the service, never from the request.
func expiredQuery(c *gin.Context, perPage int) reminders.ExpiredQuery {
	q := reminders.ExpiredQuery{Desc: c.Query("sort") == "newest", PerPage: perPage}
	q.DistrictID, _ = strconv.ParseInt(c.Query("district"), 10, 64)
	q.TypeID, _ = strconv.ParseInt(c.Query("type"), 10, 64)
	q.Page, _ = strconv.Atoi(c.Query("page"))
	if q.Page < 1 {
		q.Page = 1
	}
	return q
}

// expiredList shows staff the instruments in use whose verification
// expired, in the units of their districts.
func (h *Handler) expiredList(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	q := expiredQuery(c, expiredPageSize)
	rows, total, err := h.Reminders.Expired(ctx, u, q)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := expiredData{Query: q, Rows: rows, Total: total, Districts: districts, Today: model.DateOf(h.now())}
	all, err := h.Store.Districts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	var mine []int64
	if agency := staffAgency(u); agency != nil {
		if mine, err = h.Store.JurisdictionDistricts(ctx, *agency); err != nil {
			h.serverError(c, err)
			return
		}
	}
	for _, ds := range all {
		if mine == nil || slices.Contains(mine, ds.ID) {
			d.DistList = append(d.DistList, ds)
		}
	}
	if d.Types, err = h.Store.InstrumentTypes(ctx); err != nil {
		h.serverError(c, err)
		return
	}
	link := func(page int) string {
		v := c.Request.URL.Query()
		v.Set("page", strconv.Itoa(page))
		return "/staff/expired?" + v.Encode()
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(int64(total), expiredPageSize, q.Page, link)
	v := c.Request.URL.Query()
	v.Del("page")
	d.ExportURL = v.Encode()
	h.render(c, http.StatusOK, "staff_expired", h.page(c, server.Printer(c).T("expired.title"), d))
}

// expiredCSV exports the filtered list (every page) as UTF-8 CSV with a
// byte-order mark; the export is audited, since it carries contact phones.
func (h *Handler) expiredCSV(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	q := expiredQuery(c, exportLimit)
	q.Page = 1
	rows, total, err := h.Reminders.Expired(ctx, u, q)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	l := server.Printer(c)
	if total > exportLimit {
		h.render(c, http.StatusRequestEntityTooLarge, "error", h.page(c, l.T("queue.export_too_big_title"), l.T("queue.export_too_big", total, exportLimit)))
		return
	}
	if err := h.record(c, h.Store, audit.ActionExport, audit.ObjectUnit, 0, staffAgency(u), nil,
		map[string]any{"rows": len(rows), "filter": c.Request.URL.RawQuery, "format": c.Request.URL.Path}); err != nil {
		h.serverError(c, err)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	today := model.DateOf(h.now())
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="expired-`+h.now().In(model.Zone).Format("20060102-1504")+`.csv"`)
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte("\uFEFF"))
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{l.T("expired.col_unit"), l.T("unit.address"), l.T("expired.col_district"), l.T("expired.col_type"),
		l.T("expired.col_serial"), l.T("expired.col_location"), l.T("expired.col_valid_until"), l.T("expired.col_days"), l.T("expired.col_contact")})
	for _, r := range rows {
		ds := districts[r.Unit.DistrictID]
		_ = w.Write(csvSafe([]string{r.Unit.Name, r.Unit.Address, l.Pick(ds.NameZh, ds.NameEn), l.Pick(r.View.Type.NameZh, r.View.Type.NameEn),
			r.View.Instrument.SerialNo, r.View.Instrument.Location, r.ValidUntil.Format("2006-01-02"),
			strconv.Itoa(-reminders.DaysBetween(today, r.ValidUntil)), r.Unit.ContactPhone}))
	}
	w.Flush()
}
