package sheet

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const benchRows = 20000

var certHeader = []string{"证书编号", "器具名称", "型号规格", "出厂编号", "制造单位", "使用单位", "使用地址", "准确度等级",
	"测量范围", "检定日期", "有效期至", "检定结论", "检定员", "核验员", "检定机构", "备注"}

// certRow is row i of a realistic certificate file: mostly unique
// numbers, repeated Chinese names, dates as Excel serials when serial.
func certRow(i int, serial bool) []any {
	names := []string{"电子计价秤", "燃油加油机", "出租汽车计价器", "电能表", "水表", "血压计", "压力表"}
	people := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"}
	day := 46086 - i%365
	var verified, until any = day, day + 365
	if !serial {
		d1, _ := excelSerialDate(day, false)
		d2, _ := excelSerialDate(day+365, false)
		verified, until = d1.Format("2006-01-02"), d2.Format("2006-01-02")
	}
	note := ""
	if i%17 == 0 {
		note = "复检合格，已更换铅封"
	}
	result := "合格"
	if i%50 == 0 {
		result = "不合格"
	}
	return []any{
		fmt.Sprintf("JD2026-%07d", i),
		names[i%len(names)],
		fmt.Sprintf("ACS-%d", 3+i%5*3),
		fmt.Sprintf("SN%010d", 7_000_000_000+i*37),
		"上海某某衡器有限公司",
		"杭州市西湖区某某超市第" + strconv.Itoa(i%500) + "分店",
		"杭州市西湖区文三路" + strconv.Itoa(i%900+1) + "号",
		"III",
		"(0~30)kg",
		verified,
		until,
		result,
		people[i%len(people)],
		people[(i+3)%len(people)],
		"杭州市计量检定测试院",
		note,
	}
}

func certStrings(i int) []string {
	row := certRow(i, false)
	s := make([]string, len(row))
	for j, v := range row {
		s[j] = fmt.Sprint(v)
	}
	return s
}

func certSeq(yield func([]string) bool) {
	for i := range benchRows {
		if !yield(certStrings(i)) {
			return
		}
	}
}

// benchFileSet writes the 20,000-row files into dir: as Excel writes them
// (excelize, shared strings, dates as serial numbers), as WriteXLSX does
// (inline strings), and as a GBK CSV.
func benchFileSet(b *testing.B, dir string) map[string]string {
	files := map[string]string{}
	write := func(name, file string, data []byte) {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			b.Fatal(err)
		}
		files[name] = p
	}

	x := excelize.NewFile()
	hdr := make([]any, len(certHeader))
	for i, h := range certHeader {
		hdr[i] = h
	}
	if err := x.SetSheetRow("Sheet1", "A1", &hdr); err != nil {
		b.Fatal(err)
	}
	for i := range benchRows {
		row := certRow(i, true)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	write("excelize-sst", "excelize.xlsx", buf.Bytes())

	buf.Reset()
	if err := WriteXLSX(&buf, certHeader, certSeq); err != nil {
		b.Fatal(err)
	}
	write("WriteXLSX-inline", "writexlsx.xlsx", buf.Bytes())

	buf.Reset()
	if err := WriteCSV(&buf, certHeader, certSeq); err != nil {
		b.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(buf.Bytes()[len(utf8BOM):])
	if err != nil {
		b.Fatal(err)
	}
	write("csv-gbk", "gbk.csv", gbk)
	return files
}

// heapPeak samples the bytes of live and not yet collected heap objects
// until stop is closed, and returns the highest sample.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func readFile(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := Open(f, st.Size(), DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkReadXLSX20000 reads 20,000 certificates of 16 columns from a
// file on disk, as the import will, and reports rows/s and the peak heap
// above what was in use before (garbage not yet collected included:
// that is what the process holds).
func BenchmarkReadXLSX20000(b *testing.B) {
	files := benchFileSet(b, b.TempDir())
	for _, name := range []string{"excelize-sst", "WriteXLSX-inline", "csv-gbk"} {
		b.Run(name, func(b *testing.B) {
			st, _ := os.Stat(files[name])
			b.SetBytes(st.Size())
			runtime.GC()
			base := heapNow()
			stop := make(chan struct{})
			peak := heapPeak(stop)
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				if n := readFile(b, files[name]); n != benchRows {
					b.Fatalf("%d rows", n)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			close(stop)
			p := <-peak
			b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(p-min(p, base))/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
		})
	}
}

// BenchmarkWriteXLSX20000 writes a 20,000-row error report.
func BenchmarkWriteXLSX20000(b *testing.B) {
	rows := make([][]string, benchRows)
	for i := range rows {
		rows[i] = certStrings(i)
	}
	seq := func(yield func([]string) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}
	runtime.GC()
	base := heapNow()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	var n int64
	for b.Loop() {
		cw := &countWriter{}
		if err := WriteXLSX(cw, certHeader, seq); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.StopTimer()
	close(stop)
	p := <-peak
	b.ReportMetric(float64(p-min(p, base))/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(n)/(1<<20), "file-MiB")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
