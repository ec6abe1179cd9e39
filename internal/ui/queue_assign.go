package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/server"
)

// queueAssign assigns the ticked cases — or, with "select all" ticked,
// every case of the page — to one officer of the supervisor's own agency
// (or unassigns them), or with "take" to the signed-in officer;
// cases.Service.AssignMany and TakeMany skip those they may not assign.
func (h *Handler) queueAssign(c *gin.Context) {
	field := "case_id"
	if c.PostForm("all") == "1" {
		field = "page_id"
	}
	var ids []int64
	for _, s := range c.PostFormArray(field) {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	assignee, _ := strconv.ParseInt(c.PostForm("assignee_id"), 10, 64)
	take := c.PostForm("take") == "1"
	back := "/staff/queue"
	if ref := safeNext(c.PostForm("back")); ref != "" {
		back = ref
	}
	var n int
	var err error
	if take {
		n, err = h.Cases.TakeMany(c.Request.Context(), h.caseActor(c), ids)
	} else {
		n, err = h.Cases.AssignMany(c.Request.Context(), h.caseActor(c), ids, assignee)
	}
	switch fail.KindOf(err) {
	case fail.Internal:
		if err != nil {
			h.serverError(c, err)
			return
		}
	case fail.Invalid:
		// The queue's form offers only the agency's staff and one page of cases.
		h.ErrorPage(c, http.StatusBadRequest)
		return
	case fail.Conflict:
		c.Redirect(http.StatusSeeOther, back) // changed meanwhile: show the queue as it is
		return
	default:
		h.refused(c, err, nil)
		return
	}
	if len(ids) == 0 {
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	server.Logger(c).Info("cases assigned", "count", n, "assignee", assignee, "by", currentUser(c).ID)
	notice := "ok=assigned"
	if take {
		notice = "ok=taken"
	}
	c.Redirect(http.StatusSeeOther, appendQuery(back, notice))
}
