package ui

import (
	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/verification"
)

// merchantConflict is an open conflict about one of the merchant's units,
// in the plain words the merchant reads.
type merchantConflict struct {
	verification.ConflictRow
	Message string
}

// ownConflicts lists, worded, the open conflicts about the signed-in
// merchant's units (of one instrument when instrumentID is not 0).
func (h *Handler) ownConflicts(c *gin.Context, instrumentID int64) ([]merchantConflict, error) {
	rows, err := h.Verification.OwnConflicts(c.Request.Context(), currentUser(c), instrumentID)
	if err != nil {
		return nil, err
	}
	l := server.Printer(c)
	out := make([]merchantConflict, len(rows))
	for i, r := range rows {
		out[i] = merchantConflict{ConflictRow: r, Message: conflictSentence(l, "merchant", r.Kind, r.Facts)}
	}
	return out, nil
}

// revokedHow says, for each revoked record among recs, whether a later
// record of the body superseded it or cancelled it: the kind of the record
// that revoked it (model.KindCancellation or another).
func revokedHow(recs []model.VerificationRecord) map[int64]model.RecordKind {
	kinds := map[int64]model.RecordKind{}
	for _, r := range recs {
		kinds[r.ID] = r.Kind
	}
	out := map[int64]model.RecordKind{}
	for _, r := range recs {
		if r.Revoked() {
			k := model.KindCertificate
			if r.RevokedByID != nil && kinds[*r.RevokedByID] == model.KindCancellation {
				k = model.KindCancellation
			}
			out[r.ID] = k
		}
	}
	return out
}
