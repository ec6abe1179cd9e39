package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"honestmeasure/internal/model"
)

const unitName = "钟楼菜场 8号摊位"

// photoFile writes a small JPEG, as a phone's camera would leave one, and
// returns its path.
func photoFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "scale-display.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// incidentAnHourAgo is what a shopper enters as the time of the incident
// (the form no longer guesses "now"), in the form's datetime-local format.
func incidentAnHourAgo() string {
	return time.Now().In(model.Zone).Add(-time.Hour).Format("2006-01-02T15:04")
}
