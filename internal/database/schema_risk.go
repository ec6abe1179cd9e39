package database

// schemaV16: each unit's current risk class (internal/risk), one row per
// unit, rewritten only when the class, score, rule version or inputs change
// (every rewrite is audited). revision is the optimistic lock that lets
// several instances recompute at once and record each change once. The class
// is internal to the regulator: nothing public reads this table unless the
// city turns on risk_public (city.yaml).
const schemaV16 = `
CREATE TABLE unit_risk_classes (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  class VARCHAR(1) NOT NULL,
  score INT NOT NULL,
  rule_version VARCHAR(40) NOT NULL,
  inputs {{TEXT}} NOT NULL,
  revision INT NOT NULL,
  computed_at {{TS}} NOT NULL,
  CONSTRAINT fk_unit_risk_classes_unit FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE
){{TABLE}};
CREATE UNIQUE INDEX ux_unit_risk_classes_unit_id ON unit_risk_classes (unit_id);
CREATE INDEX idx_unit_risk_classes_class ON unit_risk_classes (class);
`
