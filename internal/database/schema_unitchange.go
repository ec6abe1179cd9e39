package database

// schemaV13: a merchant's request to change what an officer approved of a
// unit (name, credit code, business type, district, address), decided by an
// officer of the agency with jurisdiction (internal/units). The from_ columns
// keep the unit as it was when asked, so the record shows old → new whatever
// happened since. open_unit_id is the unit's id while the request is open and
// NULL once decided or withdrawn: its unique index holds one open request per
// unit on both engines (both let a unique index hold many NULLs).
const schemaV13 = `
CREATE TABLE unit_change_requests (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  open_unit_id {{ID}} NULL,
  state VARCHAR(12) NOT NULL,
  requested_by {{ID}} NOT NULL,
  from_name VARCHAR(200) NOT NULL,
  from_uscc VARCHAR(18) NOT NULL,
  from_business_type VARCHAR(30) NOT NULL,
  from_district_id {{ID}} NOT NULL,
  from_address VARCHAR(300) NOT NULL,
  name VARCHAR(200) NOT NULL,
  uscc VARCHAR(18) NOT NULL,
  business_type VARCHAR(30) NOT NULL,
  district_id {{ID}} NOT NULL,
  address VARCHAR(300) NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  decided_by {{ID}} NULL,
  decided_at {{TS}} NULL,
  decision_reason VARCHAR(1000) NOT NULL DEFAULT '',
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_unit_change_requests_unit FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  CONSTRAINT fk_unit_change_requests_requested_by FOREIGN KEY (requested_by) REFERENCES users(id),
  CONSTRAINT fk_unit_change_requests_decided_by FOREIGN KEY (decided_by) REFERENCES users(id),
  CONSTRAINT fk_unit_change_requests_from_district FOREIGN KEY (from_district_id) REFERENCES districts(id),
  CONSTRAINT fk_unit_change_requests_district FOREIGN KEY (district_id) REFERENCES districts(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_unit_change_requests_open_unit_id ON unit_change_requests (open_unit_id);
CREATE INDEX idx_unit_change_requests_unit_id ON unit_change_requests (unit_id, id);
CREATE INDEX idx_unit_change_requests_state ON unit_change_requests (state, created_at);
CREATE INDEX idx_unit_change_requests_requested_by ON unit_change_requests (requested_by);
CREATE INDEX idx_unit_change_requests_decided_by ON unit_change_requests (decided_by);
CREATE INDEX idx_unit_change_requests_from_district_id ON unit_change_requests (from_district_id);
CREATE INDEX idx_unit_change_requests_district_id ON unit_change_requests (district_id);
`
