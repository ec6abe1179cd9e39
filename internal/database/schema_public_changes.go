package database

// schemaV20: public_changes counts, in 64 slots, the changes to what scan
// pages show (storage.publicChanged bumps slot unit_id % 64 in the same
// transaction as the unit's public_rev). Every instance reads the 64 rows
// a few times a second (scan.Watermark) and serves a cached scan page
// without asking the database while its unit's slot has not moved. 64 rows
// rather than one so that changes to different units seldom write the same
// row: on a Galera cluster two transactions writing one row on two nodes
// cannot both commit. The rows are made here and never added or removed.
const schemaV20 = `
CREATE TABLE public_changes (
  slot INTEGER NOT NULL PRIMARY KEY,
  rev BIGINT NOT NULL
){{TABLE}};
INSERT INTO public_changes (slot, rev) VALUES
  (0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0),
  (8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0),
  (16, 0), (17, 0), (18, 0), (19, 0), (20, 0), (21, 0), (22, 0), (23, 0),
  (24, 0), (25, 0), (26, 0), (27, 0), (28, 0), (29, 0), (30, 0), (31, 0),
  (32, 0), (33, 0), (34, 0), (35, 0), (36, 0), (37, 0), (38, 0), (39, 0),
  (40, 0), (41, 0), (42, 0), (43, 0), (44, 0), (45, 0), (46, 0), (47, 0),
  (48, 0), (49, 0), (50, 0), (51, 0), (52, 0), (53, 0), (54, 0), (55, 0),
  (56, 0), (57, 0), (58, 0), (59, 0), (60, 0), (61, 0), (62, 0), (63, 0);
`
