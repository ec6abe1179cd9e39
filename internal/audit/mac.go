package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// MinKeyLength is the shortest audit key accepted, in bytes: HMAC-SHA256's
// own block of security, so the key is not the easier thing to guess.
const MinKeyLength = 32

// macDomain names what the MAC covers. The MAC is taken over the entry's
// chain hash, which already covers every stored field and the previous
// entry's hash: forging one entry's MAC is needed to change it, and the MAC
// of any entry vouches for every entry before it.
const macDomain = "honestmeasure audit_log mac v1"

// Log appends to the audit log and verifies it under the deployment's audit
// key (HM_AUDIT_KEY). The key lives outside the database, so someone who can
// write to the database but does not hold the key can no longer rewrite
// entries and recompute the chain: every entry carries a MAC they cannot
// compute.
type Log struct {
	key []byte
}

// New returns the Log for key, which must be at least MinKeyLength bytes.
func New(key []byte) (*Log, error) {
	if len(key) < MinKeyLength {
		return nil, fmt.Errorf("audit key is %d bytes long, at least %d required", len(key), MinKeyLength)
	}
	return &Log{key: append([]byte(nil), key...)}, nil
}

// KeyFromSecret derives an audit key from HM_SECRET. It is for development
// only, where it saves setting a second secret: in production the audit key
// is its own setting, so that whoever verifies the log (an inspector, a
// second department) can hold it without being able to sign sessions and QR
// codes, and so that changing HM_SECRET does not invalidate every MAC.
func KeyFromSecret(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("honestmeasure audit key derived from HM_SECRET, development only"))
	return m.Sum(nil)
}

// MAC returns the keyed MAC of an entry whose chain hash is hash: HMAC-SHA256
// in hex.
func (l *Log) MAC(hash string) string {
	m := hmac.New(sha256.New, l.key)
	writeField(m, macDomain)
	writeField(m, hash)
	return hex.EncodeToString(m.Sum(nil))
}

func (l *Log) macMatches(e *model.AuditEntry) bool {
	want := l.MAC(e.Hash)
	return hmac.Equal([]byte(want), []byte(e.MAC))
}

// seal fills in e's chain hash and MAC once storage has set its PrevHash.
func (l *Log) seal(e *model.AuditEntry) {
	e.Hash = Hash(e.PrevHash, e)
	e.MAC = l.MAC(e.Hash)
}

// Record appends e to the audit log. Pass the Store of the transaction that
// makes the change, so both commit or neither does; make it the last write
// of that transaction, since the log's head stays locked until commit.
func (l *Log) Record(ctx context.Context, st *storage.Store, e Event) error {
	entry, err := e.Entry()
	if err != nil {
		return err
	}
	if err := st.AppendAudit(ctx, entry, l.seal); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Anchor pins one entry's hash, recorded outside the database (printed by
// honestmeasure audit verify, kept by someone else). Since each hash covers
// the chain before it, an anchor that still matches proves that no entry up
// to it was changed, removed or cut off, even by someone holding the key.
type Anchor struct {
	ID   int64
	Hash string
}

func (a Anchor) String() string { return strconv.FormatInt(a.ID, 10) + ":" + a.Hash }

var anchorPattern = regexp.MustCompile(`^([1-9][0-9]{0,18}):([0-9a-f]{64})$`)

// ParseAnchor reads an anchor written as Anchor.String does: "id:hash".
func ParseAnchor(s string) (Anchor, error) {
	m := anchorPattern.FindStringSubmatch(s)
	if m == nil {
		return Anchor{}, fmt.Errorf("an anchor is an entry id, a colon and its 64-character hash in lower-case hex (as audit verify prints it), got %q", s)
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return Anchor{}, fmt.Errorf("anchor %q: %v", s, err)
	}
	return Anchor{ID: id, Hash: m[2]}, nil
}
