package instruments

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/model"
)

// What a merchant pastes, read and checked against the unit's instruments
// CZ-01 and CZ-02 (price scales, verified yearly) on 2026-04-06: the rows
// read, the lines that are good, and the first problem of each other line.
func TestPastedCertificates(t *testing.T) {
	typ := model.InstrumentType{ID: 1, Code: "price_scale", CycleMonths: 12}
	cands := []Candidate{
		{Instrument: model.Instrument{ID: 11, TypeID: 1, SerialNo: "CZ-01", Status: model.InstrumentInUse}, Type: typ,
			Recorded: map[string]bool{"JD-OLD": true}},
		{Instrument: model.Instrument{ID: 12, TypeID: 1, SerialNo: "CZ-02", Status: model.InstrumentInUse}, Type: typ},
	}
	today := time.Date(2026, 4, 6, 9, 0, 0, 0, model.Zone)
	body := "常州市计量测试技术研究所"
	many := strings.Repeat("CZ-01,JD-1,"+body+",2026-03-05,,合格\n", MaxCertificateRows+1)
	for _, tc := range []struct {
		name     string
		text     string
		err      error
		rows     int
		header   int
		good     []int             // lines
		problems map[int][2]string // line → field, message key
	}{
		{name: "tabs with a header, as Excel copies", text: "出厂编号\t证书编号\t检定机构\t检定日期\t有效期至\t检定结论\nCZ-01\tJD-1\t" + body + "\t2026-03-05\t\t合格\nCZ-02\tJD-2\t" + body + "\t2026/3/6\t2027/3/5\tpass\n",
			rows: 2, header: 1, good: []int{2, 3}},
		{name: "commas without a header", text: "CZ-01,JD-1," + body + ",2026年3月5日,,不合格\n", rows: 1, good: []int{1}},
		{name: "quoted CSV", text: `"CZ-01","JD-1, second copy","常州市计量测试技术研究所","2026-03-05","","合格"` + "\n" + `CZ-02,"JD ""2""",` + body + ",2026-03-05,,合格",
			rows: 2, good: []int{1, 2}},
		{name: "blank lines and separators only", text: "\n\nCZ-01\tJD-1\t" + body + "\t2026-03-05\t\t合格\n\t\t\t\n\r\nCZ-02\tJD-2\t" + body + "\t2026-03-05\t\t合格\n\n",
			rows: 2, good: []int{3, 6}},
		{name: "full-width, lower-case serial", text: "ｃｚ－０１\tJD-1\t" + body + "\t2026-03-05\t\t合格", rows: 1, good: []int{1}},
		{name: "unknown serial", text: "CZ-09\tJD-1\t" + body + "\t2026-03-05\t\t合格\nCZ-02\tJD-2\t" + body + "\t2026-03-05\t\t合格",
			rows: 2, good: []int{2}, problems: map[int][2]string{1: {"serial_no", "certs.unknown_serial"}}},
		{name: "bad dates", text: strings.Join([]string{
			"CZ-01\tJD-1\t" + body + "\t05/03/2026\t\t合格",
			"CZ-01\tJD-2\t" + body + "\t2026-02-30\t\t合格",
			"CZ-01\tJD-3\t" + body + "\t2026-04-07\t\t合格",
			"CZ-01\tJD-4\t" + body + "\t2026-03-05\t2026-03-01\t合格",
			"CZ-01\tJD-5\t" + body + "\t2026-03-05\t2099-12-31\t合格",
			"CZ-01\tJD-6\t" + body + "\t1985-03-05\t\t合格",
		}, "\n"), rows: 6, problems: map[int][2]string{
			1: {"verified_on", "form.date"}, 2: {"verified_on", "form.date"}, 3: {"verified_on", "verification.date_in_future"},
			4: {"valid_until", "verification.until_before_date"}, 5: {"valid_until", "verification.until_beyond_cycle"},
			6: {"verified_on", "form.date"}}},
		{name: "missing fields and a strange result", text: "CZ-01\t\t\t2026-03-05\t\t好\nCZ-02\tJD-2\t\t2026-03-05",
			rows: 2, problems: map[int][2]string{1: {"certificate_no", "form.required"}, 2: {"result", "certs.result_word"}}},
		{name: "already recorded, and twice in the paste", text: "CZ-01\tjd-old\t" + body + "\t2026-03-05\t\t合格\nCZ-02\tJD-2\t" + body + "\t2026-03-05\t\t合格\nCZ-02\tJD-2\t" + body + "\t2026-03-05\t\t合格",
			rows: 3, good: []int{2}, problems: map[int][2]string{1: {"certificate_no", "certs.already_recorded"}, 3: {"certificate_no", "certs.repeats_line"}}},
		{name: "header only", text: "出厂编号\t证书编号\t检定机构\t检定日期\n", err: ErrCertificatesNone},
		{name: "nothing", text: " \n\n", err: ErrCertificatesNone},
		{name: "too many rows", text: many, err: ErrCertificatesTooMany},
		{name: "too large", text: strings.Repeat("x", MaxCertificateBytes+1), err: ErrCertificatesTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseCertificates(tc.text)
			if tc.err != nil || err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if len(p.Rows) != tc.rows || p.HeaderLine != tc.header {
				t.Fatalf("%d rows, header line %d; want %d, %d", len(p.Rows), p.HeaderLine, tc.rows, tc.header)
			}
			checked := CheckCertificates(p.Rows, cands, "", today)
			var good []int
			for _, c := range checked {
				if c.OK() {
					good = append(good, c.Line)
					if c.Record == nil || c.Instrument == nil || *c.Record.InstrumentID != c.Instrument.ID {
						t.Errorf("line %d good without its record", c.Line)
					}
					continue
				}
				want, ok := tc.problems[c.Line]
				if !ok {
					t.Errorf("line %d: unexpected problems %v", c.Line, c.Errors)
					continue
				}
				if got := c.Errors[want[0]].Key; got != want[1] {
					t.Errorf("line %d: %s is %q, want %q (all: %v)", c.Line, want[0], got, want[1], c.Errors)
				}
			}
			if fmt.Sprint(good) != fmt.Sprint(tc.good) {
				t.Errorf("good lines %v, want %v", good, tc.good)
			}
		})
	}
}

// A row without a body takes the page's default body; one with a body
// keeps its own.
func TestPastedCertificatesDefaultBody(t *testing.T) {
	typ := model.InstrumentType{ID: 1, CycleMonths: 12}
	cands := []Candidate{{Instrument: model.Instrument{ID: 11, SerialNo: "CZ-01"}, Type: typ}}
	p, err := ParseCertificates("CZ-01,JD-1,,2026-03-05,,合格\nCZ-01,JD-2,某检定所,2026-03-05,,合格")
	if err != nil {
		t.Fatal(err)
	}
	checked := CheckCertificates(p.Rows, cands, " 常州市计量测试技术研究所 ", time.Date(2026, 4, 6, 0, 0, 0, 0, model.Zone))
	if !checked[0].OK() || checked[0].Record.BodyName != "常州市计量测试技术研究所" || checked[1].Record.BodyName != "某检定所" {
		t.Fatalf("%+v", checked)
	}
}
