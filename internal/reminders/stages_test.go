package reminders

import (
	"testing"

	"honestmeasure/internal/model"
)

func TestStages(t *testing.T) {
	got := Stages([]int{7, 30, 1, 15, 7, -3})
	want := []Stage{{"d30", -30}, {"d15", -15}, {"d7", -7}, {"d1", -1}, {StageExpired, 1}, {StageExpired7, 7}}
	if len(got) != len(want) {
		t.Fatalf("Stages = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Stages = %v, want %v", got, want)
		}
	}
	if Lead(got) != 30 {
		t.Errorf("Lead = %d", Lead(got))
	}
}

// TestStageOn: the most urgent stage reached, nothing before the first or
// long after the last.
func TestStageOn(t *testing.T) {
	stages := Stages(DefaultOffsets)
	v := model.Date(2026, 6, 30)
	for _, tc := range []struct {
		day  int // relative to v
		want string
	}{
		{-90, ""}, {-31, ""}, {-30, "d30"}, {-16, "d30"}, {-15, "d15"}, {-8, "d15"}, {-7, "d7"},
		{-2, "d7"}, {-1, "d1"}, {0, "d1"}, {1, StageExpired}, {6, StageExpired}, {7, StageExpired7},
		{14, StageExpired7}, {15, ""}, {400, ""},
	} {
		st, ok := StageOn(stages, v, v.AddDate(0, 0, tc.day))
		if tc.want == "" {
			if ok {
				t.Errorf("day %+d: stage %s, want none", tc.day, st.Name)
			}
			continue
		}
		if !ok || st.Name != tc.want {
			t.Errorf("day %+d: stage %q (%t), want %s", tc.day, st.Name, ok, tc.want)
		}
	}
	// A reminder on the day itself, if configured.
	if st, ok := StageOn(Stages([]int{0}), v, v); !ok || st.Name != "d0" {
		t.Errorf("offset 0 on the day: %v %t", st, ok)
	}
}
