package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"time"

	"honestmeasure/internal/model"
)

// Genesis is the prev_hash of the first entry (and audit_head's hash while
// the log is empty).
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// hashDomain names the serialisation below. Changing what is hashed means a
// new name, and Verify must then know which entries use which.
const hashDomain = "honestmeasure audit_log v1"

// Hash returns an entry's chain hash: SHA-256, in hex, over the previous
// entry's hash and every stored field of e except id and the hash itself.
//
// Each field is written as a netstring ("<byte length>:<bytes>,"), or "~"
// for NULL, in a fixed order, so no choice of values can move a boundary
// between fields or make NULL equal the empty string, and arbitrary bytes
// (even invalid UTF-8 put in by hand) hash as themselves.
//
// The id is left out because the database assigns it on insert, after the
// hash must be known. It is not needed: the chain already fixes the order,
// since each entry's prev_hash is its predecessor's hash, and Verify walks
// the entries in id order, so a removed, inserted or reordered entry breaks
// a link. What is not covered is the numbering itself: renumbering entries
// while keeping their order goes unnoticed, and changes nothing they say.
func Hash(prevHash string, e *model.AuditEntry) string {
	h := sha256.New()
	writeField(h, hashDomain)
	writeField(h, prevHash)
	writeField(h, e.At.UTC().Format(time.RFC3339Nano))
	writeID(h, e.ActorUserID)
	writeField(h, e.Actor)
	writeField(h, e.Action)
	writeField(h, e.ObjectType)
	writeField(h, e.ObjectID)
	writeID(h, e.AgencyID)
	writeText(h, e.BeforeJSON)
	writeText(h, e.AfterJSON)
	writeField(h, e.IP)
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, s string) {
	h.Write([]byte(strconv.Itoa(len(s))))
	h.Write([]byte{':'})
	h.Write([]byte(s))
	h.Write([]byte{','})
}

func writeText(h hash.Hash, s *string) {
	if s == nil {
		h.Write([]byte{'~'})
		return
	}
	writeField(h, *s)
}

func writeID(h hash.Hash, id *int64) {
	if id == nil {
		h.Write([]byte{'~'})
		return
	}
	writeField(h, strconv.FormatInt(*id, 10))
}
