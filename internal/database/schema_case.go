package database

// schemaV9 separates what the public reads from what the reporter reads.
// A concluded case's public_notice is the only text of a conclusion that
// reaches the unit's public scan page; the officer's reason (outcome_detail,
// told to the reporter: "罚款5000元", the reporter's circumstances) no
// longer does. Units suspended or revoked by a conclusion before this
// migration carried that reason as their public status_reason: it is
// emptied, so those conclusions have an empty public notice rather than
// exposing the reply (the scan page then shows the status without words).
//
// reply_templates are the wordings an officer may start a reply to the
// reporter from, kept by the city admin per report category.
const schemaV9 = `
ALTER TABLE cases ADD COLUMN public_notice VARCHAR(1000) NOT NULL DEFAULT '';
UPDATE units SET status_reason = ''
WHERE status IN ('suspended', 'revoked') AND status_reason <> '' AND EXISTS (
  SELECT 1 FROM cases c JOIN reports r ON r.id = c.report_id
  WHERE r.unit_id = units.id AND c.unit_measure IN ('suspended', 'revoked')
    AND c.outcome_detail = units.status_reason
);
CREATE TABLE reply_templates (
  id {{PK}},
  category VARCHAR(30) NOT NULL,
  title VARCHAR(100) NOT NULL,
  body VARCHAR(2000) NOT NULL,
  created_at {{TS}} NOT NULL,
  updated_at {{TS}} NOT NULL
){{TABLE}};
CREATE INDEX idx_reply_templates_category ON reply_templates(category, title);
`
