package scan

import (
	"net/url"
	"strings"
	"testing"

	"honestmeasure/internal/model"
)

func TestParseDirectoryQuery(t *testing.T) {
	long := strings.Repeat("菜", MaxDirectoryQueryRunes+5)
	tests := []struct {
		name        string
		query       string
		text        string
		bt          model.BusinessType
		unknownType bool
		page        int
		district    string
		districtID  int64
	}{
		{"empty", "", "", "", false, 1, "", 0},
		{"everything", "q=%E7%BA%A2%E6%A2%85&district=7&type=pharmacy&page=3", "红梅", model.BusinessPharmacy, false, 3, "7", 7},
		{"search text cut by runes, not bytes", "q=" + url.QueryEscape(long), long[:MaxDirectoryQueryRunes*len("菜")], "", false, 1, "", 0},
		{"unknown type", "type=casino", "", "", true, 1, "", 0},
		{"page zero", "page=0", "", "", false, 1, "", 0},
		{"page negative", "page=-4", "", "", false, 1, "", 0},
		{"page past the bound", "page=100001", "", "", false, 1, "", 0},
		{"page at the bound", "page=100000", "", "", false, MaxDirectoryPage, "", 0},
		{"page not a number", "page=two", "", "", false, 1, "", 0},
		{"district code, no ID", "district=320402x", "", "", false, 1, "320402x", 0},
		{"district negative", "district=-3", "", "", false, 1, "-3", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			d := ParseDirectoryQuery(v)
			f := d.Filter
			if f.Query != tt.text || f.BusinessType != tt.bt || d.UnknownType != tt.unknownType || f.Page != tt.page ||
				f.PerPage != DirectoryPageSize || d.District != tt.district || d.DistrictID() != tt.districtID || f.DistrictID != 0 {
				t.Errorf("got %+v (district ID %d)", d, d.DistrictID())
			}
		})
	}
}
