package printfile

import (
	"bytes"
	"image/png"
	"regexp"
	"testing"

	"honestmeasure/internal/qr"
)

func code(t testing.TB) []byte {
	b, err := qr.PNG("HTTP://127.0.0.1/Q/U1-1-HV7JZ5MFAG5D", 600)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func poster(t testing.TB) Poster {
	return Poster{Heading: "诚信计量示范单位", UnitName: "钟楼菜场 8号摊位 张记鲜肉", Address: "天宁区红梅南路1号红梅农贸市场",
		Points: []string{"计量器具经检定合格并在有效期内", "足斤足两，短缺赔偿"}, Footer: "常州市天宁区市场监督管理局监督 · 投诉举报 12315",
		Note: "扫码查验本单位的计量器具，发现问题一分钟举报", Version: "二维码第 1 版", QR: code(t)}
}

var pageRe = regexp.MustCompile(`/Type /Page\b`)

func TestPosterFiles(t *testing.T) {
	pdf, err := PosterPDF(poster(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pageRe.FindAll(pdf, -1)) != 1 {
		t.Fatalf("poster PDF: %q…, %d pages", pdf[:8], len(pageRe.FindAll(pdf, -1)))
	}
	// The font is subset: the file stays small although the font is 4 MB.
	if len(pdf) > 200<<10 {
		t.Errorf("poster PDF is %d bytes", len(pdf))
	}
	img, err := PosterPNG(poster(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width != PNGWidth || cfg.Height != PNGHeight {
		t.Fatalf("poster PNG: %v %+v", err, cfg)
	}
	t.Logf("poster: PDF %d bytes, PNG %d bytes", len(pdf), len(img))
}

func TestLabelSheets(t *testing.T) {
	var labels []Label
	for i := range 25 {
		labels = append(labels, Label{Unit: "钟楼菜场 8号摊位", Type: "电子计价秤", Serial: "CZ-" + string(rune('A'+i)),
			State: "有效期至 2027-12-02", Warning: i == 3, QR: code(t)})
	}
	pdf, err := LabelsPDF(labels)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pageRe.FindAll(pdf, -1)); n != 2 {
		t.Fatalf("25 labels on %d pages, want 2 (24 a sheet)", n)
	}
	if _, err := LabelsPDF(make([]Label, MaxLabels+1)); err == nil {
		t.Fatal("more than MaxLabels labels were made")
	}
	t.Logf("25 labels: PDF %d bytes", len(pdf))
}

func BenchmarkPosterPDF(b *testing.B) {
	p := poster(b)
	for b.Loop() {
		if _, err := PosterPDF(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPosterPNG(b *testing.B) {
	p := poster(b)
	for b.Loop() {
		if _, err := PosterPNG(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLabels24PDF(b *testing.B) {
	labels := make([]Label, 24)
	for i := range labels {
		labels[i] = Label{Unit: "钟楼菜场 8号摊位", Type: "电子计价秤", Serial: "CZ-01", State: "有效期至 2027-12-02", QR: code(b)}
	}
	for b.Loop() {
		if _, err := LabelsPDF(labels); err != nil {
			b.Fatal(err)
		}
	}
}
