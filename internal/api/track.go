package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/server"
)

type trackedJSON struct {
	TrackingNumber string      `json:"tracking_number"`
	Kind           string      `json:"kind"`
	Category       string      `json:"category"`
	Status         string      `json:"status"`
	Agency         *agencyJSON `json:"agency"`
	ReceivedAt     string      `json:"received_at"`
	Events         []eventJSON `json:"events"`
	PublicReply    *string     `json:"public_reply"`
}

type eventJSON struct {
	At         string  `json:"at"`
	Kind       string  `json:"kind"`
	Body       *string `json:"body"`
	DetailCode string  `json:"detail_code,omitempty"`
	Detail     string  `json:"detail,omitempty"`
}

// trackReport shows a reporter their report. The access code travels in a
// header, never in the URL, so it stays out of logs and histories. A wrong
// code, a missing one and an unknown number get the same 404.
func (h *Handler) trackReport(c *gin.Context) {
	ctx := c.Request.Context()
	private(c)
	res, err := h.Intake.Track(ctx, c.Param("tracking_number"), strings.TrimSpace(c.GetHeader("X-Access-Code")), c.ClientIP())
	if err != nil {
		refused(c, err, "lookups")
		return
	}
	out := trackedJSON{TrackingNumber: res.Report.TrackingNo, Kind: string(res.Report.Kind), Category: string(res.Report.Category),
		Status: string(res.Case.Status), Agency: agencyOf(res.Agency), ReceivedAt: timestamp(res.Case.ReceivedAt),
		Events: []eventJSON{}, PublicReply: res.Case.PublicReply}
	l := server.Printer(c)
	for _, e := range res.Events {
		ev := eventJSON{At: timestamp(e.CreatedAt), Kind: e.Kind, Body: e.Body, DetailCode: e.DetailKey()}
		if ev.DetailCode != "" {
			ev.Detail = l.T(ev.DetailCode)
		}
		out.Events = append(out.Events, ev)
	}
	c.JSON(http.StatusOK, out)
}
