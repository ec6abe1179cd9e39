package database

// schemaV10: an instrument sealed (封存) by a case conclusion shows as
// sealed on its public page until a verification body's later pass lifts
// the seal (model.StateOfInstrument). sealed_case_id names the case; no
// foreign key, so no index is needed for MySQL's sake.
const schemaV10 = `
ALTER TABLE instruments ADD COLUMN sealed_at {{TS}} NULL;
ALTER TABLE instruments ADD COLUMN sealed_case_id {{ID}} NULL;
`
