package pii

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"honestmeasure/internal/uscc"
)

// found is one hit as a test expects it: its kind and the text it covers.
type found struct {
	kind Kind
	text string
}

// corpus is what complaints and replies look like: each text with every
// piece of personal data in it, in order.
var corpus = []struct {
	text string
	want []found
}{
	{"我在常州市武进区某超市买了2.5公斤猪肉，回家一称只有2.2公斤，我的电话13812345678，请尽快处理。",
		[]found{{Mobile, "13812345678"}}},
	{"投诉人手机：138 1234 5678，身份证号110101199003071233，希望工作人员回电。",
		[]found{{Mobile, "138 1234 5678"}, {IDCard, "110101199003071233"}}},
	{"联系电话 138-1234-5678 或者 0519-88881234，白天都在。",
		[]found{{Mobile, "138-1234-5678"}, {Landline, "0519-88881234"}}},
	{"我的号码是１３８１２３４５６７８，全角输入的。",
		[]found{{Mobile, "１３８１２３４５６７８"}}},
	{"Please call me at +86 139 0519 8888 or email li.ming@example.com, thanks.",
		[]found{{Mobile, "+86 139 0519 8888"}, {Email, "li.ming@example.com"}}},
	{"国际号码+8615061234567也可以打通。",
		[]found{{Mobile, "+8615061234567"}}},
	{"境外请拨 0086 186 1234 5678。",
		[]found{{Mobile, "0086 186 1234 5678"}}},
	{"2026年12月3日下午3点，我在菜市场买的苹果，￥128.50，商家电话(0519)8665 1234，态度很差。",
		[]found{{Landline, "(0519)8665 1234"}}},
	{"办公室电话010-62345678-801，传真010-62345679。",
		[]found{{Landline, "010-62345678-801"}, {Landline, "010-62345679"}}},
	{"总机 021 5888 1234 转 6021，请找李主任。",
		[]found{{Landline, "021 5888 1234 转 6021"}}},
	{"座机０５１９－８８８８１２３４分机８０１。",
		[]found{{Landline, "０５１９－８８８８１２３４分机８０１"}}},
	{"身份证：32040219900101101X，银行卡号6222021234567890128，请把退款打到这张卡。",
		[]found{{IDCard, "32040219900101101X"}, {BankCard, "6222021234567890128"}}},
	{"身份证号 44030520031210106x （小写x）。",
		[]found{{IDCard, "44030520031210106x"}}},
	{"身份证 320402 19851111 2035，分开写的。",
		[]found{{IDCard, "320402 19851111 2035"}}},
	{"退款请转入 6217 0012 3456 7893 工商银行。",
		[]found{{BankCard, "6217 0012 3456 7893"}}},
	{"卡号：6228-4800-3398-7654-325，户名王芳。",
		[]found{{BankCard, "6228-4800-3398-7654-325"}}},
	{"邮箱：wang_fang2026＠１６３．ｃｏｍ，谢谢。",
		[]found{{Email, "wang_fang2026＠１６３．ｃｏｍ"}}},
	{"回复请发至 complaint.reporter+cz@mail.qq.com。",
		[]found{{Email, "complaint.reporter+cz@mail.qq.com"}}},
	{"13812345678@139.com 是我的邮箱，也是我的手机号。",
		[]found{{Email, "13812345678@139.com"}}},
	{"商户的送货车车牌是苏D·12345，司机电话15961234567。",
		[]found{{Plate, "苏D·12345"}, {Mobile, "15961234567"}}},
	{"车牌苏D 6T8K9 的面包车在市场门口卖水果，秤不准。",
		[]found{{Plate, "苏D 6T8K9"}}},
	{"新能源车苏DD12345和货车苏D12345F都停在门口。",
		[]found{{Plate, "苏DD12345"}, {Plate, "苏D12345F"}}},
	{"车牌号 浙 A-2B3C4，还有一辆闽ｄ１２３４５。",
		[]found{{Plate, "浙 A-2B3C4"}, {Plate, "闽ｄ１２３４５"}}},
	{"那辆车是陕A•B1234，车主说自己是计量所的。",
		[]found{{Plate, "陕A•B1234"}}},
	{"教练车苏D1234学停在驾校，苏A12345学校门口也有一辆。",
		[]found{{Plate, "苏D1234学"}, {Plate, "苏A12345"}}},
	{"My ID is 510107196501010010 and my card 4392 2500 1234 5678 6. Phone 18905191234.",
		[]found{{IDCard, "510107196501010010"}, {BankCard, "4392 2500 1234 5678 6"}, {Mobile, "18905191234"}}},
	{"手机号码13912345678，13912345678，重要的事说两遍。",
		[]found{{Mobile, "13912345678"}, {Mobile, "13912345678"}}},
	{"电话:17712345678;18812345678;19912345678。",
		[]found{{Mobile, "17712345678"}, {Mobile, "18812345678"}, {Mobile, "19912345678"}}},
	{"加微信vx13712345678详谈，或者QQ邮箱 123456789@qq.com。",
		[]found{{Mobile, "13712345678"}, {Email, "123456789@qq.com"}}},
	{"Tel: (025) 8456-7890 ext. 12; mobile 136-0519-1234.",
		[]found{{Landline, "(025) 8456-7890 ext. 12"}, {Mobile, "136-0519-1234"}}},
	{"您好，您于2026-12-03反映的问题已转交武进区市场监督管理局，经办人电话0519-86561234，请保持13851234567畅通。",
		[]found{{Landline, "0519-86561234"}, {Mobile, "13851234567"}}},
	{"经查，该商户电子秤（出厂编号CZ2026-00123）未经检定，已责令整改，罚款3000元。如有疑问请致电０５１９－８６５６１２３４。",
		[]found{{Landline, "０５１９－８６５６１２３４"}}},
	{"回复：您的投诉（编号7KQ2-M9QX-4TPR）已受理。投诉人王芳，电话138****5678，身份证320411197806154023。",
		[]found{{IDCard, "320411197806154023"}}},
	{"市民张先生（手机15012345678，邮箱zhang@company.cn）反映加油站加油机少加。",
		[]found{{Mobile, "15012345678"}, {Email, "zhang@company.cn"}}},
	{"The seller's phone is 0519 8888 1234 and her plate 苏D·A1234; my e-mail: JOHN.DOE@EXAMPLE.ORG",
		[]found{{Landline, "0519 8888 1234"}, {Plate, "苏D·A1234"}, {Email, "JOHN.DOE@EXAMPLE.ORG"}}},
	{"两个号码：138 1234 5678 139 8765 4321，都可以。",
		[]found{{Mobile, "138 1234 5678"}, {Mobile, "139 8765 4321"}}},
	{"身份证号：４４０３０６２００１０２２９５１１４",
		[]found{{IDCard, "４４０３０６２００１０２２９５１１４"}}},
	{"收件人：李雷，电话：（＋86）18612345678，地址：常州市天宁区。",
		[]found{{Mobile, "（＋86）18612345678"}}},
	{"2026年12月3日，我在超市买了3袋米，每袋10公斤，共计128.50元，发现少了0.5公斤，电话013812345678（外地号码加0）。",
		[]found{{Mobile, "013812345678"}}},
	{"打款账户 6217856100012345671，开户行：中国建设银行常州分行；联系人手机 187 5190 1234。",
		[]found{{BankCard, "6217856100012345671"}, {Mobile, "187 5190 1234"}}},
	{"我叫刘洋，身份证 320481199208305678，车牌苏D88888，邮箱liuyang@126.com，电话 0519-85123456 转 201。",
		[]found{{IDCard, "320481199208305678"}, {Plate, "苏D88888"}, {Email, "liuyang@126.com"}, {Landline, "0519-85123456 转 201"}}},
	{"Reply: we called 020 8765 4321 and 13612345678 on 2026-12-03 at 10:30; the shop's licence no. is 91320412MA1W2X3Y40.",
		[]found{{Landline, "020 8765 4321"}, {Mobile, "13612345678"}}},
	{"证件号610113198805123452 的持有人已到场。",
		[]found{{IDCard, "610113198805123452"}}},
	{"电话13812345678。\n第二行：138 1234 5679\n第三行：１３８－１２３４－５６８０",
		[]found{{Mobile, "13812345678"}, {Mobile, "138 1234 5679"}, {Mobile, "１３８－１２３４－５６８０"}}},
}

// negatives are ordinary texts with no personal data: dates, times,
// amounts, weights, counts, our tracking numbers, credit codes and
// certificate numbers.
var negatives = []string{
	"2026-12-03 10:30 在常州市新北区买菜。",
	"2026年12月3日下午3点，称重2.5公斤，实付￥128.50。",
	"罚款3000元，没收违法所得1280.00元，共计4280元。",
	"统一社会信用代码：91320412MA1W2X3Y40。",
	"统一社会信用代码 913204127202612021，营业执照已公示。",
	"检定证书编号：JD2026-12345，出厂编号CZ20261203001，型式批准号2019F123-32。",
	"计量器具许可证 (2021)苏制00000123号，证书编号 XK16-001-12345678901。",
	"您的投诉编号 7KQ2-M9QX-4TPR，查询码请见短信。",
	"对外编号 HM-320400-7KQ2-M9QX-4TPR 已推送 12345 热线。",
	"本月共受理投诉 138 件，办结 120 件，满意率 98.5%。",
	"订单号 2026120312345678，快递单号 SF1234567890123。",
	"流水号 2026120309876543210 已入账。",
	"抽检 30 家，合格 28 家，合格率 93.3%，时间 2026/12/03 09:00-17:30。",
	"电子秤量程 30kg，分度值 5g，检定周期 1 年，有效期至 2027-12-02。",
	"Opening hours 08:30-17:30, Mon-Fri; the scale weighed 1.25 kg instead of 1.50 kg.",
	"加油机编号 A-0012，油价 7.85 元/升，加了 40.00 升。",
	"京东购物，北京ADIDAS专卖店，上海市浦东新区。",
	"电话138****5678，身份证3204**********1234，已按规定隐去。",
	"第1、2、3项整改完成，第4项 2026 年 12 月 31 日前完成。",
	"价格从 12.80 元涨到 13.50 元，涨幅 5.5%。",
	// A run longer than any number is not searched for one inside it.
	"交易参考号 9913812345678110101199003071233。",
	"条码 69012345678901234567890123",
}

// TestCreditCodes: the credit codes among the negatives are real ones, so
// the test shows valid codes, the all-digit one too, pass unflagged.
func TestCreditCodes(t *testing.T) {
	for _, code := range []string{"91320412MA1W2X3Y40", "913204127202612021"} {
		if err := uscc.Validate(code); err != nil {
			t.Errorf("%s: %v", code, err)
		}
		if !slices.ContainsFunc(negatives, func(s string) bool { return strings.Contains(s, code) }) {
			t.Errorf("%s is not among the negatives", code)
		}
	}
}

func hitTexts(text string, hits []Hit) []found {
	var out []found
	for _, h := range hits {
		out = append(out, found{h.Kind, text[h.Start:h.End]})
	}
	return out
}

// digitsOf keeps a text's digits, full-width ones made ASCII.
func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range []byte(normalize(s).s) {
		if isDigit(c) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestCorpus(t *testing.T) {
	if len(corpus) < 40 {
		t.Fatalf("the corpus has %d texts, want at least 40", len(corpus))
	}
	for _, c := range corpus {
		got := hitTexts(c.text, Find(c.text, Known{}))
		if !slices.Equal(got, c.want) {
			t.Errorf("Find(%q)\n got %v\nwant %v", c.text, got, c.want)
		}
		masked := Redact(c.text)
		if n, m := utf8.RuneCountInString(c.text), utf8.RuneCountInString(masked); n != m {
			t.Errorf("Redact(%q) has %d runes, want %d", c.text, m, n)
		}
		// Digits of the masked text with separators dropped: no personal
		// number survives, however it was written.
		maskedDigits := digitsOf(masked)
		for _, w := range c.want {
			if strings.Contains(masked, w.text) {
				t.Errorf("Redact(%q) = %q still holds %q", c.text, masked, w.text)
			}
			if d := digitsOf(w.text); len(d) >= 7 && strings.Contains(maskedDigits, d) {
				t.Errorf("Redact(%q) = %q still holds the digits of %q", c.text, masked, w.text)
			}
		}
		if again := Find(masked, Known{}); len(again) > 0 {
			t.Errorf("Find(Redact(%q)) = %v, want nothing", c.text, hitTexts(masked, again))
		}
	}
}

func TestNegatives(t *testing.T) {
	for _, text := range negatives {
		if got := Find(text, Known{}); len(got) > 0 {
			t.Errorf("Find(%q) = %v, want nothing", text, hitTexts(text, got))
		}
		if got := Redact(text); got != text {
			t.Errorf("Redact(%q) = %q, want it unchanged", text, got)
		}
	}
}

func TestRules(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
		f    func([]byte) bool
	}{
		{"11010119900307123", false, isID},  // 17 digits
		{"110101199003071234", false, isID}, // wrong check digit
		{"110101199003071233", true, isID},
		{"110101199013071232", false, isID}, // month 13, check digit right
		{"010101199003071231", false, isID}, // no region starts with 0
		{"13812345678", true, isMobile},
		{"12812345678", false, isMobile},
		{"8613812345678", true, isMobile},
		{"008613812345678", true, isMobile},
		{"0013812345678", false, isMobile},
		{"01062345678", true, isLandline},
		{"0106234567", true, isLandline},
		{"01012345678", false, isLandline}, // local numbers don't start with 1
		{"051988881234", true, isLandline},
		{"05198888123", true, isLandline},
		{"0519888812345", false, isLandline},
		{"00198888123", false, isLandline},
		{"6222021234567890128", true, luhn},
		{"6222021234567890127", false, luhn},
	} {
		if got := c.f([]byte(c.name)); got != c.ok {
			t.Errorf("rule(%s) = %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestKnown(t *testing.T) {
	known := Known{
		Names:  []string{"王芳", "Li Ming", "", "张"},
		Phones: []string{"+86 138-1234-5678", "0519-8888 1234", "12345"},
		Emails: []string{"Wang.Fang@Example.com"},
	}
	for _, c := range []struct {
		text string
		want []found
	}{
		{"投诉人王芳反映，王芳的电话是 138 1234 5678。",
			[]found{{Reporter, "王芳"}, {Reporter, "王芳"}, {Reporter, "138 1234 5678"}}},
		// Glued to letters, the phone is still the reporter's.
		{"tel13812345678abc", []found{{Reporter, "13812345678"}}},
		{"１３８－１２３４－５６７８", []found{{Reporter, "１３８－１２３４－５６７８"}}},
		{"she wrote 1-3-8-1-2-3-4-5-6-7-8", []found{{Reporter, "1-3-8-1-2-3-4-5-6-7-8"}}},
		{"座机 051988881234，(0519)8888-1234，(0519)8888-1235", []found{{Reporter, "051988881234"}, {Reporter, "(0519)8888-1234"}, {Landline, "(0519)8888-1235"}}},
		{"mail wang.fang@example.com or WANG.FANG＠EXAMPLE.COM", []found{{Reporter, "wang.fang@example.com"}, {Reporter, "WANG.FANG＠EXAMPLE.COM"}}},
		{"Dear LI MING, dear Ｌｉ Ｍｉｎｇ", []found{{Reporter, "LI MING"}, {Reporter, "Ｌｉ Ｍｉｎｇ"}}},
		// A one-character name and a five-digit "phone" are not looked for.
		{"张先生拨打了12345热线", nil},
	} {
		got := hitTexts(c.text, Find(c.text, known))
		if !slices.Equal(got, c.want) {
			t.Errorf("Find(%q)\n got %v\nwant %v", c.text, got, c.want)
		}
		masked := Mask(c.text, Find(c.text, known))
		if again := Find(masked, known); len(again) > 0 {
			t.Errorf("Find(Mask(%q)) = %v, want nothing", c.text, hitTexts(masked, again))
		}
	}
}

func TestSegments(t *testing.T) {
	texts := append([]string{"", "无个人信息"}, negatives...)
	for _, c := range corpus {
		texts = append(texts, c.text)
	}
	for _, text := range texts {
		hits := Find(text, Known{Names: []string{"王芳"}})
		segs := Segments(text, hits)
		var b strings.Builder
		n := 0
		for _, s := range segs {
			b.WriteString(s.Text)
			if s.Hit != nil {
				n++
				if s.Text != text[s.Hit.Start:s.Hit.End] {
					t.Errorf("Segments(%q): segment %q is not its hit %v", text, s.Text, *s.Hit)
				}
			} else if s.Text == "" {
				t.Errorf("Segments(%q) has an empty plain segment", text)
			}
		}
		if b.String() != text {
			t.Errorf("Segments(%q) join to %q", text, b.String())
		}
		if n != len(hits) {
			t.Errorf("Segments(%q) has %d hit segments, want %d", text, n, len(hits))
		}
	}
}

// TestLongText: Find reads the first MaxText bytes; what lies beyond, and a
// number cut in two at MaxText, is masked by Mask and Redact, never
// published.
func TestLongText(t *testing.T) {
	filler := strings.Repeat("今天天气很好。", MaxText/len("今天天气很好。"))
	for _, cut := range []int{0, 3, 8, 11} {
		prefix := filler[:boundary(filler, MaxText-cut)]
		text := "电话13812345678。" + prefix + "１３８１２３４５６７８，还有 13987654321 和 zhang@example.com"
		masked := Redact(text)
		if n, m := utf8.RuneCountInString(text), utf8.RuneCountInString(masked); n != m {
			t.Fatalf("Redact of a long text has %d runes, want %d", m, n)
		}
		d := digitsOf(masked)
		for _, leak := range []string{"13812345678", "13987654321", "1381", "5678", "zhang"} {
			if strings.Contains(d, leak) || strings.Contains(masked, leak) {
				t.Errorf("cut %d: Redact of a long text leaks %q", cut, leak)
			}
		}
		if !strings.HasPrefix(masked, "电话＊＊＊＊＊＊＊＊＊＊＊。今天天气很好。") {
			t.Errorf("cut %d: the start of a long text is not masked as a short one: %q", cut, masked[:60])
		}
		if !strings.HasSuffix(masked, "＊＊＊＊＊") {
			t.Errorf("cut %d: the end of a long text is not masked", cut)
		}
		for _, h := range Find(text, Known{}) {
			if h.End > MaxText {
				t.Errorf("cut %d: hit %v beyond MaxText", cut, h)
			}
		}
	}
	// Up to MaxText, a text is masked only where it has hits.
	text := strings.Repeat("a", MaxText-len("13812345678")) + "13812345678"
	if got := Redact(text); got != strings.Repeat("a", MaxText-11)+strings.Repeat("＊", 11) {
		t.Errorf("Redact of a text of exactly MaxText bytes masks more than its hit")
	}
}

// TestMaskBadHits: hits a caller made up never panic or leak the rest.
func TestMaskBadHits(t *testing.T) {
	text := "电话13812345678"
	for _, hits := range [][]Hit{
		{{Mobile, 6, 17}, {Mobile, 6, 17}},
		{{Mobile, 6, 99}},
		{{Mobile, 10, 6}},
		{{Mobile, 6, 17}, {Mobile, 2, 8}},
	} {
		got := Mask(text, hits)
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(text) {
			t.Errorf("Mask(%v) = %q changes the rune count", hits, got)
		}
		Segments(text, hits)
	}
}

func FuzzFind(f *testing.F) {
	for _, c := range corpus {
		f.Add(c.text, "王芳", "138 1234 5678")
	}
	for _, text := range negatives {
		f.Add(text, "", "")
	}
	f.Add("\xe4\xbd\xa0\xff1381234567\xbd8", "\xff", "0519")
	f.Add("苏A·１２３４５学 ( +86)138-1234-5678@qq．com", "Ａ", "+8613812345678")
	f.Fuzz(func(t *testing.T, text, name, phone string) {
		hits := Find(text, Known{Names: []string{name}, Phones: []string{phone}})
		starts := map[int]bool{len(text): true}
		for i := 0; i < len(text); {
			starts[i] = true
			_, w := utf8.DecodeRuneInString(text[i:])
			i += w
		}
		last := 0
		for _, h := range hits {
			if h.Start < last || h.End <= h.Start || h.End > len(text) || h.End > MaxText {
				t.Fatalf("hits %v out of order or range (len %d)", hits, len(text))
			}
			if !starts[h.Start] || !starts[h.End] {
				t.Fatalf("hit %v not on rune boundaries of %q", h, text)
			}
			if !slices.Contains(Kinds, h.Kind) {
				t.Fatalf("hit %v of unknown kind", h)
			}
			last = h.End
		}
		masked := Mask(text, hits)
		if utf8.RuneCountInString(masked) != utf8.RuneCountInString(text) {
			t.Fatalf("Mask(%q) = %q changes the rune count", text, masked)
		}
		var b strings.Builder
		for _, s := range Segments(text, hits) {
			b.WriteString(s.Text)
		}
		if b.String() != text {
			t.Fatalf("Segments(%q) do not join to the text", text)
		}
		// Masking never makes a number or an address appear.
		if redacted := Redact(text); len(Find(redacted, Known{})) > 0 {
			t.Fatalf("Find(Redact(%q)) = %v", text, Find(redacted, Known{}))
		}
	})
}

// bench is a 2 KB reply with numbers of every kind among dates and amounts.
var bench = func() string {
	s := "您好！您于2026年12月3日反映的武进区某超市电子秤不准的问题（编号7KQ2-M9QX-4TPR），经查属实：该商户电子秤（出厂编号CZ2026-00123）未经检定，已责令整改，罚款3000元。" +
		"投诉人手机 138 1234 5678，座机 0519-88881234 转 801，邮箱 wang.fang@example.com，车牌苏D·12345，身份证 110101199003071233，退款卡号 6222021234567890128。" +
		"Reply: we weighed 2.5 kg for ￥128.50 at 10:30; call +86 139 0519 8888 with questions. "
	for len(s) < 2048 {
		s += s
	}
	return s[:boundary(s, 2048)]
}()

func BenchmarkFind(b *testing.B) {
	known := Known{Names: []string{"王芳"}, Phones: []string{"13812345678"}, Emails: []string{"wang.fang@example.com"}}
	b.SetBytes(int64(len(bench)))
	for b.Loop() {
		Find(bench, known)
	}
}

// BenchmarkFindWorst: the longest text Find reads, made of what costs each
// rule most: single digits split by spaces (every run starts a stretch of
// up to 19), province and letter pairs, @s, and the reporter's phone.
func BenchmarkFindWorst(b *testing.B) {
	for _, c := range []struct{ name, unit string }{
		{"split digits", "1 "}, {"plates", "京A"}, {"at signs", "a@b."}, {"full-width", "１"},
	} {
		text := strings.Repeat(c.unit, MaxText/len(c.unit))
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Find(text, Known{Phones: []string{"11111111111"}, Names: []string{"京A"}})
			}
		})
	}
}
