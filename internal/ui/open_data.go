package ui

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/opendata"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type openDataData struct {
	LicenceName, LicenceURL, Source string
}

// openDataSource names the publisher in both languages: a downloaded file
// has no reader's language.
func (h *Handler) openDataSource() string {
	return locale.New(locale.Chinese).T("opendata.source", h.Ref.City.NameZh) + " / " +
		locale.New(locale.English).T("opendata.source", h.Ref.City.NameEn)
}

// openData is the page that offers the downloads and the Open311 facade.
func (h *Handler) openData(c *gin.Context) {
	l := server.Printer(c)
	c.Header("Cache-Control", "public, max-age=300")
	h.render(c, http.StatusOK, "open_data", h.page(c, l.T("opendata.title"),
		openDataData{LicenceName: opendata.LicenceName, LicenceURL: opendata.LicenceURL, Source: l.T("opendata.source", l.Pick(h.Ref.City.NameZh, h.Ref.City.NameEn))}))
}

func (h *Handler) openDataCSV(c *gin.Context) {
	h.openDataFile(c, "text/csv; charset=utf-8", "csv", opendata.WriteCSV)
}

func (h *Handler) openDataJSON(c *gin.Context) {
	h.openDataFile(c, "application/json; charset=utf-8", "json", opendata.WriteJSON)
}

// openDataFile streams one download. At most opendata.MaxConcurrent are
// generated at once per instance; more wait (503). A failure once the
// first bytes are out aborts the transfer, so that nobody keeps a
// truncated file believing it whole.
func (h *Handler) openDataFile(c *gin.Context, contentType, ext string,
	write func(context.Context, io.Writer, *storage.Store, time.Time, string) error) {
	release, ok := opendata.Acquire()
	if !ok {
		c.Header("Retry-After", "10")
		c.Header("Cache-Control", "no-store")
		h.ErrorPage(c, http.StatusServiceUnavailable)
		return
	}
	defer release()
	now := h.now()
	c.Header("Content-Type", contentType)
	c.Header("Content-Disposition", `attachment; filename="honestmeasure-units-`+now.Format("20060102")+`.`+ext+`"`)
	c.Header("Cache-Control", "public, max-age=300")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	if err := write(c.Request.Context(), c.Writer, h.Store, now, h.openDataSource()); err != nil {
		if c.Request.Context().Err() == nil {
			server.Logger(c).Error("open data download failed", "file", ext, "err", err)
		}
		if !c.Writer.Written() {
			c.Header("Content-Disposition", "")
			c.Header("Cache-Control", "no-store") // no cache keeps the failure
			h.serverError(c, err)
			return
		}
		panic(http.ErrAbortHandler)
	}
}
