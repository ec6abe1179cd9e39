package scan

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// DirectoryPageSize is how many units one page of the public directory lists,
// on the /units page and in the open-data API alike.
const DirectoryPageSize = 20

// Bounds on the directory's query: a longer search text or a farther page
// only costs the database work without finding anything a person looks for.
const (
	MaxDirectoryQueryRunes = 100
	MaxDirectoryPage       = 100000
)

// DirectoryQuery is the public directory's query string read once for both
// edges. What an unknown district or type means is the edge's to decide: the
// page ignores it (a person gets the whole list back), the API matches nothing
// (a silently widened list would mislead a program).
type DirectoryQuery struct {
	// Filter holds the search text, a valid business type, the page and the
	// page size; its DistrictID is left for the edge to resolve from District.
	Filter storage.UnitFilter
	// District as sent: the page's form sends an ID, the API a district code.
	District string
	// UnknownType: a type was sent that names no business type.
	UnknownType bool
}

// ParseDirectoryQuery reads q, district, type and page. The search text is
// cut to MaxDirectoryQueryRunes; a page outside 1..MaxDirectoryPage or not a
// number is page 1.
func ParseDirectoryQuery(v url.Values) DirectoryQuery {
	d := DirectoryQuery{Filter: storage.UnitFilter{Query: v.Get("q"), PerPage: DirectoryPageSize}, District: v.Get("district")}
	if r := []rune(d.Filter.Query); len(r) > MaxDirectoryQueryRunes {
		d.Filter.Query = string(r[:MaxDirectoryQueryRunes])
	}
	if t := v.Get("type"); t != "" {
		if bt := model.BusinessType(t); bt.Valid() {
			d.Filter.BusinessType = bt
		} else {
			d.UnknownType = true
		}
	}
	d.Filter.Page, _ = strconv.Atoi(v.Get("page"))
	if d.Filter.Page < 1 || d.Filter.Page > MaxDirectoryPage {
		d.Filter.Page = 1
	}
	return d
}

// DistrictID reads District as the page's numeric district ID; anything else
// is 0, no district filter.
func (d DirectoryQuery) DistrictID() int64 {
	id, err := strconv.ParseInt(d.District, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// DirectoryStatuses are the unit statuses the public directory lists:
// citizens look up bad merchants too, so a suspended or revoked unit stays
// listed with its status.
var DirectoryStatuses = []model.UnitStatus{model.UnitApproved, model.UnitSuspended, model.UnitRevoked}

// DirectoryEntry is one unit of the public directory with its standing.
type DirectoryEntry struct {
	Unit    model.Unit
	Version int // its current public code's version, 0 if none was issued
	Health  Health
}

// Directory is one page of the public directory and the total matched.
type Directory struct {
	Entries []DirectoryEntry
	Total   int64
}

// ListDirectory finds the units f matches among DirectoryStatuses, orders
// them by the pinyin of their names (SortKey), and loads page f.Page with
// each unit's instrument health at now. A city lists a few thousand units:
// their names are read and sorted whole, the page's rows loaded after.
func ListDirectory(ctx context.Context, st *storage.Store, f storage.UnitFilter, now time.Time) (*Directory, error) {
	names, err := st.DirectoryNames(ctx, f, DirectoryStatuses)
	if err != nil {
		return nil, err
	}
	SortByPinyin(names)
	if f.PerPage <= 0 {
		f.PerPage = DirectoryPageSize
	}
	d := &Directory{Total: int64(len(names))}
	start := (max(f.Page, 1) - 1) * f.PerPage
	if start >= len(names) {
		return d, nil
	}
	names = names[start:min(start+f.PerPage, len(names))]
	ids := make([]int64, len(names))
	for i, n := range names {
		ids[i] = n.ID
	}
	units, versions, err := st.UnitsInOrder(ctx, ids)
	if err != nil {
		return nil, err
	}
	views, err := st.InstrumentsOfUnits(ctx, ids, false)
	if err != nil {
		return nil, err
	}
	states := map[int64][]model.VerificationState{}
	for _, v := range views {
		states[v.Instrument.UnitID] = append(states[v.Instrument.UnitID], v.State(now))
	}
	for _, u := range units {
		d.Entries = append(d.Entries, DirectoryEntry{Unit: u, Version: versions[u.ID], Health: HealthOf(states[u.ID])})
	}
	return d, nil
}
