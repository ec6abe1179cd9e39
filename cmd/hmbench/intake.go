package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"sync"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
)

// Intake targets (issue 6 §2).
const (
	intakeTextRate  = 300.0
	intakePhotoRate = 25.0
	photoBytes      = 1 << 20
)

// submission is one report as the mini-program would send it.
func (b *bench) submission(rng *mrand.Rand) map[string]string {
	category := pick(rng, categoryMix)
	kind := model.KindTip
	if rng.IntN(10) < 4 {
		kind = model.KindComplaint
	}
	f := map[string]string{"kind": string(kind), "category": string(category),
		"description": description(category, rng),
		"incident_at": time.Now().Add(-time.Duration(1+rng.IntN(48)) * time.Hour).UTC().Format(time.RFC3339)}
	switch {
	case category == model.CategoryCounterfeitQR || rng.IntN(4) == 0:
		f["district"] = b.districtCodes[rng.IntN(len(b.districtCodes))]
		f["business_name"] = roads[rng.IntN(len(roads))] + "路边流动摊贩"
		f["business_address"] = "常州市" + roads[rng.IntN(len(roads))] + "附近"
	case rng.IntN(5) < 2:
		f["token"] = b.instrumentTokens[rng.IntN(len(b.instrumentTokens))]
	default:
		f["token"] = b.unitTokens[rng.IntN(len(b.unitTokens))]
	}
	switch {
	case kind == model.KindComplaint:
		f["reporter_name"] = surnames[rng.IntN(len(surnames))] + "女士"
		f["reporter_phone"] = fmt.Sprintf("137%08d", rng.IntN(100000000))
		f["reporter_address"] = fmt.Sprintf("常州市%s%d号", roads[rng.IntN(len(roads))], 1+rng.IntN(300))
		f["request"] = "退还差价并赔礼道歉。"
		f["amount"] = fmt.Sprintf("%d.%02d", 5+rng.IntN(200), rng.IntN(100))
		if rng.IntN(3) == 0 {
			f["reporter_email"] = fmt.Sprintf("reporter%d@example.com", rng.IntN(100000))
		}
	case rng.IntN(2) == 0:
		f["anonymous"] = "true"
	default:
		f["reporter_name"] = surnames[rng.IntN(len(surnames))] + "先生"
		f["reporter_phone"] = fmt.Sprintf("136%08d", rng.IntN(100000000))
	}
	return f
}

// receipts collects the tracking numbers the server answered 201 with.
type receipts struct {
	mu  sync.Mutex
	nos []string
}

func (r *receipts) add(no string) {
	r.mu.Lock()
	r.nos = append(r.nos, no)
	r.mu.Unlock()
}

// submit POSTs one report to /api/v1/reports, as JSON or, with photo, as
// multipart with the photo attached.
func (b *bench) submit(base string, photo []byte, got *receipts) request {
	return func(ctx context.Context, c *http.Client, rng *mrand.Rand) hit {
		fields := b.submission(rng)
		var body bytes.Buffer
		contentType := "application/json"
		if photo == nil {
			anonymous := fields["anonymous"] == "true"
			delete(fields, "anonymous")
			m := map[string]any{"anonymous": anonymous}
			for k, v := range fields {
				m[k] = v
			}
			if err := json.NewEncoder(&body).Encode(m); err != nil {
				return hit{err: err}
			}
		} else {
			w := multipart.NewWriter(&body)
			for k, v := range fields {
				_ = w.WriteField(k, v)
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="photos"; filename="IMG_20260315_101502.jpg"`)
			h.Set("Content-Type", "image/jpeg")
			part, err := w.CreatePart(h)
			if err != nil {
				return hit{err: err}
			}
			_, _ = part.Write(photo)
			_ = w.Close()
			contentType = w.FormDataContentType()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/reports", &body)
		if err != nil {
			return hit{err: err}
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Idempotency-Key", reports.NewKey())
		resp, err := c.Do(req)
		if err != nil {
			return hit{err: err}
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		h := hit{status: resp.StatusCode, bytes: int64(len(raw)), err: err}
		if err != nil {
			return h
		}
		if resp.StatusCode != http.StatusCreated {
			h.note = string(bytes.TrimSpace(raw))
			return h
		}
		var receipt struct {
			TrackingNumber string `json:"tracking_number"`
			Replayed       bool   `json:"replayed"`
		}
		if err := json.Unmarshal(raw, &receipt); err != nil || receipt.TrackingNumber == "" || receipt.Replayed {
			h.note = "201 without a fresh receipt: " + string(raw)
			return h
		}
		got.add(receipt.TrackingNumber)
		return h
	}
}

// measureIntake submits reports for the load duration, text-only and then
// with a photo, and checks that every 201 is a stored report.
func measureIntake(ctx context.Context, b *bench, o options, srv *proc, t *table, p *progress) error {
	photo, err := makePhoto(photoBytes)
	if err != nil {
		return err
	}
	held, err := b.countReports(ctx)
	if err != nil {
		return err
	}
	for _, m := range []struct {
		name   string
		photo  []byte
		target float64
	}{
		{"text only (JSON)", nil, intakeTextRate},
		{fmt.Sprintf("one %.1f MB photo (multipart)", float64(len(photo))/(1<<20)), photo, intakePhotoRate},
	} {
		before, err := b.countReports(ctx)
		if err != nil {
			return err
		}
		photosBefore, err := b.countPhotos(ctx)
		if err != nil {
			return err
		}
		p.say("report intake, %s, %d submitters, %s", m.name, o.intakeConns, o.duration)
		got := &receipts{}
		client := newClient(o.intakeConns)
		out := runLoad(ctx, client, o.intakeConns, o.duration, http.StatusCreated, b.submit(srv.base, m.photo, got))
		client.CloseIdleConnections()
		after, err := b.countReports(ctx)
		if err != nil {
			return err
		}
		photosAfter, err := b.countPhotos(ctx)
		if err != nil {
			return err
		}
		found, err := b.countTracking(ctx, got.nos)
		if err != nil {
			return err
		}
		created := after - before
		p.say("  %.1f/s, %d answered 201, %d rows created, %d of the tracking numbers found", out.rate(), out.ok, created, found)

		t.add(fmt.Sprintf("report intake, %s, %d conns, %s, on %s reports", m.name, o.intakeConns, o.duration, countLabel(held)),
			fmt.Sprintf("%.1f/s (%d × 201 in %.1f s; p50 %s, p99 %s; %s)", out.rate(), out.ok, out.elapsed.Seconds(),
				ms(out.pct(50)), ms(out.pct(99)), out.errorsText()),
			fmt.Sprintf("≥ %.0f/s", m.target), out.rate() >= m.target)
		figure := fmt.Sprintf("%d rows created, %d × 201, %d of their tracking numbers stored", created, out.ok, found)
		ok := created == int64(out.ok) && found == int64(len(got.nos)) && len(got.nos) == out.ok
		if m.photo != nil {
			figure += fmt.Sprintf(", %d photos stored", photosAfter-photosBefore)
			ok = ok && photosAfter-photosBefore == int64(out.ok)
		}
		t.add("intake, "+m.name+": rows = 201 answers", figure, "equal (nothing lost)", ok)
		if out.failed > 0 {
			t.note(fmt.Sprintf("intake %s: answers other than 201: %s", m.name, statusList(out.statuses)))
		}
	}
	if n, first := srv.errorLines(); n > 0 {
		t.note(fmt.Sprintf("cmd/honestmeasure logged %d errors; first: %s", n, first))
	}
	return nil
}

func statusList(statuses map[int]int) string {
	s := ""
	for code, n := range statuses {
		if code == http.StatusCreated {
			continue
		}
		name := "transport error"
		if code != 0 {
			name = "HTTP " + strconv.Itoa(code)
		}
		s += fmt.Sprintf("%s × %d; ", name, n)
	}
	return s
}

func (b *bench) countPhotos(ctx context.Context) (int64, error) {
	var n int64
	err := b.db.WithContext(ctx).Model(&model.ReportPhoto{}).Count(&n).Error
	return n, err
}

// countTracking counts how many of the tracking numbers are stored.
func (b *bench) countTracking(ctx context.Context, nos []string) (int64, error) {
	var total int64
	for i := 0; i < len(nos); i += 500 {
		var n int64
		if err := b.db.WithContext(ctx).Model(&model.Report{}).Where("tracking_no IN ?", nos[i:min(i+500, len(nos))]).
			Count(&n).Error; err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// makePhoto makes a JPEG of about size bytes that looks to the decoder like
// a phone photo: 2048×1536 (what phones send after their own downscaling),
// smooth shapes with sensor noise, so photos.Process decodes, shrinks to
// 1600 px and re-encodes it as it would a real one.
func makePhoto(size int) ([]byte, error) {
	const w, h = 2048, 1536
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := mrand.New(mrand.NewPCG(7, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 90 + 80*x/w + 40*y/h + rng.IntN(48) - 24
			if (x/160+y/120)%5 == 0 {
				v -= 50
			}
			img.Y[y*img.YStride+x] = uint8(min(max(v, 0), 255))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			img.Cb[y*img.CStride+x] = uint8(110 + x*30/(w/2) + rng.IntN(8))
			img.Cr[y*img.CStride+x] = uint8(140 - y*20/(h/2) + rng.IntN(8))
		}
	}
	var best []byte
	lo, hi := 30, 98
	for lo <= hi {
		q := (lo + hi) / 2
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		if best == nil || abs(float64(buf.Len()-size)) < abs(float64(len(best)-size)) {
			best = buf.Bytes()
		}
		if buf.Len() < size {
			lo = q + 1
		} else {
			hi = q - 1
		}
	}
	return best, nil
}
