package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type directoryEntry struct {
	scan.DirectoryEntry
	District model.District
	URL      string // the unit's public page: the /Q/ path its poster carries, relative
}

type directoryData struct {
	Query         string
	DistrictID    int64
	BusinessType  string
	Entries       []directoryEntry
	Total         int64
	Page, Pages   int
	PrevURL       string
	NextURL       string
	Districts     []model.District
	BusinessTypes []model.BusinessType
	Progress      []storage.DistrictProgress
	Published     int64
	Target        int64
}

// PublicUnitURL is the /Q/ path of a unit's current code, "" when none was
// issued or the stored version cannot be encoded: the directory then lists
// that unit without a link rather than failing for everyone. Relative, so
// the page works under whatever host name it was reached by.
func (h *Handler) PublicUnitURL(id int64, version int) string {
	if version == 0 {
		return ""
	}
	u, err := h.QR.URLFor("", qr.Ref{Kind: model.QRUnit, ID: id, Version: version})
	if err != nil {
		if h.Logger != nil {
			h.Logger.Error("unit code cannot be encoded", "unit_id", id, "version", version, "err", err)
		}
		return ""
	}
	return u
}

func (h *Handler) directory(c *gin.Context) {
	ctx := c.Request.Context()
	dq := scan.ParseDirectoryQuery(c.Request.URL.Query())
	f := dq.Filter
	// The page ignores a district or type that names nothing: a person gets the
	// whole list rather than an empty page for a stale link.
	f.DistrictID = dq.DistrictID()
	list, err := scan.ListDirectory(ctx, h.Store, f, h.now())
	if err != nil {
		h.serverError(c, err)
		return
	}
	progress, err := h.Store.PublishedUnitsByDistrict(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := directoryData{Query: f.Query, DistrictID: f.DistrictID, BusinessType: string(f.BusinessType), Total: list.Total, Page: f.Page,
		BusinessTypes: model.BusinessTypes, Progress: progress, Target: int64(h.Ref.City.UnitTarget)}
	byID := map[int64]model.District{}
	for _, p := range progress {
		d.Districts = append(d.Districts, p.District)
		byID[p.District.ID] = p.District
		d.Published += p.Published
	}
	for _, e := range list.Entries {
		d.Entries = append(d.Entries, directoryEntry{DirectoryEntry: e, District: byID[e.Unit.DistrictID], URL: h.PublicUnitURL(e.Unit.ID, e.Version)})
	}
	link := func(page int) string {
		v := url.Values{}
		if f.Query != "" {
			v.Set("q", f.Query)
		}
		if f.DistrictID != 0 {
			v.Set("district", strconv.FormatInt(f.DistrictID, 10))
		}
		if f.BusinessType != "" {
			v.Set("type", string(f.BusinessType))
		}
		v.Set("page", strconv.Itoa(page))
		return "/units?" + v.Encode()
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(list.Total, scan.DirectoryPageSize, f.Page, link)
	h.render(c, http.StatusOK, "units", h.page(c, server.Printer(c).T("directory.title"), d))
}
