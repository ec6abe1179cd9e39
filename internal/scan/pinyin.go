package scan

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"

	"honestmeasure/internal/storage"
)

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Tone3 // zhong1: letters first, the tone breaks ties
	return a
}()

// SortKey is a name as the directory orders it: each Chinese character by
// its (first) pinyin reading with tone number, every other character lower-
// cased, one syllable or character per field, so 八 (ba1) comes before 白
// (bai2) and "8号" before "A区" before "安" (an1).
func SortKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsSpace(r) {
			continue
		}
		if unicode.Is(unicode.Han, r) {
			if py := pinyin.SinglePinyin(r, pinyinArgs); len(py) > 0 {
				b.WriteString(py[0])
				b.WriteByte(1)
				continue
			}
		}
		b.WriteRune(unicode.ToLower(r))
		b.WriteByte(1)
	}
	return b.String()
}

// SortByPinyin orders names by SortKey, then by the name itself and ID so
// the order is the same on every request.
func SortByPinyin(names []storage.UnitName) {
	keys := make(map[int64]string, len(names))
	for _, n := range names {
		keys[n.ID] = SortKey(n.Name)
	}
	slices.SortFunc(names, func(a, b storage.UnitName) int {
		if c := strings.Compare(keys[a.ID], keys[b.ID]); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
