package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/verification"
)

// bodyHomeData is a verification body's workspace: the upload form, the
// template and its recent imports.
type bodyHomeData struct {
	Body     *model.VerificationBody
	Imports  []model.VerificationImport
	Columns  []verification.Column
	MaxMB    int64
	MaxRows  int
	Errors   form.Errors
	FileName string // the file refused, so the page can name it
}

// sender is the signed-in body staff member as the service sees them.
func (h *Handler) sender(c *gin.Context) (verification.Sender, bool) {
	w, err := h.Verification.StaffSender(c.Request.Context(), currentUser(c), c.ClientIP())
	if err != nil {
		h.refused(c, err, nil)
		return w, false
	}
	return w, true
}

// senderAndImport is the signed-in body staff member and the import id in
// the path; false when either is missing (the answer is written).
func (h *Handler) senderAndImport(c *gin.Context) (verification.Sender, int64, bool) {
	w, ok := h.sender(c)
	if !ok {
		return w, 0, false
	}
	id, ok := h.idParam(c, "id")
	return w, id, ok
}

func (h *Handler) bodyHome(c *gin.Context) {
	w, ok := h.sender(c)
	if !ok {
		return
	}
	h.bodyHomePage(c, http.StatusOK, w, nil, "")
}

func (h *Handler) bodyHomePage(c *gin.Context, status int, w verification.Sender, errs form.Errors, fileName string) {
	imports, err := h.Verification.Imports(c.Request.Context(), w, 20)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := bodyHomeData{Body: w.Body, Imports: imports, Columns: verification.Columns, MaxMB: bodyUpload.MaxFileBytes >> 20,
		MaxRows: verification.MaxUploadRows, Errors: errs, FileName: fileName}
	l := server.Printer(c)
	h.render(c, status, "body_home", h.page(c, l.Pick(w.Body.NameZh, w.Body.NameEn), d))
}
