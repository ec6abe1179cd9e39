package database

import (
	"errors"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// MySQL/MariaDB error numbers after which the whole transaction may simply
// be run again: the server has rolled it back (or, for a lock wait
// timeout, the statement) and nothing of it is stored.
const (
	// errLockDeadlock (ER_LOCK_DEADLOCK, SQLSTATE 40001): InnoDB chose the
	// transaction as a deadlock victim, or, on Galera, another node's
	// conflicting write set won certification, either while this one ran
	// (a brute-force abort) or at its COMMIT.
	errLockDeadlock = 1213
	// errLockWaitTimeout (ER_LOCK_WAIT_TIMEOUT): a row lock was not granted
	// within innodb_lock_wait_timeout.
	errLockWaitTimeout = 1205
)

// sqlStateSerialization is SQLSTATE 40001, "serialization failure": the
// standard's name for "run the transaction again", whatever number a
// MySQL-compatible server gives it.
var sqlStateSerialization = [5]byte{'4', '0', '0', '0', '1'}

// IsRetryable reports whether err means the database refused a
// transaction because of a conflict with another one, so that running the
// whole transaction again, from its first statement, can succeed: a
// deadlock, a Galera certification failure, a lock wait timeout or any
// serialisation failure (SQLSTATE 40001). It looks through wrapping.
//
// Errors whose outcome is unknown (a connection lost during COMMIT) are
// not retryable: the transaction may have committed. SQLite errors are not
// either: every write transaction there is BEGIN IMMEDIATE behind a 10 s
// busy timeout (sqliteDSN), so two writers queue instead of deadlocking, and
// a "database is locked" after that wait is an overload that a retry would
// only prolong (IsUnavailable answers it with 503).
func IsRetryable(err error) bool {
	var me *mysqldrv.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case errLockDeadlock, errLockWaitTimeout:
		return true
	}
	return me.SQLState == sqlStateSerialization
}
