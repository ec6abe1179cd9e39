package units

import (
	"testing"

	"honestmeasure/internal/model"
)

func TestApplicationValidation(t *testing.T) {
	districts := []model.District{{ID: 7, Code: "320402"}}
	good := Application{Name: " 红梅  农贸市场 3号 ", USCC: "9131 0110 6660 0721 7T", BusinessType: "market_stall", Address: "天宁区红梅南路1号",
		DistrictID: "7", ContactName: "张三", ContactPhone: "0519-8888 6666"}
	tests := []struct {
		name   string
		change func(a *Application)
		field  string
		key    string
	}{
		{"good", func(a *Application) {}, "", ""},
		{"missing name", func(a *Application) { a.Name = "  " }, "name", "form.required"},
		{"wrong check character", func(a *Application) { a.USCC = "91310110666007217U" }, "uscc", "uscc.check"},
		{"lower case is upper-cased", func(a *Application) { a.USCC = "91310110666007217t" }, "", ""},
		{"a letter no code holds", func(a *Application) { a.USCC = "9131011066600721OT" }, "uscc", "uscc.character"},
		{"too short", func(a *Application) { a.USCC = "913101106660" }, "uscc", "uscc.length"},
		{"unknown business type", func(a *Application) { a.BusinessType = "casino" }, "business_type", "form.choose"},
		{"unknown district", func(a *Application) { a.DistrictID = "99" }, "district_id", "form.choose"},
		{"bad phone", func(a *Application) { a.ContactPhone = "call me" }, "contact_phone", "form.phone"},
		{"long address", func(a *Application) { a.Address = string(make([]rune, 301)) }, "address", "form.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := good
			tt.change(&a)
			var u model.Unit
			errs := a.Validate(districts, &u)
			if tt.field == "" {
				if errs.Any() {
					t.Fatalf("unexpected errors %v", errs)
				}
				if u.Name != "红梅 农贸市场 3号" || u.USCC != "91310110666007217T" || u.DistrictID != 7 {
					t.Fatalf("cleaned unit %+v", u)
				}
				return
			}
			if m, ok := errs[tt.field]; !ok || m.Key != tt.key {
				t.Fatalf("errors %v, want %s on %s", errs, tt.key, tt.field)
			}
			if u.Name != "" {
				t.Fatal("unit changed despite errors")
			}
		})
	}
}
