package scan

import (
	"slices"
	"testing"

	"honestmeasure/internal/storage"
)

func TestSortByPinyin(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{"by reading, not by code point", []string{"钟楼菜场", "白云药房", "八方超市", "安心水果"}, []string{"安心水果", "八方超市", "白云药房", "钟楼菜场"}},
		{"digits and latin before Chinese", []string{"红梅菜场", "A区鲜肉", "8号摊位"}, []string{"8号摊位", "A区鲜肉", "红梅菜场"}},
		{"latin case does not matter", []string{"b店", "A店"}, []string{"A店", "b店"}},
		{"a shorter syllable first", []string{"班记", "巴记"}, []string{"巴记", "班记"}},
		{"tone breaks a tie", []string{"麻记", "妈记"}, []string{"妈记", "麻记"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			names := make([]storage.UnitName, len(c.in))
			for i, n := range c.in {
				names[i] = storage.UnitName{ID: int64(i + 1), Name: n}
			}
			SortByPinyin(names)
			got := make([]string, len(names))
			for i, n := range names {
				got[i] = n.Name
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}
