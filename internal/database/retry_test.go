package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

func TestIsRetryable(t *testing.T) {
	deadlock := &mysqldrv.MySQLError{Number: 1213, SQLState: [5]byte{'4', '0', '0', '0', '1'},
		Message: "Deadlock found when trying to get lock; try restarting transaction"}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"deadlock", deadlock, true},
		{"deadlock wrapped twice", fmt.Errorf("close case: %w", fmt.Errorf("lock audit_head: %w", deadlock)), true},
		{"deadlock joined", errors.Join(errors.New("rollback failed"), deadlock), true},
		{"deadlock without SQLSTATE", &mysqldrv.MySQLError{Number: 1213}, true},
		{"lock wait timeout", &mysqldrv.MySQLError{Number: 1205, SQLState: [5]byte{'H', 'Y', '0', '0', '0'}}, true},
		{"other number, SQLSTATE 40001", &mysqldrv.MySQLError{Number: 4000, SQLState: [5]byte{'4', '0', '0', '0', '1'}}, true},
		{"duplicate key", &mysqldrv.MySQLError{Number: 1062, SQLState: [5]byte{'2', '3', '0', '0', '0'}}, false},
		{"WSREP not ready", &mysqldrv.MySQLError{Number: 1047, SQLState: [5]byte{'0', '8', 'S', '0', '1'}}, false},
		{"deadlock text only", errors.New("Error 1213 (40001): Deadlock found"), false},
		{"connection lost", mysqldrv.ErrInvalidConn, false},
		{"bad conn", fmt.Errorf("commit: %w", sql.ErrConnDone), false},
		{"context", context.Canceled, false},
		{"not found", gorm.ErrRecordNotFound, false},
		{"duplicate, translated", gorm.ErrDuplicatedKey, false},
	} {
		if got := IsRetryable(c.err); got != c.want {
			t.Errorf("%s: IsRetryable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// A request that failed for a reason that passes (a conflict retried to the
// end, a cluster node out of quorum) is answered "not saved, try again"
// (503), not "server error" (500).
func TestIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"gave up on a deadlock", fmt.Errorf("%w (gave up after 10 attempts)", &mysqldrv.MySQLError{Number: 1213}), true},
		{"lock wait timeout", &mysqldrv.MySQLError{Number: 1205}, true},
		{"Galera node out of quorum", &mysqldrv.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}, true},
		{"connection lost", mysqldrv.ErrInvalidConn, true},
		{"duplicate key", &mysqldrv.MySQLError{Number: 1062}, false},
		{"syntax error", &mysqldrv.MySQLError{Number: 1064}, false},
		{"not found", gorm.ErrRecordNotFound, false},
	} {
		if got := IsUnavailable(c.err); got != c.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
