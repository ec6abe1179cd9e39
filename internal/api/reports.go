package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
)

// reportJSON is the application/json request body. Amount and anonymous
// accept what hand-written clients send: a number or a string, a boolean or
// "true"/"false".
type reportJSON struct {
	Kind            string     `json:"kind"`
	Category        string     `json:"category"`
	Token           string     `json:"token"`
	District        string     `json:"district"`
	BusinessName    string     `json:"business_name"`
	BusinessAddress string     `json:"business_address"`
	Description     string     `json:"description"`
	Request         string     `json:"request"`
	IncidentAt      string     `json:"incident_at"`
	Amount          flexAmount `json:"amount"`
	ReporterName    string     `json:"reporter_name"`
	ReporterPhone   string     `json:"reporter_phone"`
	ReporterAddress string     `json:"reporter_address"`
	ReporterEmail   string     `json:"reporter_email"`
	Anonymous       flexBool   `json:"anonymous"`
	IdempotencyKey  string     `json:"idempotency_key"`
}

// flexAmount keeps the amount as typed, for reports.Submission to check.
type flexAmount string

func (a *flexAmount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*a = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = flexAmount(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*a = flexAmount(n.String())
	}
	return nil
}

type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*f = false
	case bool:
		*f = flexBool(v)
	case string:
		x, err := parseBool(v)
		if err != nil {
			return err
		}
		*f = flexBool(x)
	default:
		return errors.New("anonymous: want true or false")
	}
	return nil
}

// parseBool reads "true"/"false" (and an empty value as false). Anything
// else is refused rather than guessed: a misread "anonymous" would keep a
// name the reporter meant to withhold.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("anonymous: want true or false")
}

type receiptJSON struct {
	TrackingNumber string      `json:"tracking_number"`
	AccessCode     string      `json:"access_code"`
	Kind           string      `json:"kind"`
	Category       string      `json:"category"`
	Status         string      `json:"status"`
	Agency         *agencyJSON `json:"agency"`
	DecisionDueAt  string      `json:"decision_due_at"`
	Replayed       bool        `json:"replayed"`
}

type validationJSON struct {
	Error  string            `json:"error"`
	Errors map[string]string `json:"errors"`
}

type tooLargeJSON struct {
	Error    string `json:"error"`
	MaxBytes int64  `json:"max_bytes"`
}

type rateLimitedJSON struct {
	Error             string `json:"error"`
	RetryAfterSeconds int    `json:"retry_after_seconds"`
}

// The request's field names where they differ from reports.Submission's.
var apiField = map[string]string{"district_id": "district"}

// input is a parsed request: the submission as typed, the scanned token,
// the district code and the photos.
type input struct {
	sub      reports.Submission
	token    string
	district string
	photos   []intake.Upload
}

// submitReport files a complaint or tip. It never claims success for a
// report that was not stored: every failure after validation is a 503.
func (h *Handler) submitReport(c *gin.Context) {
	private(c)
	// The edge refused a declared oversize body before reading a byte of it
	// and cuts off one of unknown length (see Uploads).
	in, status, msg := readReport(c)
	if status != 0 {
		if status == http.StatusRequestEntityTooLarge {
			tooLarge(c)
			return
		}
		c.JSON(status, errorJSON{Error: msg})
		return
	}
	if key := strings.TrimSpace(c.GetHeader("Idempotency-Key")); key != "" {
		in.sub.IdempotencyKey = key
	}
	ctx := c.Request.Context()
	target, err := scan.ReportTarget(ctx, h.Store, h.QR, in.token)
	if err != nil {
		notSaved(c, err)
		return
	}
	if target.Unit == nil && in.district != "" {
		districts, err := h.Store.Districts(ctx)
		if err != nil {
			notSaved(c, err)
			return
		}
		for _, d := range districts {
			if d.Code == in.district {
				in.sub.DistrictID = strconv.FormatInt(d.ID, 10)
			}
		}
		// An unknown code leaves DistrictID empty: Validate names the field.
	}
	l := server.Printer(c)
	receipt, err := h.Intake.Submit(ctx, intake.Request{Submission: in.sub, Target: target, Photos: in.photos,
		ClientIP: c.ClientIP(), Locale: l.Lang})
	switch {
	case errors.Is(err, intake.ErrKeyReused):
		refused(c, fail.Field(fail.Invalid, "idempotency_key", "report.key_reused_api"), "reports")
		return
	case fail.KindOf(err) == fail.Internal && err != nil:
		notSaved(c, err) // the report was not stored: the client must send it again
		return
	case err != nil:
		refused(c, err, "reports")
		return
	}
	agency, err := h.Store.AgencyByID(ctx, receipt.Case.AgencyID)
	if err != nil {
		// The report is stored; only the agency's name is missing.
		server.Logger(c).Error("api receipt: agency lookup", "err", err)
	}
	status = http.StatusCreated
	if receipt.Replayed {
		status = http.StatusOK
	}
	c.Header("Location", "/api/v1/reports/"+receipt.Report.TrackingNo)
	c.JSON(status, receiptJSON{TrackingNumber: receipt.Report.TrackingNo, AccessCode: receipt.AccessCode,
		Kind: string(receipt.Report.Kind), Category: string(receipt.Report.Category), Status: string(receipt.Case.Status),
		Agency: agencyOf(agency), DecisionDueAt: timestamp(receipt.Case.DecisionDueAt), Replayed: receipt.Replayed})
}

func tooLarge(c *gin.Context) {
	// The rest of the body is not read: the connection closes after this.
	c.Header("Connection", "close")
	c.JSON(http.StatusRequestEntityTooLarge, tooLargeJSON{Error: "request body too large", MaxBytes: intake.MaxReportBody})
}

func notSaved(c *gin.Context, err error) {
	server.Logger(c).Error("api report not stored", "err", err)
	c.Header("Retry-After", "30")
	c.JSON(http.StatusServiceUnavailable, errorJSON{Error: "not saved, try again"})
}

// readReport parses the body by its content type. A non-zero status is the
// answer to give instead (400, 413 or 415) with its message.
func readReport(c *gin.Context) (input, int, string) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil {
		return input{}, http.StatusUnsupportedMediaType, "send application/json or multipart/form-data"
	}
	switch mt {
	case "application/json":
		return readJSON(c.Request.Body)
	case "multipart/form-data":
		return readMultipart(c)
	}
	return input{}, http.StatusUnsupportedMediaType, "send application/json or multipart/form-data"
}

func readJSON(body io.Reader) (input, int, string) {
	var j reportJSON
	dec := json.NewDecoder(body)
	err := dec.Decode(&j)
	if err == nil {
		// One JSON object and nothing after it.
		if _, err = dec.Token(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = errors.New("data after the JSON object")
		}
	}
	if err != nil {
		if tooBig(err) {
			return input{}, http.StatusRequestEntityTooLarge, ""
		}
		return input{}, http.StatusBadRequest, "malformed JSON body"
	}
	return input{token: strings.TrimSpace(j.Token), district: strings.TrimSpace(j.District),
		sub: reports.Submission{Kind: j.Kind, Category: j.Category, BusinessName: j.BusinessName, BusinessAddress: j.BusinessAddress,
			Description: j.Description, Request: j.Request, IncidentAt: j.IncidentAt, Amount: string(j.Amount),
			ReporterName: j.ReporterName, ReporterPhone: j.ReporterPhone, ReporterAddress: j.ReporterAddress,
			ReporterEmail: j.ReporterEmail, Anonymous: bool(j.Anonymous), IdempotencyKey: j.IdempotencyKey}}, 0, ""
}

func readMultipart(c *gin.Context) (input, int, string) {
	// The edge parsed the body within reportUpload's limits: text in
	// memory, photos in temporary files read when their turn to be
	// processed comes (intake.Upload).
	up := server.UploadOf(c)
	switch {
	case up == nil:
		return input{}, http.StatusBadRequest, "malformed multipart body"
	case up.TooLarge:
		return input{}, http.StatusRequestEntityTooLarge, ""
	case up.Busy:
		return input{}, http.StatusServiceUnavailable, "busy, try again"
	}
	v := c.PostForm
	anonymous, err := parseBool(v("anonymous"))
	if err != nil {
		return input{}, http.StatusBadRequest, "anonymous: want true or false"
	}
	in := input{token: strings.TrimSpace(v("token")), district: strings.TrimSpace(v("district")),
		sub: reports.Submission{Kind: v("kind"), Category: v("category"), BusinessName: v("business_name"),
			BusinessAddress: v("business_address"), Description: v("description"), Request: v("request"),
			IncidentAt: v("incident_at"), Amount: v("amount"), ReporterName: v("reporter_name"), ReporterPhone: v("reporter_phone"),
			ReporterAddress: v("reporter_address"), ReporterEmail: v("reporter_email"), Anonymous: anonymous,
			IdempotencyKey: v("idempotency_key")}}
	for _, f := range up.FilesOf("photos") {
		in.photos = append(in.photos, f.ReadAll)
	}
	return in, 0, ""
}

func tooBig(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}
