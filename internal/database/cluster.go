package database

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

var databaseName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// CreateOnNodes creates database name (dropping any database of that name
// first) through the first of nodes, MySQL DSNs of one cluster's nodes, and
// returns the DSNs again, each naming the new database. It returns once
// every node sees the database: DDL replicates in total order, but a node
// applies it when it gets to it, and an instance started on a node that has
// not yet would fail to open it.
func CreateOnNodes(ctx context.Context, nodes []string, name string) ([]string, error) {
	if !databaseName.MatchString(name) {
		return nil, fmt.Errorf("database name %q: letters, digits and _ only", name)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("no database nodes")
	}
	out := make([]string, len(nodes))
	admins := make([]*sql.DB, len(nodes))
	defer func() {
		for _, db := range admins {
			if db != nil {
				db.Close()
			}
		}
	}()
	for i, dsn := range nodes {
		cfg, err := mysqldrv.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("node %d: %v", i+1, err)
		}
		admin := cfg.Clone()
		admin.DBName = ""
		if admins[i], err = sql.Open("mysql", admin.FormatDSN()); err != nil {
			return nil, err
		}
		cfg.DBName = name
		out[i] = cfg.FormatDSN()
	}
	for _, stmt := range []string{"DROP DATABASE IF EXISTS `" + name + "`",
		"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"} {
		if _, err := admins[0].ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("node 1: %s: %w", stmt, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for i, db := range admins {
		for {
			var n int
			err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n)
			if err == nil && n == 1 {
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("node %d does not see database %s after 30 s (%v)", i+1, name, err)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return out, nil
}

// DropDatabase drops the database a DSN names, through that DSN's server.
func DropDatabase(ctx context.Context, dsn string) error {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return err
	}
	name := cfg.DBName
	if !databaseName.MatchString(name) {
		return fmt.Errorf("database name %q: letters, digits and _ only", name)
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	return err
}
