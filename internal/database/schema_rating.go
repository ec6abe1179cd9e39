package database

// schemaV12: a reporter's rating of how their report was handled, once per
// case after it ends (internal/intake), for the dashboard's satisfaction.
const schemaV12 = `
CREATE TABLE case_ratings (
  id {{PK}},
  case_id {{ID}} NOT NULL,
  agency_id {{ID}} NOT NULL,
  score INT NOT NULL,
  comment VARCHAR(500) NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_case_ratings_case FOREIGN KEY (case_id) REFERENCES cases(id),
  CONSTRAINT fk_case_ratings_agency FOREIGN KEY (agency_id) REFERENCES agencies(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_case_ratings_case_id ON case_ratings (case_id);
CREATE INDEX idx_case_ratings_agency_id ON case_ratings (agency_id, created_at);
`
