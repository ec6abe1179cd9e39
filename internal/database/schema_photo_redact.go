package database

// schemaV19: shop-front photos redacted by staff (units.Service.RedactPhoto).
// The public photo (unit_photos) becomes the redacted derivative; the photo
// as the merchant sent it is kept in unit_photo_originals, once per unit and
// content (ux_unit_photo_originals_unit_sha), for supervisors to recover.
// unit_photos.original_id names the original the current photo was derived
// from, NULL for a photo as sent; a new photo from the merchant sets it back
// to NULL, and the original it replaced stays where it is. reason is the
// first redaction's; every redaction's own reason is in the audit log. The
// column has no foreign-key constraint because SQLite cannot add one to an
// existing table; the service writes it in the transaction that creates the
// row it names.
const schemaV19 = `
CREATE TABLE unit_photo_originals (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  content_type VARCHAR(50) NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data {{BLOB}} NOT NULL,
  redacted_by_id {{ID}} NULL,
  reason {{TEXT}} NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_unit_photo_originals_unit FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  CONSTRAINT fk_unit_photo_originals_redacted_by FOREIGN KEY (redacted_by_id) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_unit_photo_originals_unit_sha ON unit_photo_originals (unit_id, sha256);
CREATE INDEX idx_unit_photo_originals_redacted_by ON unit_photo_originals (redacted_by_id);
ALTER TABLE unit_photos ADD COLUMN original_id {{ID}} NULL;
CREATE INDEX idx_unit_photos_original_id ON unit_photos (original_id);
`
