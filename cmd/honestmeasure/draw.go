package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"honestmeasure/internal/draw"
)

// drawVerify re-runs a published spot-check draw from its file (honestmeasure
// draw verify FILE) and prints one line naming the draw and the file's hash,
// which the agency's next draw must hold as "previous". A file that does not
// reproduce is an error saying what differs. It needs no database and no
// configuration: anyone with the binary and the file can run it.
func drawVerify(env environment, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: honestmeasure draw verify FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("cannot read the draw file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, draw.MaxFileBytes+1))
	if err != nil {
		return fmt.Errorf("cannot read the draw file: %v", err)
	}
	file, err := draw.Verify(b)
	if err != nil {
		return fmt.Errorf("draw file %s does not verify: %w", args[0], err)
	}
	a := file.Announcement
	previous := a.Previous
	if previous == "" {
		previous = "none (the agency's first draw)"
	}
	fmt.Fprintf(env.stdout, "draw OK: %s by %s, %d selected and %d reserve of %d targets, %d inspectors; pool %s; previous %s; file hash %s\n",
		a.ID, a.Agency, len(file.Result.Selected), len(file.Result.Reserve), len(a.Targets), len(a.Inspectors),
		a.PoolHash(), previous, draw.Hash(b))
	return nil
}
