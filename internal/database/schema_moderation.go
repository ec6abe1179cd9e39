package database

// schemaV17: texts masked on their way to the public (internal/moderation).
// A row keeps what staff typed (original) and what was published, for the
// object and field the text belongs to (a timeline entry's body, a case's
// public notice, a unit's public status reason, a spot check's summary).
// The original is personal data: only a supervisor of the agency and the
// city admin may read it back; the audit chain records that a text was
// masked, why and which kinds, never the original.
const schemaV17 = `
CREATE TABLE moderations (
  id {{PK}},
  object_type VARCHAR(30) NOT NULL,
  object_id {{ID}} NOT NULL,
  field VARCHAR(40) NOT NULL,
  agency_id {{ID}},
  actor_user_id {{ID}},
  reason VARCHAR(200) NOT NULL,
  kinds VARCHAR(200) NOT NULL,
  original {{TEXT}} NOT NULL,
  published {{TEXT}} NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_moderations_agency FOREIGN KEY (agency_id) REFERENCES agencies(id),
  CONSTRAINT fk_moderations_actor FOREIGN KEY (actor_user_id) REFERENCES users(id)
){{TABLE}};
CREATE INDEX idx_moderations_object ON moderations (object_type, object_id, field, id);
CREATE INDEX idx_moderations_agency_id ON moderations (agency_id);
CREATE INDEX idx_moderations_actor_user_id ON moderations (actor_user_id);
`
