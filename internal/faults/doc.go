// Package faults holds tests that break things on purpose — kill the server
// with SIGKILL mid-load, stop the database under it — and check that no
// accepted report is lost and no failure is reported as success. They run
// the real binary as a separate process against 127.0.0.1 only.
package faults
