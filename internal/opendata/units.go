package opendata

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
)

// Bounds of a directory download: units are read BatchSize at a time, so
// memory stays flat however large the directory; a download lists at most
// MaxUnits (a city has a few thousand; more would be a fault or an attack
// on storage, and the file says it stopped there).
const (
	BatchSize = 200
	MaxUnits  = 100000
)

// PledgeNone is the pledge state of a unit without a standing pledge.
const PledgeNone = "none"

// Unit is a unit of the public directory as published: what its scan page
// and the directory already show, nothing more. The unified social credit
// code is left out: no public page shows it.
type Unit struct {
	ID               int64              `json:"id"`
	Name             string             `json:"name"`
	BusinessType     model.BusinessType `json:"business_type"`
	DistrictCode     string             `json:"district_code"`
	DistrictNameZh   string             `json:"district_name_zh"`
	DistrictNameEn   string             `json:"district_name_en"`
	Address          string             `json:"address"`
	Status           model.UnitStatus   `json:"status"`
	PledgeState      string             `json:"pledge_state"`
	PledgeSignedOn   *string            `json:"pledge_signed_on"`
	PledgeValidUntil *string            `json:"pledge_valid_until"`
	Instruments      []Instrument       `json:"instruments"`
}

// Instrument is an instrument in use, as its unit's scan page shows it.
type Instrument struct {
	Type              string                  `json:"type"`
	TypeNameZh        string                  `json:"type_name_zh"`
	TypeNameEn        string                  `json:"type_name_en"`
	SerialNo          string                  `json:"serial_no"`
	VerificationState model.VerificationState `json:"verification_state"`
	ValidUntil        *string                 `json:"valid_until"`
}

func day(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := model.DateOf(*t).Format(time.DateOnly)
	return &s
}

// EachUnit calls fn with every unit of the public directory
// (scan.DirectoryStatuses) in ID order, judged at now, BatchSize at a time;
// it stops at MaxUnits (truncated true) or at fn's first error.
func EachUnit(ctx context.Context, st *storage.Store, now time.Time, fn func(*Unit) error) (truncated bool, err error) {
	districts, err := st.Districts(ctx)
	if err != nil {
		return false, err
	}
	byID := make(map[int64]model.District, len(districts))
	for _, d := range districts {
		byID[d.ID] = d
	}
	var after int64
	for n := 0; ; {
		batch, err := st.DirectoryBatch(ctx, scan.DirectoryStatuses, after, BatchSize)
		if err != nil || len(batch) == 0 {
			return false, err
		}
		ids := make([]int64, len(batch))
		for i, u := range batch {
			ids[i] = u.ID
		}
		pledges, err := st.CurrentPledges(ctx, ids)
		if err != nil {
			return false, err
		}
		views, err := st.InstrumentsOfUnits(ctx, ids, false)
		if err != nil {
			return false, err
		}
		instruments := map[int64][]Instrument{}
		for _, v := range views {
			instruments[v.Instrument.UnitID] = append(instruments[v.Instrument.UnitID], Instrument{Type: v.Type.Code,
				TypeNameZh: v.Type.NameZh, TypeNameEn: v.Type.NameEn, SerialNo: v.Instrument.SerialNo,
				VerificationState: v.State(now), ValidUntil: day(v.ValidUntil())})
		}
		for i := range batch {
			if n == MaxUnits {
				return true, nil
			}
			n++
			u := &batch[i]
			d := byID[u.DistrictID]
			out := Unit{ID: u.ID, Name: u.Name, BusinessType: u.BusinessType, DistrictCode: d.Code, DistrictNameZh: d.NameZh,
				DistrictNameEn: d.NameEn, Address: u.Address, Status: u.Status, PledgeState: PledgeNone,
				Instruments: instruments[u.ID]}
			if out.Instruments == nil {
				out.Instruments = []Instrument{}
			}
			if p, ok := pledges[u.ID]; ok {
				out.PledgeState = string(scan.PledgeStandingOf(u, &p, now))
				out.PledgeSignedOn, out.PledgeValidUntil = day(&p.SignedAt), day(&p.ValidUntil)
			}
			if err := fn(&out); err != nil {
				return false, err
			}
		}
		after = batch[len(batch)-1].ID
	}
}

// ErrTruncated ends a download that reached MaxUnits: the edge makes the
// transfer fail rather than hand out a silently shortened file.
var ErrTruncated = errors.New("opendata: directory larger than MaxUnits")

// CSVHeader names the columns of the CSV download: one row per instrument
// in use, and one row with empty instrument columns for a unit without any.
var CSVHeader = []string{"unit_id", "unit_name", "business_type", "district_code", "district_name", "address", "unit_status",
	"pledge_state", "pledge_signed_on", "pledge_valid_until", "instrument_type", "instrument_type_name", "serial_no",
	"verification_state", "valid_until"}

// bom makes Excel read the file as UTF-8: without it, Excel on a Chinese
// Windows takes a CSV for GBK and shows the names garbled. Other readers
// (Python's csv with encoding="utf-8-sig", R, LibreOffice) skip it.
const bom = "\ufeff"

// WriteCSV writes the directory as CSV to w: the byte-order mark, the
// licence line, the header, then the rows, flushed batch by batch.
func WriteCSV(ctx context.Context, w io.Writer, st *storage.Store, now time.Time, source string) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	if _, err := bw.WriteString(bom + LicenceLine(source, now) + "\r\n"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	truncated, err := EachUnit(ctx, st, now, func(u *Unit) error {
		head := []string{strconv.FormatInt(u.ID, 10), cell(u.Name), string(u.BusinessType), u.DistrictCode, u.DistrictNameZh,
			cell(u.Address), string(u.Status), u.PledgeState, str(u.PledgeSignedOn), str(u.PledgeValidUntil)}
		rows := [][]string{append(head, "", "", "", "", "")}
		if len(u.Instruments) > 0 {
			rows = rows[:0]
		}
		for _, in := range u.Instruments {
			rows = append(rows, append(head[:len(head):len(head)], in.Type, in.TypeNameZh, cell(in.SerialNo), string(in.VerificationState), str(in.ValidUntil)))
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if truncated {
		return ErrTruncated
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// cell defuses a text a merchant typed that a spreadsheet would run as a
// formula (=, +, -, @, tab, CR first): it is prefixed with an apostrophe,
// which Excel and LibreOffice show as text (OWASP's CSV-injection advice).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// WriteJSON writes the directory as one JSON object to w:
// {"licence", "source", "generated_at", "units": [...]}, unit by unit.
func WriteJSON(ctx context.Context, w io.Writer, st *storage.Store, now time.Time, source string) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	head, err := json.Marshal(struct {
		Licence     string `json:"licence"`
		Source      string `json:"source"`
		GeneratedAt string `json:"generated_at"`
	}{Licence, source, now.UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"units":[`)
	first := true
	truncated, err := EachUnit(ctx, st, now, func(u *Unit) error {
		b, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString("\n")
		if _, err := bw.Write(b); err != nil {
			return err
		}
		if bw.Buffered() > 16<<10 {
			return bw.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if truncated {
		return ErrTruncated
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
