package database

// schemaV14: reminders that a unit's pledge runs out (internal/reminders,
// pledge.go): one row per pledge and stage, inserted in the transaction that
// enqueues the messages, so of several instances exactly one sends each.
// The index on pledges.valid_until finds the pledges running out.
const schemaV14 = `
CREATE TABLE pledge_reminders (
  id {{PK}},
  pledge_id {{ID}} NOT NULL,
  unit_id {{ID}} NOT NULL,
  stage VARCHAR(12) NOT NULL,
  created_at {{TS}} NOT NULL,
  CONSTRAINT fk_pledge_reminders_pledge FOREIGN KEY (pledge_id) REFERENCES pledges(id) ON DELETE CASCADE,
  CONSTRAINT fk_pledge_reminders_unit FOREIGN KEY (unit_id) REFERENCES units(id) ON DELETE CASCADE
){{TABLE}};
CREATE UNIQUE INDEX ux_pledge_reminders_once ON pledge_reminders (pledge_id, stage);
CREATE INDEX idx_pledge_reminders_unit ON pledge_reminders (unit_id);
CREATE INDEX idx_pledges_valid_until ON pledges (valid_until);
`
