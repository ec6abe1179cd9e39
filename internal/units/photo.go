package units

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// A shop-front photo sent with a unit form that comes back with problems is
// held (the held_photos the report form uses too), cleaned, under the
// form's random key with its owner's id in front, so a merchant on a weak
// connection need not send it again and nobody else's form can claim it.
// It expires after model.HeldPhotoTTL; the save that succeeds uses it and
// deletes it in its own transaction.

// formKeyMax bounds a unit form's key: with "unit:<owner id>:" in front it
// fits held_photos.form_key.
const formKeyMax = 40

// NewFormKey is a fresh random key for a unit form's hidden field.
func NewFormKey() string { return reports.NewKey() }

// ValidFormKey reports whether k can be a key NewFormKey made.
func ValidFormKey(k string) bool { return len(k) <= formKeyMax && reports.ValidKey(k) }

// heldKey is where the photo of owner's form formKey is held, or "" for a
// key that is not one of ours (then nothing is held).
func heldKey(owner int64, formKey string) string {
	if !ValidFormKey(formKey) {
		return ""
	}
	return "unit:" + strconv.FormatInt(owner, 10) + ":" + formKey
}

// HeldPhoto is the shop-front photo held for who's unit form formKey, with
// its image data if withData, or nil when none is held.
func (s *Service) HeldPhoto(ctx context.Context, who audit.Actor, formKey string, withData bool) (*model.HeldPhoto, error) {
	if who.User == nil {
		return nil, nil
	}
	return s.heldPhoto(ctx, s.Store, heldKey(who.User.ID, formKey), withData)
}

func (s *Service) heldPhoto(ctx context.Context, st *storage.Store, key string, withData bool) (*model.HeldPhoto, error) {
	if key == "" {
		return nil, nil
	}
	held, err := st.HeldPhotos(ctx, key, s.now(), withData)
	if err != nil || len(held) == 0 {
		return nil, err
	}
	return &held[len(held)-1], nil
}

// holdPhoto keeps p for the form under key, in place of whatever was held
// for it before: a unit has one shop-front photo.
func (s *Service) holdPhoto(ctx context.Context, key string, p *model.UnitPhoto) error {
	if key == "" {
		return nil
	}
	now := s.now()
	sum := sha256.Sum256(p.Data)
	return s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := s.dropHeld(ctx, tx, key); err != nil {
			return err
		}
		return tx.HoldPhotos(ctx, key, []model.HeldPhoto{{ContentType: p.ContentType, Width: p.Width, Height: p.Height,
			SizeBytes: len(p.Data), SHA256: hex.EncodeToString(sum[:]), Data: p.Data, CreatedAt: now, ExpiresAt: now.Add(model.HeldPhotoTTL)}})
	})
}

// dropHeld forgets every photo held under key.
func (s *Service) dropHeld(ctx context.Context, st *storage.Store, key string) error {
	held, err := st.HeldPhotos(ctx, key, s.now(), false)
	if err != nil || len(held) == 0 {
		return err
	}
	ids := make([]int64, len(held))
	for i, h := range held {
		ids[i] = h.ID
	}
	return st.DropHeldPhotos(ctx, key, ids)
}
