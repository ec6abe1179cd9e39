package draw

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
)

// Domain names of the three serialisations below (docs/draw.md §3). A
// change to what is hashed needs a new name and a new Version.
const (
	poolDomain   = "honestmeasure draw announcement v1"
	seedDomain   = "honestmeasure draw seed v1"
	streamDomain = "honestmeasure draw stream v1"
)

// fields writes values into a hash as netstrings, "<byte length>:<bytes>,"
// (as internal/audit does), so no value can move the boundary between two
// fields; integers are netstrings of their decimal digits. It buffers, as a
// pool has a hundred thousand short fields.
type fields struct {
	h   hash.Hash
	buf []byte
}

func newFields(h hash.Hash) *fields { return &fields{h: h, buf: make([]byte, 0, 4096)} }

func (f *fields) str(s string) {
	f.buf = strconv.AppendInt(f.buf, int64(len(s)), 10)
	f.buf = append(f.buf, ':')
	f.buf = append(f.buf, s...)
	f.buf = append(f.buf, ',')
	if len(f.buf) >= 2048 {
		f.flush()
	}
}

func (f *fields) int(n int64) {
	var d [20]byte
	digits := strconv.AppendInt(d[:0], n, 10)
	f.buf = strconv.AppendInt(f.buf, int64(len(digits)), 10)
	f.buf = append(f.buf, ':')
	f.buf = append(f.buf, digits...)
	f.buf = append(f.buf, ',')
}

func (f *fields) flush() {
	f.h.Write(f.buf)
	f.buf = f.buf[:0]
}

// sum appends the hash of everything written to b.
func (f *fields) sum(b []byte) []byte {
	f.flush()
	return f.h.Sum(b)
}

// PoolHash is the fingerprint of the whole announcement, published with it:
// SHA-256 over every field, Commitment and Previous included, in the order
// of the JSON, each field a netstring and each list preceded by its length
// (docs/draw.md §3.1). Every position of the draw depends on it, so no
// label, weight, exclusion, inspector, count or name can change after the
// announcement without changing the outcome.
func (a *Announcement) PoolHash() string { return hex.EncodeToString(a.poolHash()) }

func (a *Announcement) poolHash() []byte {
	h := newFields(sha256.New())
	h.str(poolDomain)
	h.int(int64(a.Version))
	for _, s := range []string{a.ID, a.Agency, a.Plan, a.Item, a.AnnouncedAt} {
		h.str(s)
	}
	h.int(int64(len(a.Targets)))
	for _, t := range a.Targets {
		h.str(t.Label)
		h.str(t.Stratum)
		h.str(t.Class)
		h.int(t.Weight)
	}
	h.int(int64(len(a.Excluded)))
	for _, x := range a.Excluded {
		h.str(x.Label)
		h.str(x.Reason)
	}
	h.int(int64(len(a.Inspectors)))
	for _, in := range a.Inspectors {
		h.str(in.Label)
		h.int(int64(len(in.Excluded)))
		for _, l := range in.Excluded {
			h.str(l)
		}
	}
	h.int(int64(len(a.Cells)))
	for _, c := range a.Cells {
		h.str(c.Stratum)
		h.str(c.Class)
		h.int(int64(c.Count))
	}
	h.int(int64(a.InspectorsPerTarget))
	h.str(a.Commitment)
	h.str(a.RandomnessSource)
	h.str(a.Previous)
	return h.sum(nil)
}

// NewSecret returns a fresh secret (32 random bytes as 64 lower-case hex
// digits) and its commitment. The secret stays with the agency until the
// random value is public; the commitment goes into the announcement.
func NewSecret() (secret string, commitment string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go ≥ 1.24)
	secret = hex.EncodeToString(b[:])
	return secret, Commit(secret)
}

// Commit is the hex SHA-256 of the secret's text (its 64 hex digits as
// ASCII), so `printf %s SECRET | sha256sum` checks it.
func Commit(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Hash is the hex SHA-256 of a published file's bytes: what the agency's
// next announcement holds in Previous.
func Hash(file []byte) string {
	sum := sha256.Sum256(file)
	return hex.EncodeToString(sum[:])
}

// seed is HKDF-Extract (RFC 5869) with the pool hash as salt: HMAC-SHA256
// keyed by the raw pool hash over the secret and the random value.
func seed(poolHash []byte, secret, randomValue string) []byte {
	m := newFields(hmac.New(sha256.New, poolHash))
	m.str(seedDomain)
	m.str(secret)
	m.str(randomValue)
	return m.sum(nil)
}

// stream is one named sequence of 64-bit numbers from the seed: number j is
// the first 8 bytes, big-endian, of HMAC-SHA256(seed, name… || netstring(j)).
// Each cell and the inspector assignment have their own, so a cell's order
// does not depend on how many were drawn elsewhere.
type stream struct {
	mac    *fields
	prefix []string
	next   int64
	sum    []byte
}

func newStream(seed []byte, name ...string) *stream {
	return &stream{mac: newFields(hmac.New(sha256.New, seed)), prefix: append([]string{streamDomain}, name...)}
}

func (s *stream) uint64() uint64 {
	s.mac.h.Reset()
	for _, p := range s.prefix {
		s.mac.str(p)
	}
	s.mac.int(s.next)
	s.next++
	s.sum = s.mac.sum(s.sum[:0])
	return binary.BigEndian.Uint64(s.sum[:8])
}

// below returns a uniform integer in [0, n), n ≥ 1, by rejection: numbers
// at or above the largest multiple of n below 2^64 are thrown away and the
// next one taken, so every result is exactly equally likely.
func (s *stream) below(n uint64) uint64 {
	rest := -n % n // 2^64 mod n
	for {
		if u := s.uint64(); u <= ^uint64(0)-rest {
			return u % n
		}
	}
}
