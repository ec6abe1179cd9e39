package database

// schemaV18: a case's hand-off to the national 12315 platform or the city's
// 12345 hotline (internal/cases/handoff.go): one row per case and target,
// holding the registration number the officer typed in from that system. A
// mistyped number is corrected in place (audited), so the unique index keeps
// one record per target. idx_cases_updated serves the hand-off export's
// incremental pull, ordered by (updated_at, id).
const schemaV18 = `
CREATE TABLE case_handoffs (
  id {{PK}},
  case_id {{ID}} NOT NULL,
  target VARCHAR(8) NOT NULL,
  registration_no VARCHAR(40) NOT NULL,
  created_by {{ID}} NOT NULL,
  updated_by {{ID}} NOT NULL,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  CONSTRAINT fk_case_handoffs_case FOREIGN KEY (case_id) REFERENCES cases(id),
  CONSTRAINT fk_case_handoffs_created_by FOREIGN KEY (created_by) REFERENCES users(id),
  CONSTRAINT fk_case_handoffs_updated_by FOREIGN KEY (updated_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_case_handoffs_case_target ON case_handoffs (case_id, target);
CREATE INDEX idx_case_handoffs_created_by ON case_handoffs (created_by);
CREATE INDEX idx_case_handoffs_updated_by ON case_handoffs (updated_by);
CREATE INDEX idx_cases_updated ON cases (updated_at, id);
`
