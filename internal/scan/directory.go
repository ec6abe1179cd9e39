package scan

import (
	"net/url"
	"strconv"

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
