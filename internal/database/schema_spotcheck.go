package database

// schemaV15: "double random, one public" spot checks (internal/spotcheck,
// docs/spot-checks.md).
//
// check_items is the city's list of what may be checked (basis, subject,
// content as one point per line, method). spot_check_plans is an agency's
// yearly plan for one item: a base ratio and a multiplier per risk class,
// in per-mille. draws holds each draw from its announcement (the frozen pool
// as published, the commitment to a secret kept here until the reveal, the
// named public randomness) to the published file; a void draw stays, with
// its reason and the draw that replaced it. draw_targets are the drawn and
// reserve positions, immutable once written (storage refuses updates).
// inspections are the tasks the drawn targets became, with their inspectors,
// per-point findings and photos; inspector_conflicts the declared conflicts
// of interest (回避).
const schemaV15 = `
CREATE TABLE check_items (
  id {{PK}},
  code VARCHAR(40) NOT NULL,
  name_zh VARCHAR(200) NOT NULL,
  name_en VARCHAR(200) NOT NULL,
  basis VARCHAR(500) NOT NULL,
  subject VARCHAR(200) NOT NULL,
  content VARCHAR(2000) NOT NULL,
  method VARCHAR(500) NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL
){{TABLE}};
CREATE UNIQUE INDEX ux_check_items_code ON check_items (code);

CREATE TABLE spot_check_plans (
  id {{PK}},
  agency_id {{ID}} NOT NULL,
  item_id {{ID}} NOT NULL,
  year INT NOT NULL,
  base_permille INT NOT NULL,
  class_a_permille INT NOT NULL,
  class_b_permille INT NOT NULL,
  class_c_permille INT NOT NULL,
  class_d_permille INT NOT NULL,
  due_working_days INT NOT NULL,
  created_by {{ID}} NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_spot_check_plans_agency FOREIGN KEY (agency_id) REFERENCES agencies(id),
  CONSTRAINT fk_spot_check_plans_item FOREIGN KEY (item_id) REFERENCES check_items(id),
  CONSTRAINT fk_spot_check_plans_created_by FOREIGN KEY (created_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_spot_check_plans_once ON spot_check_plans (agency_id, item_id, year);
CREATE INDEX idx_spot_check_plans_item ON spot_check_plans (item_id);
CREATE INDEX idx_spot_check_plans_created_by ON spot_check_plans (created_by);

CREATE TABLE draws (
  id {{PK}},
  plan_id {{ID}} NOT NULL,
  agency_id {{ID}} NOT NULL,
  code VARCHAR(60) NOT NULL,
  status VARCHAR(12) NOT NULL,
  announcement {{TEXT}} NOT NULL,
  pool_hash CHAR(64) NOT NULL,
  commitment CHAR(64) NOT NULL,
  secret CHAR(64) NOT NULL,
  randomness_source VARCHAR(300) NOT NULL,
  previous_hash VARCHAR(64) NOT NULL DEFAULT '',
  random_value VARCHAR(300) NOT NULL DEFAULT '',
  file {{TEXT}} NULL,
  file_hash VARCHAR(64) NOT NULL DEFAULT '',
  announced_by {{ID}} NOT NULL,
  announced_at {{TS}} NOT NULL,
  drawn_at {{TS}} NULL,
  voided_at {{TS}} NULL,
  void_reason VARCHAR(500) NOT NULL DEFAULT '',
  replaces_id {{ID}} NULL,
  CONSTRAINT fk_draws_plan FOREIGN KEY (plan_id) REFERENCES spot_check_plans(id),
  CONSTRAINT fk_draws_agency FOREIGN KEY (agency_id) REFERENCES agencies(id),
  CONSTRAINT fk_draws_announced_by FOREIGN KEY (announced_by) REFERENCES users(id),
  CONSTRAINT fk_draws_replaces FOREIGN KEY (replaces_id) REFERENCES draws(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_draws_code ON draws (code);
CREATE INDEX idx_draws_plan ON draws (plan_id, announced_at);
CREATE INDEX idx_draws_agency ON draws (agency_id, announced_at);
CREATE INDEX idx_draws_announced_by ON draws (announced_by);
CREATE INDEX idx_draws_replaces ON draws (replaces_id);

CREATE TABLE draw_targets (
  id {{PK}},
  draw_id {{ID}} NOT NULL,
  position INT NOT NULL,
  reserve BOOLEAN NOT NULL,
  label VARCHAR(120) NOT NULL,
  unit_id {{ID}} NOT NULL,
  stratum VARCHAR(20) NOT NULL,
  class CHAR(1) NOT NULL,
  inspectors VARCHAR(500) NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_draw_targets_draw FOREIGN KEY (draw_id) REFERENCES draws(id),
  CONSTRAINT fk_draw_targets_unit FOREIGN KEY (unit_id) REFERENCES units(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_draw_targets_position ON draw_targets (draw_id, reserve, position);
CREATE INDEX idx_draw_targets_unit ON draw_targets (unit_id);

CREATE TABLE inspections (
  id {{PK}},
  draw_id {{ID}} NOT NULL,
  draw_target_id {{ID}} NOT NULL,
  unit_id {{ID}} NOT NULL,
  agency_id {{ID}} NOT NULL,
  item_id {{ID}} NOT NULL,
  status VARCHAR(12) NOT NULL,
  substitute_for_id {{ID}} NULL,
  cancel_reason VARCHAR(500) NOT NULL DEFAULT '',
  due_at {{TS}} NOT NULL,
  checked_on {{DATE}} NULL,
  result VARCHAR(12) NOT NULL DEFAULT '',
  summary VARCHAR(1000) NOT NULL DEFAULT '',
  note VARCHAR(2000) NOT NULL DEFAULT '',
  case_id {{ID}} NULL,
  spot_check_id {{ID}} NULL,
  recorded_by {{ID}} NULL,
  recorded_at {{TS}} NULL,
  lock_version INT NOT NULL DEFAULT 0,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_inspections_draw FOREIGN KEY (draw_id) REFERENCES draws(id),
  CONSTRAINT fk_inspections_target FOREIGN KEY (draw_target_id) REFERENCES draw_targets(id),
  CONSTRAINT fk_inspections_unit FOREIGN KEY (unit_id) REFERENCES units(id),
  CONSTRAINT fk_inspections_agency FOREIGN KEY (agency_id) REFERENCES agencies(id),
  CONSTRAINT fk_inspections_item FOREIGN KEY (item_id) REFERENCES check_items(id),
  CONSTRAINT fk_inspections_substitute_for FOREIGN KEY (substitute_for_id) REFERENCES inspections(id),
  CONSTRAINT fk_inspections_case FOREIGN KEY (case_id) REFERENCES cases(id),
  CONSTRAINT fk_inspections_spot_check FOREIGN KEY (spot_check_id) REFERENCES spot_checks(id),
  CONSTRAINT fk_inspections_recorded_by FOREIGN KEY (recorded_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_inspections_target ON inspections (draw_target_id);
CREATE INDEX idx_inspections_draw ON inspections (draw_id);
CREATE INDEX idx_inspections_unit ON inspections (unit_id, checked_on);
CREATE INDEX idx_inspections_agency ON inspections (agency_id, status, due_at);
CREATE INDEX idx_inspections_item ON inspections (item_id);
CREATE INDEX idx_inspections_substitute_for ON inspections (substitute_for_id);
CREATE INDEX idx_inspections_case ON inspections (case_id);
CREATE INDEX idx_inspections_spot_check ON inspections (spot_check_id);
CREATE INDEX idx_inspections_recorded_by ON inspections (recorded_by);

CREATE TABLE inspection_inspectors (
  id {{PK}},
  inspection_id {{ID}} NOT NULL,
  user_id {{ID}} NOT NULL,
  CONSTRAINT fk_inspection_inspectors_inspection FOREIGN KEY (inspection_id) REFERENCES inspections(id),
  CONSTRAINT fk_inspection_inspectors_user FOREIGN KEY (user_id) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_inspection_inspectors_pair ON inspection_inspectors (inspection_id, user_id);
CREATE INDEX idx_inspection_inspectors_user ON inspection_inspectors (user_id);

CREATE TABLE inspection_findings (
  id {{PK}},
  inspection_id {{ID}} NOT NULL,
  point INT NOT NULL,
  outcome VARCHAR(8) NOT NULL,
  instrument_id {{ID}} NULL,
  measured VARCHAR(200) NOT NULL DEFAULT '',
  note VARCHAR(1000) NOT NULL DEFAULT '',
  CONSTRAINT fk_inspection_findings_inspection FOREIGN KEY (inspection_id) REFERENCES inspections(id),
  CONSTRAINT fk_inspection_findings_instrument FOREIGN KEY (instrument_id) REFERENCES instruments(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_inspection_findings_point ON inspection_findings (inspection_id, point);
CREATE INDEX idx_inspection_findings_instrument ON inspection_findings (instrument_id);

CREATE TABLE inspection_photos (
  id {{PK}},
  inspection_id {{ID}} NOT NULL,
  seq INT NOT NULL,
  content_type VARCHAR(40) NOT NULL,
  width INT NOT NULL,
  height INT NOT NULL,
  size_bytes INT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  data {{BLOB}} NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_inspection_photos_inspection FOREIGN KEY (inspection_id) REFERENCES inspections(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_inspection_photos_seq ON inspection_photos (inspection_id, seq);

CREATE TABLE inspector_conflicts (
  id {{PK}},
  user_id {{ID}} NOT NULL,
  unit_id {{ID}} NOT NULL,
  reason VARCHAR(500) NOT NULL,
  declared_at {{TS}} NOT NULL,
  CONSTRAINT fk_inspector_conflicts_user FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT fk_inspector_conflicts_unit FOREIGN KEY (unit_id) REFERENCES units(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_inspector_conflicts_pair ON inspector_conflicts (user_id, unit_id);
CREATE INDEX idx_inspector_conflicts_unit ON inspector_conflicts (unit_id);
`
