package database

// Migrations is the ordered list of schema changes; the schema version is
// its length. Placeholders: {{PK}} auto-increment key, {{ID}} a reference to
// one, {{TS}} a UTC timestamp, {{DATE}} a calendar date, {{TEXT}} long text,
// {{BLOB}} binary up to 16 MB, {{TABLE}} MySQL's utf8mb4 table options.
//
// Conventions: every index is named idx_<table>_… or ux_<table>_… (unique);
// every foreign-key column has an index of its own so MySQL never adds an
// unnamed one; "active" uniqueness (one live unit per credit code, one live
// instrument per serial in a unit) uses a nullable shadow column that is set
// while the row is live and NULL otherwise, because both engines let a unique
// index hold many NULLs.
var Migrations = []Migration{
	{Version: 1, Name: "domain model", SQL: schemaV1},
	{Version: 2, Name: "public revision of units", SQL: schemaV2},
	{Version: 3, Name: "queue indexes lead with agency and status", SQL: schemaV3},
	{Version: 4, Name: "report request hash and burst marker", SQL: schemaV4},
	{Version: 5, Name: "keyed MAC on audit entries", SQL: schemaV5},
	{Version: 6, Name: "drafts do not reserve credit codes", SQL: schemaV6},
	{Version: 7, Name: "one-time codes, login delays, verified contacts", SQL: schemaV7},
	{Version: 8, Name: "verification bodies' records, imports, conflicts, expiry reminders", SQL: schemaV8},
	{Version: 9, Name: "public notice of a conclusion, reply templates", SQL: schemaV9},
	{Version: 10, Name: "sealed instruments", SQL: schemaV10},
	{Version: 11, Name: "photos held for a report form sent back", SQL: schemaV11},
	{Version: 12, Name: "reporters rate the handling", SQL: schemaV12},
	{Version: 13, Name: "merchants ask to change a unit's approved details", SQL: schemaV13},
	{Version: 14, Name: "pledge reminders", SQL: schemaV14},
	{Version: 15, Name: "spot checks: items, plans, verifiable draws, inspections", SQL: schemaV15},
	{Version: 16, Name: "risk classes of units", SQL: schemaV16},
	{Version: 17, Name: "texts masked on their way to the public", SQL: schemaV17},
	{Version: 18, Name: "hand-offs to 12315 and 12345", SQL: schemaV18},
	{Version: 19, Name: "redacted shop-front photos keep their originals", SQL: schemaV19},
	{Version: 20, Name: "counters of public page changes, polled by every instance", SQL: schemaV20},
}

// schemaV8: what legal verification bodies send (internal/verification,
// docs/verification.md). verification_records is rebuilt because a body's
// record may name an instrument nobody registered (instrument_id NULL, a
// lead for the supervising agency) and SQLite cannot relax NOT NULL in
// place; the rows are copied as they are, all declared or confirmed
// certificates. A body's record is immutable: a correction is a new record
// naming the one it supersedes, a cancellation a record that revokes one;
// both mark the old row revoked_at/revoked_by_id. body_key is the body's id
// for its own records and NULL for a merchant's, so the unique index holds
// one record per (body, certificate number, kind) and any number of
// declarations. serial_key is the serial as matched (trimmed, half-width,
// upper case), on instruments too. regulation_next/_from date a change of
// regulation for a type (JJG 1204-2025 for price-computing scales from
// 2027-01-08). expiry_reminders holds one row per (instrument, valid-until,
// stage) ever sent — the unique index is what makes several instances send
// each reminder once — and reminder_digests one per unit and day.
const schemaV8 = `
CREATE TABLE verification_records_v8 (
  id {{PK}},
  instrument_id {{ID}} NULL,
  unit_id {{ID}} NULL,
  kind VARCHAR(20) NOT NULL DEFAULT 'certificate',
  certificate_no VARCHAR(100) NOT NULL,
  body_name VARCHAR(200) NOT NULL,
  verification_body_id {{ID}} NULL,
  body_key {{ID}} NULL,
  body_record_no VARCHAR(100) NOT NULL DEFAULT '',
  verified_on {{DATE}} NOT NULL,
  valid_until {{DATE}} NULL,
  result VARCHAR(10) NOT NULL,
  conclusion VARCHAR(200) NOT NULL DEFAULT '',
  accuracy_class VARCHAR(20) NOT NULL DEFAULT '',
  regulation VARCHAR(100) NOT NULL DEFAULT '',
  instrument_name VARCHAR(100) NOT NULL DEFAULT '',
  instrument_model VARCHAR(100) NOT NULL DEFAULT '',
  instrument_serial VARCHAR(100) NOT NULL DEFAULT '',
  serial_key VARCHAR(100) NOT NULL DEFAULT '',
  instrument_maker VARCHAR(200) NOT NULL DEFAULT '',
  identity_code VARCHAR(64) NOT NULL DEFAULT '',
  submitter_name VARCHAR(200) NOT NULL DEFAULT '',
  submitter_uscc VARCHAR(18) NOT NULL DEFAULT '',
  verifier VARCHAR(100) NOT NULL DEFAULT '',
  checker VARCHAR(100) NOT NULL DEFAULT '',
  approver VARCHAR(100) NOT NULL DEFAULT '',
  issued_at {{TS}} NULL,
  supersedes_id {{ID}} NULL,
  revoked_at {{TS}} NULL,
  revoked_by_id {{ID}} NULL,
  import_batch_id {{ID}} NULL,
  payload_hash VARCHAR(64) NOT NULL DEFAULT '',
  source VARCHAR(20) NOT NULL,
  recorded_by {{ID}} NULL,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (instrument_id) REFERENCES instruments(id) ON DELETE CASCADE,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE SET NULL,
  FOREIGN KEY (verification_body_id) REFERENCES verification_bodies(id),
  FOREIGN KEY (recorded_by) REFERENCES users(id)
){{TABLE}};
INSERT INTO verification_records_v8 (id, instrument_id, unit_id, certificate_no, body_name, verification_body_id,
  verified_on, valid_until, result, source, recorded_by, created_at)
  SELECT r.id, r.instrument_id, i.unit_id, r.certificate_no, r.body_name, r.verification_body_id,
    r.verified_on, r.valid_until, r.result, r.source, r.recorded_by, r.created_at
  FROM verification_records r JOIN instruments i ON i.id = r.instrument_id;
DROP TABLE verification_records;
ALTER TABLE verification_records_v8 RENAME TO verification_records;
CREATE INDEX idx_verification_records_instrument ON verification_records(instrument_id, verified_on);
CREATE INDEX idx_verification_records_unit ON verification_records(unit_id);
CREATE INDEX idx_verification_records_body ON verification_records(verification_body_id, created_at);
CREATE INDEX idx_verification_records_recorded_by ON verification_records(recorded_by);
CREATE INDEX idx_verification_records_valid_until ON verification_records(valid_until);
CREATE UNIQUE INDEX ux_verification_records_body_cert ON verification_records(body_key, certificate_no, kind);
CREATE INDEX idx_verification_records_submitter ON verification_records(submitter_uscc, serial_key);
CREATE INDEX idx_verification_records_batch ON verification_records(import_batch_id);

ALTER TABLE instruments ADD COLUMN serial_key VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE instruments ADD COLUMN identity_code VARCHAR(64) NOT NULL DEFAULT '';
CREATE INDEX idx_instruments_serial_key ON instruments(serial_key);

ALTER TABLE instrument_types ADD COLUMN regulation_next VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE instrument_types ADD COLUMN regulation_next_from {{DATE}} NULL;

ALTER TABLE users ADD COLUMN reminders_off BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE body_api_tokens (
  id {{PK}},
  verification_body_id {{ID}} NOT NULL,
  name VARCHAR(100) NOT NULL,
  token_hash CHAR(64) NOT NULL,
  hint VARCHAR(12) NOT NULL,
  created_by {{ID}} NULL,
  created_at {{TS}} NOT NULL,
  last_used_at {{TS}} NULL,
  revoked_at {{TS}} NULL,
  FOREIGN KEY (verification_body_id) REFERENCES verification_bodies(id),
  FOREIGN KEY (created_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_body_api_tokens_hash ON body_api_tokens(token_hash);
CREATE INDEX idx_body_api_tokens_body ON body_api_tokens(verification_body_id);
CREATE INDEX idx_body_api_tokens_created_by ON body_api_tokens(created_by);

CREATE TABLE verification_imports (
  id {{PK}},
  verification_body_id {{ID}} NOT NULL,
  channel VARCHAR(10) NOT NULL,
  file_name VARCHAR(200) NOT NULL DEFAULT '',
  idempotency_key VARCHAR(100) NULL,
  request_hash VARCHAR(64) NOT NULL DEFAULT '',
  status VARCHAR(12) NOT NULL,
  total_rows INTEGER NOT NULL DEFAULT 0,
  done_rows INTEGER NOT NULL DEFAULT 0,
  new_rows INTEGER NOT NULL DEFAULT 0,
  unchanged_rows INTEGER NOT NULL DEFAULT 0,
  refused_rows INTEGER NOT NULL DEFAULT 0,
  error VARCHAR(500) NOT NULL DEFAULT '',
  response {{TEXT}} NULL,
  created_by {{ID}} NULL,
  created_at {{TS}} NOT NULL,
  started_at {{TS}} NULL,
  finished_at {{TS}} NULL,
  locked_until {{TS}} NULL,
  FOREIGN KEY (verification_body_id) REFERENCES verification_bodies(id),
  FOREIGN KEY (created_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_verification_imports_key ON verification_imports(verification_body_id, idempotency_key);
CREATE INDEX idx_verification_imports_status ON verification_imports(status, locked_until);
CREATE INDEX idx_verification_imports_body ON verification_imports(verification_body_id, created_at);
CREATE INDEX idx_verification_imports_created_by ON verification_imports(created_by);

CREATE TABLE verification_import_rows (
  id {{PK}},
  import_id {{ID}} NOT NULL,
  row_no INTEGER NOT NULL,
  payload {{TEXT}} NOT NULL,
  outcome VARCHAR(12) NOT NULL,
  problems {{TEXT}} NULL,
  record_id {{ID}} NULL,
  FOREIGN KEY (import_id) REFERENCES verification_imports(id) ON DELETE CASCADE
){{TABLE}};
CREATE UNIQUE INDEX ux_verification_import_rows_row ON verification_import_rows(import_id, row_no);
CREATE INDEX idx_verification_import_rows_outcome ON verification_import_rows(import_id, outcome, row_no);

CREATE TABLE verification_conflicts (
  id {{PK}},
  kind VARCHAR(30) NOT NULL,
  status VARCHAR(12) NOT NULL,
  dedupe_key VARCHAR(120) NOT NULL,
  agency_id {{ID}} NULL,
  district_id {{ID}} NULL,
  unit_id {{ID}} NULL,
  instrument_id {{ID}} NULL,
  body_record_id {{ID}} NULL,
  declared_record_id {{ID}} NULL,
  verification_body_id {{ID}} NULL,
  detail {{TEXT}} NULL,
  created_at {{TS}} NOT NULL,
  resolved_at {{TS}} NULL,
  resolved_by {{ID}} NULL,
  resolution VARCHAR(1000) NOT NULL DEFAULT '',
  case_id {{ID}} NULL,
  FOREIGN KEY (agency_id) REFERENCES agencies(id),
  FOREIGN KEY (district_id) REFERENCES districts(id),
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  FOREIGN KEY (instrument_id) REFERENCES instruments(id) ON DELETE CASCADE,
  FOREIGN KEY (body_record_id) REFERENCES verification_records(id),
  FOREIGN KEY (declared_record_id) REFERENCES verification_records(id),
  FOREIGN KEY (verification_body_id) REFERENCES verification_bodies(id),
  FOREIGN KEY (resolved_by) REFERENCES users(id),
  FOREIGN KEY (case_id) REFERENCES cases(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_verification_conflicts_dedupe ON verification_conflicts(dedupe_key);
CREATE INDEX idx_verification_conflicts_queue ON verification_conflicts(agency_id, status, created_at);
CREATE INDEX idx_verification_conflicts_district ON verification_conflicts(district_id);
CREATE INDEX idx_verification_conflicts_unit ON verification_conflicts(unit_id, status);
CREATE INDEX idx_verification_conflicts_instrument ON verification_conflicts(instrument_id);
CREATE INDEX idx_verification_conflicts_body_record ON verification_conflicts(body_record_id);
CREATE INDEX idx_verification_conflicts_declared ON verification_conflicts(declared_record_id);
CREATE INDEX idx_verification_conflicts_body ON verification_conflicts(verification_body_id);
CREATE INDEX idx_verification_conflicts_resolved_by ON verification_conflicts(resolved_by);
CREATE INDEX idx_verification_conflicts_case ON verification_conflicts(case_id);

CREATE TABLE reminder_digests (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  day {{DATE}} NOT NULL,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE
){{TABLE}};
CREATE UNIQUE INDEX ux_reminder_digests_unit_day ON reminder_digests(unit_id, day);

CREATE TABLE expiry_reminders (
  id {{PK}},
  instrument_id {{ID}} NOT NULL,
  valid_until {{DATE}} NOT NULL,
  stage VARCHAR(12) NOT NULL,
  unit_id {{ID}} NOT NULL,
  digest_id {{ID}} NOT NULL,
  created_at {{TS}} NOT NULL,
  acknowledged_at {{TS}} NULL,
  FOREIGN KEY (instrument_id) REFERENCES instruments(id) ON DELETE CASCADE,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  FOREIGN KEY (digest_id) REFERENCES reminder_digests(id) ON DELETE CASCADE
){{TABLE}};
CREATE UNIQUE INDEX ux_expiry_reminders_once ON expiry_reminders(instrument_id, valid_until, stage);
CREATE INDEX idx_expiry_reminders_unit ON expiry_reminders(unit_id, created_at);
CREATE INDEX idx_expiry_reminders_digest ON expiry_reminders(digest_id);
`

// schemaV6: a credit code is reserved from submission on, not by a draft
// (model.UnitStatus.HoldsCreditCode): drafts holding a code give it up, so
// the business whose code a stranger typed into a draft can apply.
const schemaV6 = `
UPDATE units SET uscc_live = NULL WHERE status = 'draft';
`

// schemaV5: each audit entry carries HMAC-SHA256(HM_AUDIT_KEY, hash), so the
// chain can no longer be recomputed by someone who can only write to the
// database (internal/audit, docs/audit.md). Entries written before have an
// empty MAC and are verified by hash only.
const schemaV5 = `
ALTER TABLE audit_log ADD COLUMN mac VARCHAR(64) NOT NULL DEFAULT '';
`

// schemaV4: an idempotency key replays a receipt only for the submission it
// came with (reports.request_hash); a report is never refused because of
// other reports about its unit, its case is marked instead (cases.burst).
const schemaV4 = `
ALTER TABLE reports ADD COLUMN request_hash VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN burst INTEGER NOT NULL DEFAULT 0;
`

// schemaV7: sign-up and password reset prove a phone number or e-mail
// address by a one-time code (only its keyed hash is stored); login
// throttling keeps per-bucket growing delays next to the fixed-window
// rate_limits; users record when their phone and e-mail were proven.
const schemaV7 = `
CREATE TABLE one_time_codes (
  id {{PK}},
  purpose VARCHAR(20) NOT NULL,
  login VARCHAR(254) NOT NULL,
  code_hash CHAR(64) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  expires_at {{TS}} NOT NULL,
  used_at {{TS}} NULL,
  created_at {{TS}} NOT NULL
){{TABLE}};
CREATE INDEX idx_one_time_codes_login ON one_time_codes(purpose, login, created_at);
CREATE INDEX idx_one_time_codes_expires ON one_time_codes(expires_at);
CREATE TABLE rate_delays (
  bucket VARCHAR(200) NOT NULL PRIMARY KEY,
  failures INTEGER NOT NULL,
  next_at {{TS}} NOT NULL,
  last_at {{TS}} NOT NULL
){{TABLE}};
CREATE INDEX idx_rate_delays_last ON rate_delays(last_at);
ALTER TABLE users ADD COLUMN phone_verified_at {{TS}} NULL;
ALTER TABLE users ADD COLUMN email_verified_at {{TS}} NULL;
`

// schemaV3: the officer queue always filters by agency and (open) status.
// Indexes that began (agency_id, due_at|priority|category|district_id) made
// the planner walk the agency's closed history, which grows without end;
// with status second, only the open backlog is read. The last index also
// covers the queue's four counts. {{ON cases}}: MySQL's DROP INDEX names
// the table.
const schemaV3 = `
DROP INDEX idx_cases_agency_due{{ON cases}};
DROP INDEX idx_cases_agency_priority{{ON cases}};
DROP INDEX idx_cases_agency_category{{ON cases}};
DROP INDEX idx_cases_agency_district{{ON cases}};
CREATE INDEX idx_cases_agency_status_priority ON cases(agency_id, status, priority, due_at);
CREATE INDEX idx_cases_agency_status_category ON cases(agency_id, status, category, due_at);
CREATE INDEX idx_cases_agency_status_district ON cases(agency_id, status, district_id, due_at);
CREATE INDEX idx_cases_agency_status_assignee ON cases(agency_id, status, assignee_id, due_at);
`

// schemaV2: scan pages are cached; units.public_rev tells a cached page
// from a stale one (internal/storage/public.go).
const schemaV2 = `
ALTER TABLE units ADD COLUMN public_rev BIGINT NOT NULL DEFAULT 0;
`

const schemaV1 = `
-- Enforcement agencies: district bureaus, the city bureau, the city
-- enforcement detachment.
CREATE TABLE agencies (
  id {{PK}},
  code VARCHAR(40) NOT NULL,
  kind VARCHAR(30) NOT NULL,
  name_zh VARCHAR(200) NOT NULL,
  name_en VARCHAR(200) NOT NULL,
  phone VARCHAR(50) NOT NULL DEFAULT '',
  email VARCHAR(254) NOT NULL DEFAULT '',
  webhook_url VARCHAR(500) NOT NULL DEFAULT '',
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at {{TS}} NOT NULL
){{TABLE}};
CREATE UNIQUE INDEX ux_agencies_code ON agencies(code);

-- A district's default agency is the bureau with jurisdiction over it;
-- agency_districts lists every agency that may act there.
CREATE TABLE districts (
  id {{PK}},
  code VARCHAR(40) NOT NULL,
  name_zh VARCHAR(100) NOT NULL,
  name_en VARCHAR(100) NOT NULL,
  default_agency_id {{ID}} NULL,
  unit_target INTEGER NOT NULL DEFAULT 0,
  sort_order INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (default_agency_id) REFERENCES agencies(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_districts_code ON districts(code);
CREATE INDEX idx_districts_default_agency ON districts(default_agency_id);

CREATE TABLE agency_districts (
  agency_id {{ID}} NOT NULL,
  district_id {{ID}} NOT NULL,
  PRIMARY KEY (agency_id, district_id),
  FOREIGN KEY (agency_id) REFERENCES agencies(id),
  FOREIGN KEY (district_id) REFERENCES districts(id)
){{TABLE}};
CREATE INDEX idx_agency_districts_district ON agency_districts(district_id);

-- Legal verification bodies (法定计量检定机构).
CREATE TABLE verification_bodies (
  id {{PK}},
  code VARCHAR(40) NOT NULL,
  name_zh VARCHAR(200) NOT NULL,
  name_en VARCHAR(200) NOT NULL,
  created_at {{TS}} NOT NULL
){{TABLE}};
CREATE UNIQUE INDEX ux_verification_bodies_code ON verification_bodies(code);

-- login is the normalised phone number or lower-case e-mail a person signs
-- in with. Staff roles carry their agency; verification-body users their body.
CREATE TABLE users (
  id {{PK}},
  login VARCHAR(254) NOT NULL,
  email VARCHAR(254) NOT NULL DEFAULT '',
  phone VARCHAR(32) NOT NULL DEFAULT '',
  display_name VARCHAR(100) NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NOT NULL,
  role VARCHAR(20) NOT NULL,
  agency_id {{ID}} NULL,
  verification_body_id {{ID}} NULL,
  locale VARCHAR(10) NOT NULL DEFAULT 'zh-CN',
  disabled BOOLEAN NOT NULL DEFAULT FALSE,
  password_changed_at {{TS}} NULL,
  last_login_at {{TS}} NULL,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  FOREIGN KEY (agency_id) REFERENCES agencies(id),
  FOREIGN KEY (verification_body_id) REFERENCES verification_bodies(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_users_login ON users(login);
CREATE INDEX idx_users_agency ON users(agency_id, role);
CREATE INDEX idx_users_verification_body ON users(verification_body_id);

-- Server-side sessions; id is the SHA-256 of the cookie value, so a leaked
-- database does not hand out live sessions.
CREATE TABLE sessions (
  id CHAR(64) NOT NULL PRIMARY KEY,
  user_id {{ID}} NOT NULL,
  csrf_token CHAR(64) NOT NULL,
  ip VARCHAR(45) NOT NULL DEFAULT '',
  user_agent VARCHAR(300) NOT NULL DEFAULT '',
  created_at {{TS}} NOT NULL,
  last_seen_at {{TS}} NOT NULL,
  expires_at {{TS}} NOT NULL,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_sessions_user ON sessions(user_id);
CREATE INDEX idx_sessions_expires ON sessions(expires_at);

-- Fixed-window counters for login throttling and report rate limits; in the
-- database so every instance behind the load balancer sees the same counts.
CREATE TABLE rate_limits (
  bucket VARCHAR(200) NOT NULL PRIMARY KEY,
  window_start {{TS}} NOT NULL,
  hits INTEGER NOT NULL,
  blocked_until {{TS}} NULL
){{TABLE}};
CREATE INDEX idx_rate_limits_window ON rate_limits(window_start);

-- Demonstration units (示范单位).
CREATE TABLE units (
  id {{PK}},
  owner_user_id {{ID}} NOT NULL,
  name VARCHAR(200) NOT NULL,
  uscc VARCHAR(18) NOT NULL,
  uscc_live VARCHAR(18) NULL,
  uscc_check_overridden BOOLEAN NOT NULL DEFAULT FALSE,
  uscc_override_by {{ID}} NULL,
  uscc_override_reason VARCHAR(500) NOT NULL DEFAULT '',
  business_type VARCHAR(30) NOT NULL,
  address VARCHAR(300) NOT NULL,
  district_id {{ID}} NOT NULL,
  contact_name VARCHAR(100) NOT NULL,
  contact_phone VARCHAR(32) NOT NULL,
  opening_hours VARCHAR(200) NOT NULL DEFAULT '',
  status VARCHAR(20) NOT NULL,
  status_reason VARCHAR(1000) NOT NULL DEFAULT '',
  submitted_at {{TS}} NULL,
  approved_at {{TS}} NULL,
  reviewed_by {{ID}} NULL,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  FOREIGN KEY (owner_user_id) REFERENCES users(id),
  FOREIGN KEY (uscc_override_by) REFERENCES users(id),
  FOREIGN KEY (district_id) REFERENCES districts(id),
  FOREIGN KEY (reviewed_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_units_uscc_live ON units(uscc_live);
CREATE INDEX idx_units_owner ON units(owner_user_id);
CREATE INDEX idx_units_status_district ON units(status, district_id);
CREATE INDEX idx_units_district ON units(district_id);
CREATE INDEX idx_units_override_by ON units(uscc_override_by);
CREATE INDEX idx_units_reviewed_by ON units(reviewed_by);
CREATE INDEX idx_units_uscc ON units(uscc);

-- Kept apart from units so listing units never drags photo bytes along.
CREATE TABLE unit_photos (
  unit_id {{ID}} NOT NULL PRIMARY KEY,
  content_type VARCHAR(50) NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data {{BLOB}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE
){{TABLE}};

-- Every change of a unit's status, with who and why (the merchant sees
-- the reason of a return).
CREATE TABLE unit_events (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  from_status VARCHAR(20) NOT NULL,
  to_status VARCHAR(20) NOT NULL,
  actor_user_id {{ID}} NULL,
  reason VARCHAR(1000) NOT NULL DEFAULT '',
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  FOREIGN KEY (actor_user_id) REFERENCES users(id)
){{TABLE}};
CREATE INDEX idx_unit_events_unit ON unit_events(unit_id, id);
CREATE INDEX idx_unit_events_actor ON unit_events(actor_user_id);

-- Versioned pledge texts: a unit signs one exact version.
CREATE TABLE pledge_texts (
  id {{PK}},
  version VARCHAR(20) NOT NULL,
  title_zh VARCHAR(200) NOT NULL,
  title_en VARCHAR(200) NOT NULL,
  body_zh {{TEXT}} NOT NULL,
  body_en {{TEXT}} NOT NULL,
  key_points_zh {{TEXT}} NOT NULL,
  key_points_en {{TEXT}} NOT NULL,
  sha256 CHAR(64) NOT NULL,
  valid_months INTEGER NOT NULL,
  published_at {{TS}} NOT NULL,
  created_at {{TS}} NOT NULL
){{TABLE}};
CREATE UNIQUE INDEX ux_pledge_texts_version ON pledge_texts(version);

CREATE TABLE pledges (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  pledge_text_id {{ID}} NOT NULL,
  signer_name VARCHAR(100) NOT NULL,
  signer_title VARCHAR(100) NOT NULL,
  signer_user_id {{ID}} NULL,
  signer_ip VARCHAR(45) NOT NULL DEFAULT '',
  text_sha256 CHAR(64) NOT NULL,
  signed_at {{TS}} NOT NULL,
  valid_until {{TS}} NOT NULL,
  superseded_at {{TS}} NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  FOREIGN KEY (pledge_text_id) REFERENCES pledge_texts(id),
  FOREIGN KEY (signer_user_id) REFERENCES users(id)
){{TABLE}};
CREATE INDEX idx_pledges_unit ON pledges(unit_id, signed_at);
CREATE INDEX idx_pledges_text ON pledges(pledge_text_id);
CREATE INDEX idx_pledges_signer ON pledges(signer_user_id);

-- Instrument catalogue. cycle_months 0 means verified once and replaced at
-- end of life (household water and gas meters).
CREATE TABLE instrument_types (
  id {{PK}},
  code VARCHAR(40) NOT NULL,
  name_zh VARCHAR(100) NOT NULL,
  name_en VARCHAR(100) NOT NULL,
  cycle_months INTEGER NOT NULL,
  mandatory BOOLEAN NOT NULL DEFAULT TRUE,
  regulation VARCHAR(100) NOT NULL DEFAULT '',
  active BOOLEAN NOT NULL DEFAULT TRUE,
  sort_order INTEGER NOT NULL DEFAULT 0
){{TABLE}};
CREATE UNIQUE INDEX ux_instrument_types_code ON instrument_types(code);

CREATE TABLE instruments (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  type_id {{ID}} NOT NULL,
  model VARCHAR(100) NOT NULL DEFAULT '',
  maker VARCHAR(200) NOT NULL DEFAULT '',
  serial_no VARCHAR(100) NOT NULL,
  serial_live VARCHAR(100) NULL,
  location VARCHAR(100) NOT NULL DEFAULT '',
  status VARCHAR(20) NOT NULL,
  retired_at {{TS}} NULL,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  FOREIGN KEY (type_id) REFERENCES instrument_types(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_instruments_unit_serial_live ON instruments(unit_id, serial_live);
CREATE INDEX idx_instruments_unit ON instruments(unit_id, status);
CREATE INDEX idx_instruments_type ON instruments(type_id);

-- Verification records: declared by the merchant or confirmed by the body.
CREATE TABLE verification_records (
  id {{PK}},
  instrument_id {{ID}} NOT NULL,
  certificate_no VARCHAR(100) NOT NULL,
  body_name VARCHAR(200) NOT NULL,
  verification_body_id {{ID}} NULL,
  verified_on {{DATE}} NOT NULL,
  valid_until {{DATE}} NULL,
  result VARCHAR(10) NOT NULL,
  source VARCHAR(20) NOT NULL,
  recorded_by {{ID}} NULL,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (instrument_id) REFERENCES instruments(id) ON DELETE CASCADE,
  FOREIGN KEY (verification_body_id) REFERENCES verification_bodies(id),
  FOREIGN KEY (recorded_by) REFERENCES users(id)
){{TABLE}};
CREATE INDEX idx_verification_records_instrument ON verification_records(instrument_id, verified_on);
CREATE INDEX idx_verification_records_body ON verification_records(verification_body_id);
CREATE INDEX idx_verification_records_recorded_by ON verification_records(recorded_by);
CREATE INDEX idx_verification_records_valid_until ON verification_records(valid_until);

-- Spot checks (抽查), the "double random, one public" results.
CREATE TABLE spot_checks (
  id {{PK}},
  unit_id {{ID}} NOT NULL,
  instrument_id {{ID}} NULL,
  agency_id {{ID}} NULL,
  checked_on {{DATE}} NOT NULL,
  result VARCHAR(20) NOT NULL,
  summary VARCHAR(1000) NOT NULL DEFAULT '',
  published BOOLEAN NOT NULL DEFAULT TRUE,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE,
  FOREIGN KEY (instrument_id) REFERENCES instruments(id),
  FOREIGN KEY (agency_id) REFERENCES agencies(id)
){{TABLE}};
CREATE INDEX idx_spot_checks_unit ON spot_checks(unit_id, checked_on);
CREATE INDEX idx_spot_checks_instrument ON spot_checks(instrument_id);
CREATE INDEX idx_spot_checks_agency ON spot_checks(agency_id);

-- Issued QR codes. Reprinting issues version n+1 and revokes n.
CREATE TABLE qr_tokens (
  id {{PK}},
  kind VARCHAR(12) NOT NULL,
  target_id {{ID}} NOT NULL,
  version INTEGER NOT NULL,
  revoked_at {{TS}} NULL,
  created_by {{ID}} NULL,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (created_by) REFERENCES users(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_qr_tokens_target_version ON qr_tokens(kind, target_id, version);
CREATE INDEX idx_qr_tokens_created_by ON qr_tokens(created_by);

-- Reports from the public: complaints (投诉) and tips (举报).
CREATE TABLE reports (
  id {{PK}},
  tracking_no VARCHAR(24) NOT NULL,
  access_code_hash CHAR(64) NOT NULL,
  kind VARCHAR(12) NOT NULL,
  category VARCHAR(30) NOT NULL,
  unit_id {{ID}} NULL,
  instrument_id {{ID}} NULL,
  qr_token_id {{ID}} NULL,
  district_id {{ID}} NOT NULL,
  business_name VARCHAR(200) NOT NULL DEFAULT '',
  business_address VARCHAR(300) NOT NULL DEFAULT '',
  description {{TEXT}} NOT NULL,
  request {{TEXT}} NOT NULL,
  incident_at {{TS}} NULL,
  amount_cents BIGINT NULL,
  reporter_name VARCHAR(100) NOT NULL DEFAULT '',
  reporter_phone VARCHAR(32) NOT NULL DEFAULT '',
  reporter_address VARCHAR(300) NOT NULL DEFAULT '',
  reporter_email VARCHAR(254) NOT NULL DEFAULT '',
  anonymous BOOLEAN NOT NULL DEFAULT FALSE,
  idempotency_key VARCHAR(64) NULL,
  submitter_hash CHAR(64) NOT NULL DEFAULT '',
  locale VARCHAR(10) NOT NULL DEFAULT 'zh-CN',
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (unit_id) REFERENCES units(id),
  FOREIGN KEY (instrument_id) REFERENCES instruments(id),
  FOREIGN KEY (qr_token_id) REFERENCES qr_tokens(id),
  FOREIGN KEY (district_id) REFERENCES districts(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_reports_tracking_no ON reports(tracking_no);
CREATE UNIQUE INDEX ux_reports_idempotency_key ON reports(idempotency_key);
CREATE INDEX idx_reports_unit ON reports(unit_id, created_at);
CREATE INDEX idx_reports_instrument ON reports(instrument_id);
CREATE INDEX idx_reports_qr_token ON reports(qr_token_id);
CREATE INDEX idx_reports_district ON reports(district_id);
CREATE INDEX idx_reports_submitter ON reports(submitter_hash, created_at);
CREATE INDEX idx_reports_created ON reports(created_at);

-- Evidence photos, re-encoded without metadata, stored with the report.
CREATE TABLE report_photos (
  id {{PK}},
  report_id {{ID}} NOT NULL,
  seq INTEGER NOT NULL,
  content_type VARCHAR(50) NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 CHAR(64) NOT NULL,
  data {{BLOB}} NOT NULL,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (report_id) REFERENCES reports(id) ON DELETE CASCADE
){{TABLE}};
CREATE UNIQUE INDEX ux_report_photos_report_seq ON report_photos(report_id, seq);

-- Routing rules, evaluated by position; the first enabled match wins, and
-- no match means the district's default agency. Empty filter = any. A NULL
-- agency_id keeps the district's default agency and only sets the priority.
CREATE TABLE routing_rules (
  id {{PK}},
  name VARCHAR(200) NOT NULL,
  position INTEGER NOT NULL,
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  category VARCHAR(30) NOT NULL DEFAULT '',
  business_type VARCHAR(30) NOT NULL DEFAULT '',
  district_id {{ID}} NULL,
  agency_id {{ID}} NULL,
  priority INTEGER NOT NULL,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  FOREIGN KEY (district_id) REFERENCES districts(id),
  FOREIGN KEY (agency_id) REFERENCES agencies(id)
){{TABLE}};
CREATE INDEX idx_routing_rules_position ON routing_rules(enabled, position);
CREATE INDEX idx_routing_rules_district ON routing_rules(district_id);
CREATE INDEX idx_routing_rules_agency ON routing_rules(agency_id);

-- A case is a report as handled by one agency. kind, category and
-- district_id are copied from the report so the officer queue filters and
-- sorts on one table through its indexes. due_at is the deadline that
-- matters now (acceptance, decision or conclusion), NULL once closed.
CREATE TABLE cases (
  id {{PK}},
  report_id {{ID}} NOT NULL,
  agency_id {{ID}} NOT NULL,
  assignee_id {{ID}} NULL,
  kind VARCHAR(12) NOT NULL,
  category VARCHAR(30) NOT NULL,
  district_id {{ID}} NOT NULL,
  status VARCHAR(30) NOT NULL,
  priority INTEGER NOT NULL,
  routing_rule_id {{ID}} NULL,
  routing_reason VARCHAR(300) NOT NULL DEFAULT '',
  received_at {{TS}} NOT NULL,
  decision_due_at {{TS}} NOT NULL,
  conclusion_due_at {{TS}} NULL,
  due_at {{TS}} NULL,
  extended BOOLEAN NOT NULL DEFAULT FALSE,
  extension_reason VARCHAR(1000) NOT NULL DEFAULT '',
  decided_at {{TS}} NULL,
  concluded_at {{TS}} NULL,
  closed_at {{TS}} NULL,
  decision_ground VARCHAR(40) NOT NULL DEFAULT '',
  outcome VARCHAR(30) NOT NULL DEFAULT '',
  outcome_detail {{TEXT}} NULL,
  fine_cents BIGINT NULL,
  instrument_measure VARCHAR(20) NOT NULL DEFAULT '',
  unit_measure VARCHAR(20) NOT NULL DEFAULT '',
  reward_eligible BOOLEAN NOT NULL DEFAULT FALSE,
  reward_level INTEGER NOT NULL DEFAULT 0,
  reward_amount_cents BIGINT NULL,
  duplicate_of_case_id {{ID}} NULL,
  public_reply {{TEXT}} NULL,
  lock_version INTEGER NOT NULL DEFAULT 1,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL,
  FOREIGN KEY (report_id) REFERENCES reports(id),
  FOREIGN KEY (agency_id) REFERENCES agencies(id),
  FOREIGN KEY (assignee_id) REFERENCES users(id),
  FOREIGN KEY (district_id) REFERENCES districts(id),
  FOREIGN KEY (routing_rule_id) REFERENCES routing_rules(id),
  FOREIGN KEY (duplicate_of_case_id) REFERENCES cases(id)
){{TABLE}};
CREATE UNIQUE INDEX ux_cases_report ON cases(report_id);
CREATE INDEX idx_cases_agency_due ON cases(agency_id, due_at);
CREATE INDEX idx_cases_agency_status_due ON cases(agency_id, status, due_at);
CREATE INDEX idx_cases_agency_priority ON cases(agency_id, priority, due_at);
CREATE INDEX idx_cases_agency_received ON cases(agency_id, received_at);
CREATE INDEX idx_cases_agency_category ON cases(agency_id, category, due_at);
CREATE INDEX idx_cases_agency_district ON cases(agency_id, district_id, due_at);
CREATE INDEX idx_cases_assignee ON cases(assignee_id, due_at);
CREATE INDEX idx_cases_district ON cases(district_id);
CREATE INDEX idx_cases_received ON cases(received_at);
CREATE INDEX idx_cases_routing_rule ON cases(routing_rule_id);
CREATE INDEX idx_cases_duplicate_of ON cases(duplicate_of_case_id);

-- The case timeline. public events are shown to the reporter on /track.
CREATE TABLE case_events (
  id {{PK}},
  case_id {{ID}} NOT NULL,
  kind VARCHAR(30) NOT NULL,
  actor_user_id {{ID}} NULL,
  agency_id {{ID}} NULL,
  from_status VARCHAR(30) NOT NULL DEFAULT '',
  to_status VARCHAR(30) NOT NULL DEFAULT '',
  public BOOLEAN NOT NULL DEFAULT FALSE,
  body {{TEXT}} NULL,
  data {{TEXT}} NULL,
  created_at {{TS}} NOT NULL,
  FOREIGN KEY (case_id) REFERENCES cases(id) ON DELETE CASCADE,
  FOREIGN KEY (actor_user_id) REFERENCES users(id),
  FOREIGN KEY (agency_id) REFERENCES agencies(id)
){{TABLE}};
CREATE INDEX idx_case_events_case ON case_events(case_id, id);
CREATE INDEX idx_case_events_actor ON case_events(actor_user_id);
CREATE INDEX idx_case_events_agency ON case_events(agency_id);

-- Working-day calendar: days off and the weekend days that become working
-- days (调休). Loaded from configs/, extended by the city admin.
CREATE TABLE holidays (
  id {{PK}},
  day {{DATE}} NOT NULL,
  kind VARCHAR(10) NOT NULL,
  name_zh VARCHAR(100) NOT NULL DEFAULT '',
  name_en VARCHAR(100) NOT NULL DEFAULT ''
){{TABLE}};
CREATE UNIQUE INDEX ux_holidays_day ON holidays(day);

-- Tamper-evident audit log: hash = SHA-256(prev_hash || canonical entry).
CREATE TABLE audit_log (
  id {{PK}},
  at {{TS}} NOT NULL,
  actor_user_id {{ID}} NULL,
  actor VARCHAR(200) NOT NULL DEFAULT '',
  action VARCHAR(50) NOT NULL,
  object_type VARCHAR(30) NOT NULL DEFAULT '',
  object_id VARCHAR(40) NOT NULL DEFAULT '',
  agency_id {{ID}} NULL,
  before_json {{TEXT}} NULL,
  after_json {{TEXT}} NULL,
  ip VARCHAR(45) NOT NULL DEFAULT '',
  prev_hash CHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL
){{TABLE}};
CREATE INDEX idx_audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX idx_audit_log_action ON audit_log(action, at);
CREATE INDEX idx_audit_log_actor ON audit_log(actor_user_id);
CREATE INDEX idx_audit_log_at ON audit_log(at);

-- One row holding the hash of the newest audit entry. Appending locks it
-- (UPDATE … WHERE id = 1), so concurrent appends on any instance form one
-- chain instead of forking it.
CREATE TABLE audit_head (
  id INTEGER NOT NULL PRIMARY KEY,
  last_id {{ID}} NOT NULL,
  last_hash CHAR(64) NOT NULL
){{TABLE}};
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Notifications written in the same transaction as the change they announce;
-- a worker delivers them and records every attempt.
CREATE TABLE outbox (
  id {{PK}},
  channel VARCHAR(10) NOT NULL,
  recipient VARCHAR(500) NOT NULL,
  subject VARCHAR(300) NOT NULL DEFAULT '',
  body {{TEXT}} NOT NULL,
  event VARCHAR(50) NOT NULL,
  case_id {{ID}} NULL,
  status VARCHAR(12) NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at {{TS}} NOT NULL,
  locked_until {{TS}} NULL,
  last_error VARCHAR(1000) NOT NULL DEFAULT '',
  created_at {{TS}} NOT NULL,
  delivered_at {{TS}} NULL,
  FOREIGN KEY (case_id) REFERENCES cases(id)
){{TABLE}};
CREATE INDEX idx_outbox_pending ON outbox(status, next_attempt_at);
CREATE INDEX idx_outbox_case ON outbox(case_id);

CREATE TABLE outbox_attempts (
  id {{PK}},
  outbox_id {{ID}} NOT NULL,
  at {{TS}} NOT NULL,
  ok BOOLEAN NOT NULL,
  error VARCHAR(1000) NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (outbox_id) REFERENCES outbox(id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_outbox_attempts_outbox ON outbox_attempts(outbox_id, at);
`
