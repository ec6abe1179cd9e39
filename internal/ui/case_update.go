package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
)

// caseUpdate adds an internal note, a public reply, a reward mark, an
// assignment or the one allowed extension: changes that do not move the
// case's status.
func (h *Handler) caseUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	who := h.caseActor(c)
	var err error
	what := cases.Update(c.Param("what"))
	switch what {
	case cases.UpdateNote:
		err = h.Cases.Note(ctx, who, cs, c.PostForm("text"))
	case cases.UpdateReply:
		err = h.Cases.Reply(ctx, who, cs, c.PostForm("text"), confirmations(c))
	case cases.UpdateReward:
		err = h.Cases.Reward(ctx, who, cs, c.PostForm("level"), c.PostForm("amount"))
	case cases.UpdateAssign:
		assignee, _ := strconv.ParseInt(c.PostForm("assignee_id"), 10, 64)
		err = h.Cases.Assign(ctx, who, cs, assignee)
	case cases.UpdateCorrect:
		err = h.Cases.Correct(ctx, who, cs, cases.Correction{Place: c.PostForm("place"), Text: c.PostForm("text"), Reason: c.PostForm("reason"),
			Confirmed: confirmations(c)})
	case cases.UpdateExtend:
		err = h.Cases.Extend(ctx, who, cs, c.PostForm("text"), c.PostForm("until"), confirmations(c))
	default:
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok="+updateNotices[what])
}

// updateNotices are the confirmations of the updates, saying what happened.
var updateNotices = map[cases.Update]string{
	cases.UpdateNote: "case_noted", cases.UpdateReply: "case_replied", cases.UpdateReward: "case_rewarded",
	cases.UpdateAssign: "case_assigned", cases.UpdateExtend: "case_extended", cases.UpdateCorrect: "case_corrected",
}
