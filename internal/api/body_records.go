package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/server"
	"honestmeasure/internal/verification"
)

// MaxBodyBatchBytes bounds a batch request: verification.MaxBatch records
// of every field at its limit fit.
const MaxBodyBatchBytes = 1 << 20

type batchRequest struct {
	Records []verification.Record `json:"records"`
}

// bodyRecords takes a batch of the body's records. The Idempotency-Key
// header is required; a retry with the same key and records gets the first
// answer (Idempotent-Replayed: true) and writes nothing.
func (h *Handler) bodyRecords(c *gin.Context) {
	body := bodyOf(c)
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	var req batchRequest
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.JSON(http.StatusRequestEntityTooLarge, errorJSON{Error: "request body too large"})
			return
		}
		refused(c, fail.Field(fail.Invalid, "records", "api.bad_json"), "batches")
		return
	}
	w := verification.Sender{Body: body, TokenHint: tokenHintOf(c), IP: c.ClientIP()}
	res, err := h.Verification.SubmitBatch(c.Request.Context(), w, c.GetHeader("Idempotency-Key"), req.Records)
	if err != nil {
		refused(c, err, "batches")
		return
	}
	l := server.Printer(c)
	for i := range res.Results {
		for k, p := range res.Results[i].Problems {
			res.Results[i].Problems[k].Message = l.T(p.Code, p.Args...)
		}
	}
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	private(c)
	c.JSON(http.StatusOK, res)
}
