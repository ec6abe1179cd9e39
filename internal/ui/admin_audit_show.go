package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

type adminAuditEntryData struct {
	adminNav
	Entry                           *model.AuditEntry
	At                              string // to the millisecond, in the deployment's zone
	Agency                          *model.Agency
	Before, After                   string // indented JSON; "" for none
	ObjectURL, HistoryURL, ActorURL string
}

// adminAuditEntry shows one audit entry whole.
func (h *Handler) adminAuditEntry(c *gin.Context) {
	e, ok := loadParam(h, c, "id", h.Store.AuditEntryByID)
	if !ok {
		return
	}
	d := &adminAuditEntryData{Entry: e, At: e.At.In(model.Zone).Format("2006-01-02 15:04:05.000 -07:00"),
		Before: indentJSON(e.BeforeJSON), After: indentJSON(e.AfterJSON),
		ObjectURL: adminAuditObjectURL(e), HistoryURL: adminAuditHistoryURL(e), ActorURL: adminAuditActorURL(e)}
	if e.AgencyID != nil {
		// An agency no longer stored leaves its ID on the page.
		a, err := h.Store.AgencyByID(c.Request.Context(), *e.AgencyID)
		switch {
		case err == nil:
			d.Agency = a
		case !errors.Is(err, storage.ErrNotFound):
			h.serverError(c, err)
			return
		}
	}
	h.adminRender(c, http.StatusOK, "admin_audit_entry", "auditlog.entry_title", d)
}

// indentJSON lays stored JSON out for reading; text that is not JSON (a
// row altered by hand) shows as stored.
func indentJSON(s *string) string {
	if s == nil {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(*s), "", "  "); err != nil {
		return *s
	}
	return buf.String()
}
