package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Public change counters (migration 20).
//
// public_changes holds PublicSlots counters; slot unit_id % PublicSlots
// moves, in the same transaction, with every change to what the scan pages
// of that unit show: each units.public_rev increment (public.go) and each
// reprint of one of its codes (a reprint revokes the old code, whose page
// must then say "replaced"). Every instance reads the counters a few times
// a second (scan.Watermark); while a unit's slot has not moved since its
// cached page was last checked against public_rev, the page is still right
// and is served without a query.
//
// publicChanged is the only function that writes the counters, and every
// public_rev increment calls it (TestEveryPublicRevBumpIsCounted reads this
// package's source to hold that): a bump that forgot it would leave other
// instances serving the old page.

// PublicSlots is the number of counters.
const PublicSlots = 64

// PublicSlot is the counter that moves with unit unitID's pages.
func PublicSlot(unitID int64) int {
	s := unitID % PublicSlots
	if s < 0 { // ids are positive; never index out of range anyway
		s += PublicSlots
	}
	return int(s)
}

// PublicRevs is one reading of every counter, by slot.
type PublicRevs [PublicSlots]int64

// pages names the units whose public pages changed.
type pages struct {
	units      []int64
	instrument int64 // the unit owning this instrument, when not 0
	all        bool
}

func unitPages(ids ...int64) pages     { return pages{units: ids} }
func pagesOfInstrument(id int64) pages { return pages{instrument: id} }
func everyUnitPage() pages             { return pages{all: true} }

// errPublicChangeOutsideTx: the counters must move in the transaction of
// the change they count, or a failure between the two would hide the
// change from every other instance.
var errPublicChangeOutsideTx = errors.New("storage: a public page change counted outside its transaction")

// publicChanged counts a change to the public pages of p's units. It must
// run in the transaction that makes the change (s from Tx, or atomic).
func (s *Store) publicChanged(ctx context.Context, p pages) error {
	if !s.inTx() {
		return errPublicChangeOutsideTx
	}
	db := s.q(ctx)
	switch {
	case p.all:
		return db.Exec("UPDATE public_changes SET rev = rev + 1").Error
	case p.instrument != 0:
		// One statement: the slot is the owning unit's.
		return db.Exec(fmt.Sprintf("UPDATE public_changes SET rev = rev + 1 WHERE slot = (SELECT unit_id %% %d FROM instruments WHERE id = ?)",
			PublicSlots), p.instrument).Error
	case len(p.units) > 0:
		slots := make([]int, 0, len(p.units))
		for _, id := range p.units {
			slots = append(slots, PublicSlot(id))
		}
		slices.Sort(slots) // every writer locks the rows in one order
		return db.Exec("UPDATE public_changes SET rev = rev + 1 WHERE slot IN ?", slices.Compact(slots)).Error
	}
	return nil
}

// atomic runs fn in s's transaction, or in a new one when s is not in one:
// for writes that callers make both on their own and within a larger
// transaction.
func (s *Store) atomic(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx() {
		return fn(s)
	}
	return s.Tx(ctx, fn)
}

// PublicChangeReader reads the counters for one instance's poller. On a
// Galera cluster it reads them with causal reads (wsrep_sync_wait = 1) on a
// connection of its own: the node first applies every transaction the
// cluster committed before the read, so a change committed on any node is
// in the reading — and, once the reading is returned, in every later read on
// this node. Elsewhere (SQLite, a single MySQL or MariaDB server) it is a
// plain query on the pool.
type PublicChangeReader struct {
	db       *sql.DB
	mysql    bool
	mu       sync.Mutex
	detected bool
	galera   bool
	conn     *sql.Conn // Galera only: the session with causal reads on
}

// PublicChangeReader returns a reader of the counters; Close releases its
// connection.
func (s *Store) PublicChangeReader() (*PublicChangeReader, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return &PublicChangeReader{db: sqlDB, mysql: s.db.Dialector.Name() == "mysql"}, nil
}

const readPublicChanges = "SELECT slot, rev FROM public_changes"

// Read returns the counters as the whole cluster has committed them.
func (r *PublicChangeReader) Read(ctx context.Context) (PublicRevs, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.detected {
		galera, err := r.detectGalera(ctx)
		if err != nil {
			return PublicRevs{}, err
		}
		r.galera, r.detected = galera, true
	}
	if !r.galera {
		return scanPublicChanges(r.db.QueryContext(ctx, readPublicChanges))
	}
	if r.conn == nil {
		conn, err := r.db.Conn(ctx)
		if err != nil {
			return PublicRevs{}, err
		}
		if _, err := conn.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 1"); err != nil {
			conn.Close()
			return PublicRevs{}, err
		}
		r.conn = conn
	}
	revs, err := scanPublicChanges(r.conn.QueryContext(ctx, readPublicChanges))
	if err != nil {
		// The session may be gone (node restarted): a new one next time.
		r.conn.Close()
		r.conn = nil
	}
	return revs, err
}

// Galera reports whether the reader found a Galera node (false until the
// first successful Read).
func (r *PublicChangeReader) Galera() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.galera
}

// detectGalera: a node of a cluster has wsrep_on = ON; MariaDB without a
// cluster says OFF, MySQL has no such variable.
func (r *PublicChangeReader) detectGalera(ctx context.Context) (bool, error) {
	if !r.mysql {
		return false, nil
	}
	var name, value string
	err := r.db.QueryRowContext(ctx, "SHOW VARIABLES LIKE 'wsrep_on'").Scan(&name, &value)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.EqualFold(value, "ON"), nil
}

func scanPublicChanges(rows *sql.Rows, err error) (PublicRevs, error) {
	var out PublicRevs
	if err != nil {
		return out, err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var slot int
		var rev int64
		if err := rows.Scan(&slot, &rev); err != nil {
			return out, err
		}
		if slot < 0 || slot >= PublicSlots {
			return out, fmt.Errorf("public_changes: unexpected slot %d", slot)
		}
		out[slot] = rev
		seen++
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if seen != PublicSlots {
		return out, fmt.Errorf("public_changes holds %d rows, want %d (migration 20)", seen, PublicSlots)
	}
	return out, nil
}

// Close releases the reader's connection.
func (r *PublicChangeReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conn == nil {
		return nil
	}
	err := r.conn.Close()
	r.conn = nil
	return err
}
