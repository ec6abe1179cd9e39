package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/form"
	"honestmeasure/internal/server"
)

type passwordData struct{ Errors form.Errors }

func (h *Handler) passwordPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password", h.page(c, server.Printer(c).T("password.title"), passwordData{}))
}

// changePassword checks the current password, sets the new one and signs
// out every other session of the account.
func (h *Handler) changePassword(c *gin.Context) {
	u := currentUser(c)
	d := passwordData{Errors: form.Errors{}}
	err := h.Accounts.ChangePassword(c.Request.Context(), accounts.ChangeRequest{User: u, Current: c.PostForm("current"),
		New: c.PostForm("new"), Confirm: c.PostForm("new_confirm"), Client: h.client(c), KeepSession: currentSession(c).ID})
	if h.refusal(c, err, d.Errors, func(status int) {
		if d.Errors.Has("form") {
			d.Errors["current"] = d.Errors["form"]
		}
		h.render(c, status, "password", h.page(c, server.Printer(c).T("password.title"), d))
	}) {
		return
	}
	h.setDeviceCookie(c, u)
	c.Redirect(http.StatusSeeOther, homeFor(u)+"?ok=password_changed")
}
