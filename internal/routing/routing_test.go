package routing

import (
	"testing"

	"honestmeasure/internal/model"
)

func ptr(v int64) *int64 { return &v }

func TestDecide(t *testing.T) {
	tianning := model.District{ID: 1, Code: "320402", DefaultAgencyID: ptr(10)}
	wujin := model.District{ID: 2, Code: "320412", DefaultAgencyID: ptr(20)}
	detachment := ptr(99)
	rules := []model.RoutingRule{
		{ID: 3, Name: "false data to detachment", Position: 30, Enabled: true, Category: model.CategoryFalseData, AgencyID: detachment, Priority: model.PriorityHigh},
		{ID: 1, Name: "fuel cheating", Position: 10, Enabled: true, Category: model.CategoryCheatingDevice, BusinessType: model.BusinessFuelStation, AgencyID: detachment, Priority: model.PriorityUrgent},
		{ID: 2, Name: "cheating high", Position: 20, Enabled: true, Category: model.CategoryCheatingDevice, Priority: model.PriorityHigh},
		{ID: 4, Name: "disabled", Position: 5, Enabled: false, AgencyID: detachment, Priority: model.PriorityLow},
		{ID: 5, Name: "wujin short weight", Position: 40, Enabled: true, Category: model.CategoryShortWeight, DistrictID: ptr(2), Priority: model.PriorityHigh},
	}
	tests := []struct {
		name     string
		district model.District
		in       Input
		agency   int64
		priority model.Priority
		rule     int64 // 0: default
	}{
		{"default: the district's bureau", tianning, Input{model.CategoryShortWeight, model.BusinessMarketStall, 1}, 10, model.PriorityNormal, 0},
		{"cheating device at a fuel station: detachment, urgent", tianning, Input{model.CategoryCheatingDevice, model.BusinessFuelStation, 1}, 99, model.PriorityUrgent, 1},
		{"cheating device elsewhere: own bureau, high", wujin, Input{model.CategoryCheatingDevice, model.BusinessSupermarket, 2}, 20, model.PriorityHigh, 2},
		{"cheating device without a unit", wujin, Input{model.CategoryCheatingDevice, "", 2}, 20, model.PriorityHigh, 2},
		{"false certificate: detachment", wujin, Input{model.CategoryFalseData, model.BusinessOpticalShop, 2}, 99, model.PriorityHigh, 3},
		{"district filter matches", wujin, Input{model.CategoryShortWeight, model.BusinessMarketStall, 2}, 20, model.PriorityHigh, 5},
		{"district filter does not match", tianning, Input{model.CategoryShortWeight, model.BusinessMarketStall, 1}, 10, model.PriorityNormal, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decide(rules, tt.district, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var rule int64
			if d.RuleID != nil {
				rule = *d.RuleID
			}
			if d.AgencyID != tt.agency || d.Priority != tt.priority || rule != tt.rule || d.Reason == "" {
				t.Fatalf("got %+v (rule %d), want agency %d priority %d rule %d", d, rule, tt.agency, tt.priority, tt.rule)
			}
		})
	}
	if _, err := Decide(rules, model.District{ID: 1, Code: "x"}, Input{DistrictID: 1}); err == nil {
		t.Fatal("district without an agency routed")
	}
}
