package audit

import (
	"context"
	"fmt"

	"honestmeasure/internal/storage"
)

// verifyBatch is how many entries Verify reads per query.
const verifyBatch = 1000

// Report is the outcome of Verify.
type Report struct {
	OK       bool
	Entries  int64  // entries checked
	HeadID   int64  // newest entry checked (0 for an empty log)
	HeadHash string // its hash (Genesis for an empty log)
	// When not OK: the first entry found altered, or where the chain breaks
	// (the entry after a removed or reordered one), and why, in one line.
	BadID  int64
	Reason string
}

// Err returns nil for an intact log, or the one-line finding.
func (r Report) Err() error {
	if r.OK {
		return nil
	}
	return fmt.Errorf("audit log altered at entry %d: %s", r.BadID, r.Reason)
}

// Verify walks the whole log in id order and checks that every entry's hash
// matches its contents, that every prev_hash is the hash of the entry before
// (Genesis for the first), and that audit_head points at the last entry, so
// cutting off the newest entries is noticed as well. It stops at the first
// problem. The error is for failures to read; findings are in the Report.
//
// It may run while the application appends. Appends are serialised and each
// commits its entry together with the head, so: every entry up to the head
// read before the walk must be found and end in that head's hash; entries
// appended during the walk are checked like the rest; and the head read
// after the walk must not be behind the last entry seen.
func Verify(ctx context.Context, st *storage.Store) (Report, error) {
	startID, startHash, err := st.AuditHead(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("read audit_head: %w", err)
	}
	var r Report
	bad := func(id int64, format string, args ...any) (Report, error) {
		r.OK, r.BadID, r.Reason = false, id, fmt.Sprintf(format, args...)
		return r, nil
	}
	prevID, prevHash := int64(0), Genesis
	reachedStart := startID == 0
	for {
		batch, err := st.AuditEntries(ctx, prevID, verifyBatch)
		if err != nil {
			return Report{}, fmt.Errorf("read audit_log after entry %d: %w", prevID, err)
		}
		for i := range batch {
			e := &batch[i]
			if !reachedStart && e.ID > startID {
				return bad(startID, "the entry audit_head records as the newest is missing: it was deleted")
			}
			if Hash(e.PrevHash, e) != e.Hash {
				return bad(e.ID, "its contents do not match its hash: the entry was changed")
			}
			if e.PrevHash != prevHash {
				if prevID == 0 {
					return bad(e.ID, "it is the first entry but does not start the chain: earlier entries were removed")
				}
				return bad(e.ID, "it does not link to entry %d: entries between them were removed or reordered, or entry %d was rewritten", prevID, prevID)
			}
			if e.ID == startID {
				if e.Hash != startHash {
					return bad(e.ID, "audit_head records a different hash for this entry")
				}
				reachedStart = true
			}
			prevID, prevHash = e.ID, e.Hash
			r.Entries++
		}
		if len(batch) < verifyBatch {
			break
		}
	}
	if !reachedStart {
		return bad(startID, "the entry audit_head records as the newest is missing: the newest entries were deleted")
	}
	endID, endHash, err := st.AuditHead(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("read audit_head: %w", err)
	}
	switch {
	case prevID > endID:
		// Every append moves the head in the same transaction, so an entry
		// the head has never pointed at was not appended through the log.
		next, err := st.AuditEntries(ctx, endID, 1)
		if err != nil {
			return Report{}, fmt.Errorf("read audit_log after entry %d: %w", endID, err)
		}
		id := prevID
		if len(next) > 0 {
			id = next[0].ID
		}
		return bad(id, "it comes after the newest entry recorded in audit_head (%d): it was inserted by hand, or audit_head was set back", endID)
	case prevID == endID && prevHash != endHash:
		return bad(prevID, "audit_head records a different hash for the newest entry")
	}
	// prevID < endID: entries were appended after the walk; they are checked next time.
	r.OK, r.HeadID, r.HeadHash = true, prevID, prevHash
	return r, nil
}
