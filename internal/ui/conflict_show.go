package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/server"
	"honestmeasure/internal/verification"
)

// conflictTyped is what the officer typed into the conflict page's forms,
// kept when a form is refused. Action is the form that was sent: resolved,
// dismissed or tip.
type conflictTyped struct {
	Action string
	Reason string
	Text   string
}

type conflictPageData struct {
	*verification.ConflictView
	BodyWords     string // what the body says, in a few words
	DeclaredWords string // what the merchant declared
	Typed         conflictTyped
	Errors        form.Errors
	OpenCount     int64
	MaxReason     int
}

// conflictPage renders conflict :id as the signed-in officer may see it,
// with errs by the form that was sent.
func (h *Handler) conflictPage(c *gin.Context, status int, typed conflictTyped, errs form.Errors) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	u := currentUser(c)
	v, err := h.Verification.ConflictSides(ctx, u, id)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	open, err := h.Verification.OpenConflictCount(ctx, u)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	l := server.Printer(c)
	d := conflictPageData{ConflictView: v, Typed: typed, Errors: errs, OpenCount: open, MaxReason: verification.MaxReason,
		BodyWords: conflictSentence(l, "body", v.Kind, v.Facts), DeclaredWords: conflictSentence(l, "declared", v.Kind, v.Facts)}
	h.render(c, status, "staff_conflict", h.page(c, l.T("conflict.heading", v.ID), d))
}

func (h *Handler) conflictShow(c *gin.Context) {
	h.conflictPage(c, http.StatusOK, conflictTyped{}, nil)
}
