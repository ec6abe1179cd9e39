package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/database"
	"honestmeasure/internal/model"
	"honestmeasure/internal/opendata"
	"honestmeasure/internal/server"
)

// The Open311 GeoReport v2 facade (/open311/v2): read-only, over the
// concluded cases internal/opendata publishes. Field names are the spec's,
// each always present (null when there is nothing); nothing else is added,
// so that any GeoReport client reads it. Errors are the spec's array,
// [{"code": 400, "description": "…"}].

type open311Service struct {
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	Description string `json:"description"`
	Metadata    bool   `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

type open311Request struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       string   `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       *string  `json:"description"`
	AgencyResponsible string   `json:"agency_responsible"`
	ServiceNotice     *string  `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           string   `json:"address"`
	AddressID         *string  `json:"address_id"`
	Zipcode           *string  `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          *string  `json:"media_url"`
}

type open311Error struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// open311Refused answers with the spec's error array.
func open311Refused(c *gin.Context, status int, description string) {
	private(c)
	c.JSON(status, []open311Error{{Code: status, Description: description}})
}

func open311ServerError(c *gin.Context, err error) {
	server.Logger(c).Error("open311 request failed", "err", err)
	if database.IsUnavailable(err) {
		c.Header("Retry-After", "30")
		open311Refused(c, http.StatusServiceUnavailable, "service unavailable, try again")
		return
	}
	open311Refused(c, http.StatusInternalServerError, "internal error")
}

// publicLocalized marks a public answer that is the same for everyone
// asking in the same language.
func publicLocalized(c *gin.Context, maxAge int) {
	c.Header("Cache-Control", "public, max-age="+strconv.Itoa(maxAge))
	c.Header("Vary", "Accept-Language, Cookie")
}

// open311Services lists the report categories (reference data) as services.
func (h *Handler) open311Services(c *gin.Context) {
	l := server.Printer(c)
	out := make([]open311Service, 0, len(model.Categories))
	for _, cat := range model.Categories {
		out = append(out, open311Service{ServiceCode: string(cat), ServiceName: l.T("category." + string(cat)),
			Description: l.T("open311.service." + string(cat)), Metadata: false, Type: "realtime",
			Keywords: l.T("open311.keywords." + string(cat)), Group: l.T("open311.group")})
	}
	publicLocalized(c, 3600)
	c.JSON(http.StatusOK, out)
}

// open311Requests answers GET requests.json (see opendata.ParseQuery).
func (h *Handler) open311Requests(c *gin.Context) {
	q, err := opendata.ParseQuery(c.Request.URL.Query(), h.CityCode, h.now())
	var bad *opendata.QueryError
	if errors.As(err, &bad) {
		open311Refused(c, http.StatusBadRequest, bad.Description)
		return
	}
	h.open311List(c, q, false)
}

// open311Request answers GET requests/{service_request_id}.json: a list of
// one, as the spec says, or 404.
func (h *Handler) open311Request(c *gin.Context) {
	id, ok := strings.CutSuffix(c.Param("file"), ".json")
	if !ok {
		open311Refused(c, http.StatusNotFound, "not found (only .json is served)")
		return
	}
	no, ok := opendata.TrackingNoOf(id, h.CityCode)
	if !ok {
		open311Refused(c, http.StatusNotFound, "service request not found")
		return
	}
	h.open311List(c, opendata.Query{TrackingNos: []string{no}, Page: 1}, true)
}

func (h *Handler) open311List(c *gin.Context, q opendata.Query, one bool) {
	ctx := c.Request.Context()
	list, err := opendata.Requests(ctx, h.Store, h.CityCode, q)
	if err != nil {
		open311ServerError(c, err)
		return
	}
	if one && len(list) == 0 {
		open311Refused(c, http.StatusNotFound, "service request not found")
		return
	}
	districts, err := h.Store.Districts(ctx)
	if err != nil {
		open311ServerError(c, err)
		return
	}
	agencies, err := h.Store.Agencies(ctx)
	if err != nil {
		open311ServerError(c, err)
		return
	}
	l := server.Printer(c)
	districtName := map[int64]string{}
	for _, d := range districts {
		districtName[d.ID] = l.Pick(d.NameZh, d.NameEn)
	}
	agencyName := map[int64]string{}
	for _, a := range agencies {
		agencyName[a.ID] = l.Pick(a.NameZh, a.NameEn)
	}
	out := make([]open311Request, 0, len(list))
	for _, r := range list {
		notes := string(r.Case) + ": " + l.T("case_status."+string(r.Case))
		if r.Outcome != "" && l.Has("outcome."+r.Outcome) {
			notes += " · " + l.T("outcome."+r.Outcome)
		}
		req := open311Request{ServiceRequestID: r.ID, Status: r.Status, StatusNotes: notes,
			ServiceName: l.T("category." + string(r.Category)), ServiceCode: string(r.Category),
			Description: optString(r.Description), AgencyResponsible: agencyName[r.AgencyID],
			RequestedDatetime: timestamp(r.Requested), UpdatedDatetime: timestamp(r.Updated), Address: r.Address}
		if req.Address == "" {
			req.Address = districtName[r.DistrictID]
		}
		out = append(out, req)
	}
	publicLocalized(c, 300)
	c.JSON(http.StatusOK, out)
}
