package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

func (h *Handler) districtMap(c *gin.Context) (map[int64]model.District, error) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[int64]model.District, len(ds))
	for _, d := range ds {
		m[d.ID] = d
	}
	return m, nil
}

// idParam parses a numeric path parameter; anything else is a 404.
func (h *Handler) idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		h.ErrorPage(c, http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// loadParam reads the numeric path parameter name and loads its row with
// load, answering 404 for a malformed ID or a missing row (and an error
// page for anything else). ok is false once a response was sent.
func loadParam[T any](h *Handler, c *gin.Context, name string, load func(ctx context.Context, id int64) (*T, error)) (*T, bool) {
	id, ok := h.idParam(c, name)
	if !ok {
		return nil, false
	}
	v, err := load(c.Request.Context(), id)
	if !h.found(c, err) {
		return nil, false
	}
	return v, true
}

// found answers the error of loading what a request names: 404 for a
// missing row, the error page for anything else. It reports whether the
// load succeeded (false once a response was sent).
func (h *Handler) found(c *gin.Context, err error) bool {
	if errors.Is(err, storage.ErrNotFound) {
		h.ErrorPage(c, http.StatusNotFound)
		return false
	}
	if err != nil {
		h.serverError(c, err)
		return false
	}
	return true
}

// ownUnit loads the signed-in merchant's unit :id, or answers 404 — also
// for another merchant's unit, so IDs reveal nothing (units.Service.OwnUnit).
func (h *Handler) ownUnit(c *gin.Context) (*model.Unit, bool) {
	return loadParam(h, c, "id", func(ctx context.Context, id int64) (*model.Unit, error) {
		return h.Units.OwnUnit(ctx, h.actor(c), id)
	})
}
