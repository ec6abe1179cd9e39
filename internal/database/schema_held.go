package database

// schemaV11: photos a citizen attached to a report form that came back
// with a problem elsewhere. They are kept, cleaned as they would be for the
// report, against the form's idempotency key, so a second try need not
// send them again over a weak connection (internal/intake). They expire
// after an hour and are purged; the report that uses them deletes them in
// its own transaction.
const schemaV11 = `
CREATE TABLE held_photos (
  id {{PK}},
  form_key VARCHAR(64) NOT NULL,
  seq INT NOT NULL,
  content_type VARCHAR(64) NOT NULL,
  width INT NOT NULL,
  height INT NOT NULL,
  size_bytes INT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  data {{BLOB}} NOT NULL,
  created_at {{TS}} NOT NULL,
  expires_at {{TS}} NOT NULL
){{TABLE}};
CREATE INDEX idx_held_photos_form_key ON held_photos (form_key);
CREATE INDEX idx_held_photos_expires_at ON held_photos (expires_at);
`
