package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type scanData struct {
	Token      string
	Status     scan.Status
	Unit       *scan.PublicUnit
	Instrument *scan.PublicInstrument // set for an instrument code
	// CurrentURL is where a replaced code's unit lives now (empty when the
	// unit is no longer listed).
	CurrentURL string
}

// Replaced reports whether the scanned code was superseded by a reprint.
func (d scanData) Replaced() bool { return d.Status == scan.Replaced }

// scanPage is /q/{token}: the URL printed on every code. It must work
// without JavaScript and arrive in the first round trip, for thousands of
// shoppers at once. A page cached here and known current by a fresh
// watermark reading is sent from memory at once, without a query (changes
// made on any instance show within scan.WatermarkWindow). Otherwise one
// indexed query (ScanStamp) tells whether the code is genuine and which
// revision of its unit's page is current; a page already rendered at that
// revision is sent from memory (see scan.PageCache).
func (h *Handler) scanPage(c *gin.Context) {
	ctx := c.Request.Context()
	raw := strings.TrimSpace(c.Param("token"))
	ref, err := h.QR.Parse(raw)
	if err != nil {
		h.scanInvalid(c, raw)
		return
	}
	now := h.now()
	l := server.Printer(c)
	key := scan.PageKey{Ref: ref, Lang: l.Lang}
	gzipOK := h.ScanCache != nil && server.AcceptsGzip(c)
	// Read before the query: a page that the query finds current is marked
	// with this reading, never a later one (scan.Watermark explains why).
	reading := h.ScanWatermark.Latest()
	if gzipOK {
		if p := h.ScanCache.Unqueried(key, reading, time.Now(), now); p != nil {
			c.Header("Cache-Control", "no-cache")
			writeCachedPage(c, p)
			return
		}
	}
	stamp, err := h.Store.ScanStamp(ctx, ref.Kind, ref.ID, ref.Version)
	if errors.Is(err, storage.ErrNotFound) {
		// Signed with our key but never issued (only possible if the key
		// leaked or rows were lost), or its unit or instrument row is gone:
		// not a code we stand behind.
		h.scanInvalid(c, raw)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	// Statuses change at any moment and a suspension must show at once:
	// browsers and proxies must ask again every time (a cached page answers
	// with its ETag, so asking again costs a few bytes).
	c.Header("Cache-Control", "no-cache")
	cacheable := gzipOK && !stamp.Revoked
	if cacheable {
		if p := h.ScanCache.Get(key, stamp, now, reading); p != nil {
			writeCachedPage(c, p)
			return
		}
	}

	// The canonical token: what the printed code says, whatever case or
	// leading zeros the request used.
	token, err := h.QR.Token(ref)
	if err != nil { // Parse accepted it, so this cannot happen; never panic on it
		h.scanInvalid(c, raw)
		return
	}
	status := scan.Genuine
	if stamp.Revoked {
		status = scan.Replaced
	}
	d := scanData{Token: token}
	d.Unit, err = scan.LoadUnit(ctx, h.Store, h.QR, h.BaseURL, stamp.UnitID, now)
	if err == nil {
		err = scan.AddRiskClass(ctx, h.Store, d.Unit, h.Ref.City.RiskPublic)
	}
	if err != nil {
		h.scanError(c, raw, err)
		return
	}
	v := scan.Judge(status, ref, d.Unit)
	// Links on the page are relative: it works under whatever host name it
	// was reached by (the API keeps the absolute URL the poster carries).
	d.Status, d.CurrentURL = v.Status, strings.TrimPrefix(v.CurrentURL, strings.ToUpper(strings.TrimRight(h.BaseURL, "/")))
	if v.Instrument >= 0 {
		d.Instrument = &d.Unit.Instruments[v.Instrument]
	}
	page := h.page(c, d.Unit.Unit.Name, d)
	// Nothing from the request beyond the code and the language may reach
	// a page that others will be sent.
	page.Path = "/q/" + token
	page.Notice = ""
	if !cacheable || d.Status != scan.Genuine {
		h.render(c, http.StatusOK, "scan", page)
		return
	}
	html, err := h.Renderer.Bytes("scan", page)
	if err != nil {
		server.Logger(c).Error("render failed", "page", "scan", "err", err)
		h.ErrorPage(c, http.StatusInternalServerError)
		return
	}
	p, err := newCachedPage(html)
	if err != nil {
		h.serverError(c, err)
		return
	}
	p.UnitID, p.Rev, p.Expires = stamp.UnitID, stamp.PublicRev, d.Unit.StableUntil(now)
	p.Mark(reading)
	h.ScanCache.Put(key, p)
	writeCachedPage(c, p)
}

// cachedPageWriters: a flate compressor holds about a megabyte of tables;
// one per page filled would be garbage the collector keeps chasing.
var cachedPageWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return zw
}}

// newCachedPage compresses a rendered page once, harder than the per-request
// compression can afford: every later scan sends these bytes.
func newCachedPage(html []byte) (*scan.CachedPage, error) {
	var buf bytes.Buffer
	zw := cachedPageWriters.Get().(*gzip.Writer)
	defer cachedPageWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(html); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return &scan.CachedPage{Gzip: bytes.Clone(buf.Bytes()), ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}, nil
}

// writeCachedPage sends a cached page, or 304 when the browser already has
// exactly these bytes.
func writeCachedPage(c *gin.Context, p *scan.CachedPage) {
	c.Header("ETag", p.ETag)
	if inm := c.GetHeader("If-None-Match"); inm != "" && strings.Contains(inm, p.ETag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Content-Encoding", "gzip")
	c.Header("Content-Length", strconv.Itoa(len(p.Gzip)))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(p.Gzip)
}

// scanInvalid answers a code the platform does not stand behind; its report
// button carries the code so the officer sees what was printed.
func (h *Handler) scanInvalid(c *gin.Context, token string) {
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusNotFound, "scan_invalid", h.page(c, server.Printer(c).T("scan.invalid_title"), scanData{Token: token, Status: scan.NotIssued}))
}

// scanError: a genuine code whose unit or instrument row is gone is treated
// like a code the platform does not stand behind.
func (h *Handler) scanError(c *gin.Context, token string, err error) {
	if errors.Is(err, storage.ErrNotFound) {
		h.scanInvalid(c, token)
		return
	}
	h.serverError(c, err)
}

// scanPhoto is the shop-front photo shown on a code's page: reached through
// the code, so photos cannot be listed by counting unit IDs.
func (h *Handler) scanPhoto(c *gin.Context) {
	ref, err := h.QR.Parse(strings.TrimSpace(c.Param("token")))
	if err != nil {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	stamp, err := h.Store.ScanStamp(c.Request.Context(), ref.Kind, ref.ID, ref.Version)
	if !h.found(c, err) {
		return
	}
	p, err := h.Store.UnitPhoto(c.Request.Context(), stamp.UnitID)
	if !h.found(c, err) {
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}

// favicon: browsers ask for /favicon.ico whatever the page links; send
// them to the content-hashed icon, which is cached for good.
func (h *Handler) favicon(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Redirect(http.StatusMovedPermanently, h.Renderer.Assets().URL("img/favicon.svg"))
}
