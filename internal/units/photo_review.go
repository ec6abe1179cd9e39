package units

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/storage"
)

// Redacting the shop-front photo. The photo is public (every scan shows
// it), and a merchant's photo may show a passer-by's face or a car's plate.
// Staff with jurisdiction over the unit cover such parts with black
// (photos.Redact); the public, the merchant and the staff page see only the
// redaction from then on. The photo as sent is kept
// (storage.RedactUnitPhoto), because a moderation must be answerable: a
// supervisor of the unit's agency or the city admin can see it again, and
// each time they do is audited. An officer cannot, and is answered as if
// there were nothing to see.

// ErrNoPhoto: the unit has no shop-front photo to redact (the merchant
// removed it, or never sent one).
var ErrNoPhoto = refusal(fail.Conflict, "unit has no shop-front photo", "action", "redact.no_photo")

// RedactReasonField is the form field of a redaction's reason.
const RedactReasonField = "redact_reason"

// MayViewPhotoOriginal reports whether a staff member in role (with
// jurisdiction) may see a redacted photo's original: supervisors and the
// city admin, who answer for the moderation, not the officer who made it.
func MayViewPhotoOriginal(role model.Role) bool {
	return role == model.RoleSupervisor || role == model.RoleCityAdmin
}

// RedactPhoto covers rects of unit id's current shop-front photo with black
// and makes that the photo everyone sees, keeping the photo as the merchant
// sent it if it is not kept yet. who must be staff with jurisdiction
// (StaffUnit: others get storage.ErrNotFound); why is required and goes to
// the audit log with the number of rectangles and the photos' hashes, never
// their bytes, and to the owner by e-mail (notices.PhotoRedacted). Bad rectangles are fail.Invalid under photos.RedactField; a
// change of the unit's public page since it was read is ErrChanged.
func (s *Service) RedactPhoto(ctx context.Context, who audit.Actor, id int64, rects []photos.Rect, why string) error {
	u, err := s.StaffUnit(ctx, who, id)
	if err != nil {
		return err
	}
	errs := form.Errors{}
	why = reason(why, true, RedactReasonField, errs)
	// The rectangles themselves are checked against the photo (Redact);
	// their number here, so that both messages show at once.
	if e := photos.CheckRectCount(len(rects)); e != nil {
		for f, m := range e.Fields {
			errs.Add(f, m.Key, m.Args...)
		}
	}
	if errs.Any() {
		return fail.Fields(errs)
	}
	// u (its public revision) was read before the photo: if the photo
	// changes after this, the revision has moved and the write is refused.
	current, err := s.Store.UnitPhoto(ctx, u.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNoPhoto
	}
	if err != nil {
		return err
	}
	redacted, err := s.redact(ctx, current.Data, rects)
	if err != nil {
		if fail.Is(err, fail.Invalid) {
			return err
		}
		return unexpected("redacting a stored photo", err)
	}
	owner, err := s.Store.UserByID(ctx, u.OwnerUserID)
	if err != nil {
		return unexpected("owner of unit", err)
	}
	now := s.now()
	before := sha256Hex(current.Data)
	next := &model.UnitPhoto{UnitID: u.ID, ContentType: redacted.ContentType, Width: redacted.Width, Height: redacted.Height,
		Data: redacted.Data, OriginalID: current.OriginalID}
	var orig *model.UnitPhotoOriginal
	if current.OriginalID == nil {
		orig = &model.UnitPhotoOriginal{UnitID: u.ID, SHA256: before, ContentType: current.ContentType, Width: current.Width,
			Height: current.Height, Data: current.Data, RedactedByID: actorID(who), Reason: why, CreatedAt: now}
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.RedactUnitPhoto(ctx, u.PublicRev, next, orig); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, notices.PhotoRedacted(owner, u, why, s.BaseURL)...); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionUnitPhotoRedact, u.ID, who.User.AgencyID,
			map[string]any{"photo_sha256": before},
			map[string]any{"photo_sha256": redacted.SHA256, "original_id": *next.OriginalID, "rects": len(rects), "reason": why})
	})
	return changed(err)
}

func (s *Service) redact(ctx context.Context, data []byte, rects []photos.Rect) (*photos.Photo, error) {
	if s.Photos != nil {
		return s.Photos.Redact(ctx, data, rects, photos.DefaultOptions())
	}
	return photos.Redact(data, rects, photos.DefaultOptions())
}

// PhotoOriginal is the original of unit id's current shop-front photo,
// for who if they may see it (StaffUnit and MayViewPhotoOriginal); the
// showing is audited before it is returned. Anyone else, and a photo that
// was never redacted, get storage.ErrNotFound.
func (s *Service) PhotoOriginal(ctx context.Context, who audit.Actor, id int64) (*model.UnitPhotoOriginal, error) {
	u, err := s.StaffUnit(ctx, who, id)
	if err != nil {
		return nil, err
	}
	if !MayViewPhotoOriginal(who.User.Role) {
		return nil, storage.ErrNotFound
	}
	info, err := s.Store.UnitPhotoInfo(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if info.OriginalID == nil {
		return nil, storage.ErrNotFound
	}
	o, err := s.Store.UnitPhotoOriginal(ctx, u.ID, *info.OriginalID)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, s.Store, who, audit.ActionUnitPhotoOriginal, u.ID, who.User.AgencyID, nil,
		map[string]any{"original_id": o.ID, "photo_sha256": o.SHA256}); err != nil {
		return nil, err
	}
	return o, nil
}

// PhotoReview is what the staff unit page shows of the shop-front photo's
// moderation: nil without a photo.
type PhotoReview struct {
	Width, Height int
	Redacted      bool // the photo shown is a redaction
	// CanViewOriginal: the viewer may see the photo as the merchant sent it.
	CanViewOriginal bool
}

// PhotoReviewOf describes unit u's shop-front photo to who, staff with
// jurisdiction over it.
func (s *Service) PhotoReviewOf(ctx context.Context, who audit.Actor, u *model.Unit) (*PhotoReview, error) {
	info, err := s.Store.UnitPhotoInfo(ctx, u.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	redacted := info.OriginalID != nil
	return &PhotoReview{Width: info.Width, Height: info.Height, Redacted: redacted,
		CanViewOriginal: redacted && who.User != nil && MayViewPhotoOriginal(who.User.Role)}, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
