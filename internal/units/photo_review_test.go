package units_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// shopPhoto is a stored shop-front photo (as photos.Process makes it) of
// 800x600 pixels of noise, lighter than the fill everywhere.
func shopPhoto(t *testing.T, seed uint32) *model.UnitPhoto {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for i := 0; i < len(m.Pix); i += 4 {
		seed = seed*1664525 + 1013904223
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = 60+uint8(seed>>24)/2, 60+uint8(seed>>16)/2, 60+uint8(seed>>8)/2, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	p, err := photos.Process(b.Bytes(), photos.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &model.UnitPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height, Data: p.Data}
}

// blackIn reports whether every pixel of r in the JPEG data is black.
func blackIn(t *testing.T, data []byte, r photos.Rect) bool {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for y := r.Y; y < r.Y+r.H; y++ {
		for x := r.X; x < r.X+r.W; x++ {
			if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c != (color.RGBA{0, 0, 0, 255}) {
				return false
			}
		}
	}
	return true
}

func (r *rig) publicPhoto(id int64) *model.UnitPhoto {
	r.t.Helper()
	p, err := r.store.UnitPhoto(r.ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

func TestRedactPhoto(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner := r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	supervisor := r.user(model.RoleSupervisor, "cz-tianning")
	elsewhere := r.user(model.RoleSupervisor, "cz-wujin")
	admin := r.user(model.RoleCityAdmin, "")
	u := r.approved(owner, officer, "红梅农贸市场 3号摊位", codeA)

	// No photo yet: nothing to redact.
	face := photos.Rect{X: 120, Y: 80, W: 100, H: 140}
	if err := r.svc.RedactPhoto(ctx, officer, u.ID, []photos.Rect{face}, "路人面部"); !errors.Is(err, units.ErrNoPhoto) {
		t.Fatalf("redaction without a photo: %v", err)
	}
	sent := shopPhoto(t, 1)
	sent.UnitID = u.ID
	if err := r.store.SetUnitPhoto(ctx, sent); err != nil {
		t.Fatal(err)
	}
	sentData := bytes.Clone(sent.Data)
	if blackIn(t, sentData, face) {
		t.Fatal("the test photo is black already")
	}

	// Refusals write nothing.
	for _, c := range []struct {
		name   string
		who    audit.Actor
		rects  []photos.Rect
		why    string
		kind   fail.Kind
		fields []string
	}{
		{"no reason, no rectangle", officer, nil, "  ", fail.Invalid, []string{units.RedactReasonField, photos.RedactField}},
		{"rectangle off the photo", officer, []photos.Rect{face, {X: 800, Y: 0, W: 10, H: 10}}, "路人面部", fail.Invalid, []string{photos.RedactField}},
		{"reason too long", officer, []photos.Rect{face}, strings.Repeat("长", units.MaxReason+1), fail.Invalid, []string{units.RedactReasonField}},
		{"another district's supervisor", elsewhere, []photos.Rect{face}, "路人面部", fail.NotFound, nil},
		{"the merchant", owner, []photos.Rect{face}, "路人面部", fail.NotFound, nil},
	} {
		err := r.svc.RedactPhoto(ctx, c.who, u.ID, c.rects, c.why)
		e, ok := fail.As(err)
		if !ok || e.Kind != c.kind || len(e.Fields) != len(c.fields) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for _, f := range c.fields {
			if !e.Fields.Has(f) {
				t.Errorf("%s: no message for %s in %v", c.name, f, e.Fields)
			}
		}
	}
	if !bytes.Equal(r.publicPhoto(u.ID).Data, sentData) || r.count("unit_photo_originals") != 0 || len(r.audits(audit.ActionUnitPhotoRedact, u.ID)) != 0 {
		t.Fatal("a refused redaction wrote something")
	}

	// The officer redacts: the public photo is the derivative, the scan
	// page's revision moves, the original is kept.
	plate := photos.Rect{X: 500, Y: 400, W: 200, H: 60}
	rev := r.reload(u).PublicRev
	if err := r.svc.RedactPhoto(ctx, officer, u.ID, []photos.Rect{face, plate}, " 路人面部 与 车牌 "); err != nil {
		t.Fatal(err)
	}
	pub := r.publicPhoto(u.ID)
	if bytes.Equal(pub.Data, sentData) || !blackIn(t, pub.Data, face) || !blackIn(t, pub.Data, plate) || pub.OriginalID == nil ||
		pub.Width != sent.Width || pub.Height != sent.Height {
		t.Fatalf("public photo after the redaction: %dx%d original %v", pub.Width, pub.Height, pub.OriginalID)
	}
	if r.reload(u).PublicRev <= rev {
		t.Fatal("the public revision did not move: cached scan pages would keep the old photo")
	}
	a := r.audits(audit.ActionUnitPhotoRedact, u.ID)
	if len(a) != 1 {
		t.Fatalf("%d redaction audit entries", len(a))
	}
	expect(t, a[0], officer, `"reason":"路人面部 与 车牌"`, `"rects":2`, `"photo_sha256":"`)
	if len(*a[0].AfterJSON) > 400 || a[0].BeforeJSON == nil || len(*a[0].BeforeJSON) > 200 {
		t.Errorf("the audit entry carries more than hashes: %d bytes", len(*a[0].AfterJSON))
	}
	// The owner is told, in their language, with the reason.
	var told []model.OutboxMessage
	r.store.DB().Where("event = ?", notices.EventPhotoRedacted).Find(&told)
	if len(told) != 1 || told[0].Recipient != owner.User.Email || !strings.Contains(told[0].Body, "路人面部 与 车牌") ||
		!strings.Contains(told[0].Subject, "门头照片") {
		t.Fatalf("notices to the owner: %+v", told)
	}
	// Nobody's page offers the original to the officer, and the service
	// answers as if there were none.
	if pr, err := r.svc.PhotoReviewOf(ctx, officer, u); err != nil || !pr.Redacted || pr.CanViewOriginal {
		t.Fatalf("officer's view of the photo: %+v, %v", pr, err)
	}
	for _, who := range []audit.Actor{officer, elsewhere, owner} {
		if _, err := r.svc.PhotoOriginal(ctx, who, u.ID); !fail.Is(err, fail.NotFound) {
			t.Errorf("%s sees the original: %v", who.User.Role, err)
		}
	}
	if n := len(r.audits(audit.ActionUnitPhotoOriginal, u.ID)); n != 0 {
		t.Fatalf("%d views audited before anyone saw it", n)
	}

	// The supervisor and the city admin see it, each time audited.
	for _, who := range []audit.Actor{supervisor, admin} {
		if pr, err := r.svc.PhotoReviewOf(ctx, who, u); err != nil || !pr.CanViewOriginal {
			t.Fatalf("%s's view of the photo: %+v, %v", who.User.Role, pr, err)
		}
		o, err := r.svc.PhotoOriginal(ctx, who, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(o.Data, sentData) || o.Reason != "路人面部 与 车牌" || o.RedactedByID == nil || *o.RedactedByID != officer.User.ID {
			t.Fatalf("original: reason %q by %v", o.Reason, o.RedactedByID)
		}
	}
	if v := r.audits(audit.ActionUnitPhotoOriginal, u.ID); len(v) != 2 {
		t.Fatalf("%d views audited", len(v))
	} else {
		expect(t, v[0], supervisor, `"original_id":`)
		expect(t, v[1], admin)
	}

	// A second redaction covers more of the redaction, keeps the one
	// original and names it.
	if err := r.svc.RedactPhoto(ctx, supervisor, u.ID, []photos.Rect{{X: 10, Y: 10, W: 30, H: 30}}, "店招上的手机号"); err != nil {
		t.Fatal(err)
	}
	pub2 := r.publicPhoto(u.ID)
	if !blackIn(t, pub2.Data, face) || !blackIn(t, pub2.Data, photos.Rect{X: 10, Y: 10, W: 30, H: 30}) || *pub2.OriginalID != *pub.OriginalID {
		t.Fatal("the second redaction lost the first or made a new original")
	}
	if n := r.count("unit_photo_originals"); n != 1 {
		t.Fatalf("%d originals kept", n)
	}
	if o, err := r.svc.PhotoOriginal(ctx, supervisor, u.ID); err != nil || !bytes.Equal(o.Data, sentData) {
		t.Fatalf("the original after two redactions: %v", err)
	}

	// A redaction made from a stale read is refused, not merged over a
	// newer photo.
	stale := &model.UnitPhoto{UnitID: u.ID, ContentType: "image/jpeg", Width: 1, Height: 1, Data: []byte("x"), OriginalID: pub.OriginalID}
	if err := r.store.RedactUnitPhoto(ctx, rev, stale, nil); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale redaction: %v", err)
	}
	if !bytes.Equal(r.publicPhoto(u.ID).Data, pub2.Data) {
		t.Fatal("the stale redaction was written")
	}

	// The merchant sends a new photo: it is nobody's redaction, so there is
	// no original to show; the old one stays kept.
	fresh := shopPhoto(t, 2)
	fresh.UnitID = u.ID
	if err := r.store.SetUnitPhoto(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if p := r.publicPhoto(u.ID); p.OriginalID != nil {
		t.Fatal("a new photo still names the old original")
	}
	if _, err := r.svc.PhotoOriginal(ctx, supervisor, u.ID); !fail.Is(err, fail.NotFound) {
		t.Fatalf("original of a photo never redacted: %v", err)
	}
	if pr, err := r.svc.PhotoReviewOf(ctx, supervisor, u); err != nil || pr.Redacted || pr.CanViewOriginal {
		t.Fatalf("a new photo: %+v, %v", pr, err)
	}
	if err := r.svc.RedactPhoto(ctx, admin, u.ID, []photos.Rect{face}, "路人面部"); err != nil {
		t.Fatal(err)
	}
	if n := r.count("unit_photo_originals"); n != 2 {
		t.Fatalf("%d originals kept after the new photo's redaction", n)
	}
	if o, err := r.svc.PhotoOriginal(ctx, admin, u.ID); err != nil || !bytes.Equal(o.Data, fresh.Data) {
		t.Fatalf("the new photo's original: %v", err)
	}

	// The merchant sends the first photo again (Process makes the same
	// bytes of the same file): its redaction names the original kept.
	again := &model.UnitPhoto{UnitID: u.ID, ContentType: sent.ContentType, Width: sent.Width, Height: sent.Height, Data: sentData}
	if err := r.store.SetUnitPhoto(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.RedactPhoto(ctx, officer, u.ID, []photos.Rect{plate}, "车牌"); err != nil {
		t.Fatal(err)
	}
	if n := r.count("unit_photo_originals"); n != 2 {
		t.Fatalf("%d originals kept after the first photo came back", n)
	}
	if p := r.publicPhoto(u.ID); *p.OriginalID != *pub.OriginalID || !blackIn(t, p.Data, plate) || blackIn(t, p.Data, face) {
		t.Fatal("the first photo's new redaction does not name its kept original, or covers what it was not asked to")
	}
}
