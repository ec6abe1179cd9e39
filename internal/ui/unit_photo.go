package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// shopPhoto reads the optional shop-front photo from a multipart form and
// cleans it. A bad file is a field error; ok is false when a response was
// already sent.
func (h *Handler) shopPhoto(c *gin.Context) (*model.UnitPhoto, *form.Message, bool) {
	up := server.UploadOf(c)
	if up != nil && up.Busy {
		c.Header("Retry-After", "30")
		h.ErrorPage(c, http.StatusServiceUnavailable)
		return nil, nil, false
	}
	files := up.FilesOf("shop_photo")
	if up != nil && up.TooLarge && len(files) == 0 {
		h.ErrorPage(c, http.StatusRequestEntityTooLarge)
		return nil, nil, false
	}
	if len(files) == 0 || files[0].Size == 0 {
		return nil, nil, true // no photo chosen: it is optional
	}
	// Through the same limiter as the reports' photos: read and decoded
	// only once there is memory and a CPU for it.
	p, err := h.Photos.Process(c.Request.Context(), files[0].ReadAll, photos.DefaultOptions())
	if err != nil {
		var pe *photos.Error
		if !errors.As(err, &pe) {
			h.serverError(c, err)
			return nil, nil, false
		}
		key, args := intake.PhotoMessage(pe.Kind, 1)
		return nil, &form.Message{Key: key, Args: args}, true
	}
	return &model.UnitPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height, Data: p.Data}, nil, true
}

// unitPhoto serves the shop-front photo to the unit's owner.
func (h *Handler) unitPhoto(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	h.servePhoto(c, u.ID)
}

// heldPhoto serves the shop-front photo held for the signed-in merchant's
// unit form :key (units.Service.HeldPhoto): the thumbnail on the form sent
// back. Anyone else's key finds nothing.
func (h *Handler) heldPhoto(c *gin.Context) {
	p, err := h.Units.HeldPhoto(c.Request.Context(), h.actor(c), c.Param("key"), true)
	if err == nil && p == nil {
		err = storage.ErrNotFound
	}
	if !h.found(c, err) {
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}

func (h *Handler) servePhoto(c *gin.Context, unitID int64) {
	p, err := h.Store.UnitPhoto(c.Request.Context(), unitID)
	if !h.found(c, err) {
		return
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}
