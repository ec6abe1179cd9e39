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
	// HashOnly is how many entries, from the first, were written before the
	// MAC existed and are checked by hash only; an anchor at or after the
	// last of them (HashOnlyUpTo) is what vouches for them.
	HashOnly     int64
	HashOnlyUpTo Anchor
	// When not OK: the first entry found altered, or where the chain breaks
	// (the entry after a removed or reordered one), and why, in one line.
	BadID  int64
	Reason string
}

// Head is the anchor of the newest entry checked: what to record outside
// the database to detect, next time, a rewrite or a cut-off tail.
func (r Report) Head() Anchor { return Anchor{ID: r.HeadID, Hash: r.HeadHash} }

// Err returns nil for an intact log, or the one-line finding.
func (r Report) Err() error {
	if r.OK {
		return nil
	}
	return fmt.Errorf("audit log altered at entry %d: %s", r.BadID, r.Reason)
}

// Verify walks the whole log in id order and checks that every entry's hash
// matches its contents and its MAC matches its hash under l's key, that
// every prev_hash is the hash of the entry before (Genesis for the first),
// that audit_head points at the last entry, so cutting off the newest entries
// is noticed as well, and that every anchor still matches. It stops at the
// first problem. The error is for failures to read; findings are in the
// Report.
//
// Entries without a MAC are accepted only as the log's first entries (written
// before the MAC existed) and only up to an anchor: otherwise anyone able to
// write to the database could clear every MAC and recompute the plain chain.
// Verify names the anchor to take (Report.HashOnlyUpTo).
//
// It may run while the application appends. Appends are serialised and each
// commits its entry together with the head, so: every entry up to the head
// read before the walk must be found and end in that head's hash; entries
// appended during the walk are checked like the rest; and the head read
// after the walk must not be behind the last entry seen.
func (l *Log) Verify(ctx context.Context, st *storage.Store, anchors ...Anchor) (Report, error) {
	startID, startHash, err := st.AuditHead(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("read audit_head: %w", err)
	}
	var r Report
	bad := func(id int64, format string, args ...any) (Report, error) {
		r.OK, r.BadID, r.Reason = false, id, fmt.Sprintf(format, args...)
		return r, nil
	}
	anchored := map[int64]string{}
	lastAnchor := int64(0)
	for _, a := range anchors {
		if h, dup := anchored[a.ID]; dup && h != a.Hash {
			return Report{}, fmt.Errorf("two anchors for entry %d with different hashes", a.ID)
		}
		anchored[a.ID] = a.Hash
		lastAnchor = max(lastAnchor, a.ID)
	}
	prevID, prevHash := int64(0), Genesis
	firstMAC := int64(0) // the first entry carrying a MAC
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
			for id := range anchored {
				if id > prevID && id < e.ID {
					return bad(id, "this anchored entry is missing: it was deleted, or the log renumbered")
				}
			}
			if Hash(e.PrevHash, e) != e.Hash {
				return bad(e.ID, "its contents do not match its hash: the entry was changed")
			}
			switch {
			case e.MAC != "":
				if !l.macMatches(e) {
					return bad(e.ID, "its MAC does not match: the entry was changed by someone without the audit key (or HM_AUDIT_KEY is not the key the log was written with)")
				}
				if firstMAC == 0 {
					firstMAC = e.ID
				}
			case firstMAC != 0:
				return bad(e.ID, "it carries no MAC although entry %d before it does: its MAC was removed", firstMAC)
			default:
				r.HashOnly++
				r.HashOnlyUpTo = Anchor{ID: e.ID, Hash: e.Hash}
			}
			if e.PrevHash != prevHash {
				if prevID == 0 {
					return bad(e.ID, "it is the first entry but does not start the chain: earlier entries were removed")
				}
				return bad(e.ID, "it does not link to entry %d: entries between them were removed or reordered, or entry %d was rewritten", prevID, prevID)
			}
			if h, ok := anchored[e.ID]; ok && h != e.Hash {
				return bad(e.ID, "its hash is not the anchored one (%.12s…): this entry or one before it was rewritten", h)
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
	if lastAnchor > prevID {
		return bad(lastAnchor, "this anchored entry is missing: the newest entries were deleted")
	}
	if r.HashOnly > 0 && lastAnchor < r.HashOnlyUpTo.ID {
		return bad(r.HashOnlyUpTo.ID, "the first %d entries (up to this one) carry no MAC and no anchor vouches for them: "+
			"if they were written before the MAC existed, check %s against a record from before and pass it as an anchor; otherwise their MACs were removed",
			r.HashOnly, r.HashOnlyUpTo)
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
