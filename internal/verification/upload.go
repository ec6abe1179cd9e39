package verification

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/sheet"
	"honestmeasure/internal/storage"
)

// A Column of the upload template: the field of Record it fills, its
// Chinese header (what the template says and Excel users type), and
// whether every row needs it. A file may also head a column with the
// field's own name (certificate_no), as the API spells it.
type Column struct {
	Field    string
	Header   string
	Required bool
	Example  string
}

// Columns is the upload template, in order. One list: the template, the
// header check, the per-row error report and the docs all read it.
var Columns = []Column{
	{"kind", "记录类别", true, "检定证书"},
	{"certificate_no", "证书编号", true, "JD2026-000123"},
	{"body_record_no", "机构业务编号", false, "YW-2026-0456"},
	{"submitter_name", "送检单位", true, "常州市某某生鲜店"},
	{"submitter_uscc", "送检单位统一社会信用代码", true, "91320402MA1XXXXXXX"},
	{"instrument_type", "器具类型代码", false, "price_scale"},
	{"instrument_name", "器具名称", false, "电子计价秤"},
	{"instrument_model", "型号规格", false, "ACS-15"},
	{"instrument_serial", "出厂编号", true, "SN2024001"},
	{"instrument_maker", "制造单位", false, "某某衡器有限公司"},
	{"identity_code", "生产码", false, ""},
	{"conclusion", "检定结论", false, "合格"},
	{"accuracy_class", "准确度等级", false, "Ⅲ"},
	{"regulation", "检定依据", false, "JJG 539-2016"},
	{"verified_on", "检定日期", true, "2026-03-05"},
	{"valid_until", "有效期至", false, "2027-03-04"},
	{"verifier", "检定员", false, ""},
	{"checker", "核验员", false, ""},
	{"approver", "批准人", false, ""},
	{"issued_at", "签发时间", false, ""},
	{"supersedes", "更正的证书编号", false, ""},
}

// HeaderOf is the Chinese header of a Record field ("" for none).
func HeaderOf(field string) string {
	for _, c := range Columns {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}

func (c Column) set(r *Record, v string) {
	for _, f := range fieldLimits {
		if f.field == c.Field {
			*f.value(r) = v
		}
	}
}

// ErrHeader refuses a file whose first row is not the template's header.
type HeaderError struct {
	Unknown []string // headers that name no column
	Missing []string // required columns absent
	Twice   []string // columns named more than once
}

func (e *HeaderError) Error() string { return "the file's header does not match the template" }

// headerKey is a header cell as compared: spaces and a required-marker
// asterisk gone, full-width made half-width, lower case.
func headerKey(h string) string {
	return strings.ToLower(strings.Trim(model.SerialKey(h), "*"))
}

// mapHeader returns, per file column, the template column it is (nil for
// an empty header cell).
func mapHeader(header []string) ([]*Column, error) {
	byKey := map[string]*Column{}
	for i := range Columns {
		byKey[headerKey(Columns[i].Header)] = &Columns[i]
		byKey[headerKey(Columns[i].Field)] = &Columns[i]
	}
	out := make([]*Column, len(header))
	seen := map[string]bool{}
	herr := &HeaderError{}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		c, ok := byKey[headerKey(h)]
		switch {
		case !ok:
			herr.Unknown = append(herr.Unknown, strings.TrimSpace(h))
		case seen[c.Field]:
			herr.Twice = append(herr.Twice, c.Header)
		default:
			seen[c.Field] = true
			out[i] = c
		}
	}
	for _, c := range Columns {
		if c.Required && !seen[c.Field] {
			herr.Missing = append(herr.Missing, c.Header)
		}
	}
	if herr.Unknown != nil || herr.Missing != nil || herr.Twice != nil {
		return nil, herr
	}
	return out, nil
}

// Row is one data row of an uploaded file: its number as the spreadsheet
// shows it, its cells, and which cells held a formula.
type Row struct {
	No      int
	Cells   []string
	Formula []bool
}

// Rows yields an uploaded file's header, then its rows; io.EOF ends it.
type Rows interface {
	Header() ([]string, error)
	Next() (Row, error)
}

// DateParser turns a date cell (any form the file may hold: 2026-03-05,
// 2026/3/5, 2026年3月5日, an Excel serial) into a date.
type DateParser func(string) (time.Time, error)

// MaxUploadRows bounds one file: a body uploads a month of certificates,
// not its archive.
const MaxUploadRows = 50000

// Upload errors.
var (
	ErrTooManyRows = fail.Field(fail.Invalid, "file", "verification.too_many_rows", MaxUploadRows)
	ErrNoRows      = fail.Field(fail.Invalid, "file", "verification.no_rows")
)

// Stage checks every row of an uploaded file against the stored records —
// writing none of them — and keeps the rows with their outcomes as a
// preview the sender confirms or discards. A file that cannot be read, or
// whose header is wrong, leaves nothing behind.
func (s *Service) Stage(ctx context.Context, w Sender, fileName string, rows Rows, parseDate DateParser) (*model.VerificationImport, error) {
	header, err := rows.Header()
	if err != nil {
		return nil, err
	}
	cols, err := mapHeader(header)
	if err != nil {
		return nil, err
	}
	now := s.now()
	batch := &model.VerificationImport{VerificationBodyID: w.Body.ID, Channel: model.ImportUpload, FileName: trimName(fileName),
		Status: model.ImportChecking, CreatedAt: now}
	if w.User != nil {
		batch.CreatedBy = &w.User.ID
	}
	if err := s.Store.CreateImport(ctx, batch); err != nil {
		return nil, err
	}
	abandon := func(err error) (*model.VerificationImport, error) {
		// Nothing partial: the rows checked so far go with the batch.
		_ = s.Store.DeleteImport(context.WithoutCancel(ctx), batch.ID)
		return nil, err
	}
	today := model.DateOf(now)
	inFile := map[string]string{} // kind + certificate number → payload hash, for repeats within the file
	counts := map[model.RowOutcome]int{}
	chunk := make([]model.ImportRow, 0, 200)
	total := 0
	for {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return abandon(err)
		}
		if blank(row.Cells) {
			continue
		}
		total++
		if total > MaxUploadRows {
			return abandon(ErrTooManyRows)
		}
		r, errs := fromRow(cols, row, parseDate)
		out := Outcome{Outcome: model.RowRefused, Problems: errs}
		if !errs.Any() {
			if out, err = s.preview(ctx, w.Body.ID, &r, today, inFile); err != nil {
				return abandon(err)
			}
		}
		chunk = append(chunk, stagedRow(batch.ID, row.No, &r, out))
		counts[chunk[len(chunk)-1].Outcome]++
		if len(chunk) == cap(chunk) {
			if err := s.Store.AddImportRows(ctx, chunk); err != nil {
				return abandon(err)
			}
			chunk = chunk[:0]
		}
	}
	if total == 0 {
		return abandon(ErrNoRows)
	}
	if err := s.Store.AddImportRows(ctx, chunk); err != nil {
		return abandon(err)
	}
	set := map[string]any{"status": model.ImportPreviewed, "total_rows": total, "new_rows": counts[model.RowPending],
		"unchanged_rows": counts[model.RowUnchanged], "refused_rows": counts[model.RowRefused]}
	if err := s.Store.UpdateImport(ctx, batch.ID, []model.ImportStatus{model.ImportChecking}, set); err != nil {
		return abandon(err)
	}
	return s.Store.ImportByID(ctx, batch.ID)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func trimName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	return name
}

// fromRow reads a row into a Record: dates in whatever form the file holds
// become YYYY-MM-DD; a formula is refused, since what Excel shows for it is
// not what a certificate says.
func fromRow(cols []*Column, row Row, parseDate DateParser) (Record, form.Errors) {
	var r Record
	errs := form.Errors{}
	for i, v := range row.Cells {
		if i >= len(cols) || cols[i] == nil {
			continue
		}
		c := cols[i]
		if i < len(row.Formula) && row.Formula[i] {
			errs.Add(c.Field, "verification.formula")
			continue
		}
		v = strings.TrimSpace(v)
		if v != "" && (c.Field == "verified_on" || c.Field == "valid_until") {
			d, err := parseDate(v)
			if err != nil {
				errs.Add(c.Field, "verification.date_invalid")
				continue
			}
			v = d.Format(time.DateOnly)
		}
		c.set(&r, v)
	}
	return r, errs
}

// preview is what importing r would do now, without writing; inFile holds
// the records earlier rows of the same file would have stored.
func (s *Service) preview(ctx context.Context, bodyID int64, r *Record, today time.Time, inFile map[string]string) (Outcome, error) {
	rec, errs := Check(r, today)
	if errs.Any() {
		return Outcome{Outcome: model.RowRefused, Problems: errs}, nil
	}
	key := string(rec.Kind) + "\x00" + rec.CertificateNo
	if hash, seen := inFile[key]; seen {
		if hash == rec.PayloadHash {
			return Outcome{Outcome: model.RowUnchanged}, nil
		}
		return refusedOutcome("certificate_no", "verification.repeated_in_file"), nil
	}
	out, _, err := s.prior(ctx, s.Store, bodyID, r, rec)
	if err != nil {
		return Outcome{}, err
	}
	if out.Outcome == model.RowRefused && s.resolvedInFile(r, rec, out, inFile) {
		out = Outcome{Outcome: model.RowNew}
	}
	if out.Outcome == model.RowNew {
		inFile[key] = rec.PayloadHash
		out.Outcome = model.RowPending
	}
	return out, nil
}

// resolvedInFile: the record a row supersedes or cancels is not stored yet
// but an earlier row of the same file brings it.
func (s *Service) resolvedInFile(r *Record, rec *model.VerificationRecord, out Outcome, inFile map[string]string) bool {
	target, field := r.Supersedes, "supersedes"
	if rec.Kind == model.KindCancellation {
		target, field = rec.CertificateNo, "certificate_no"
	}
	m, ok := out.Problems[field]
	if !ok || (m.Key != "verification.supersedes_unknown" && m.Key != "verification.cancel_unknown") {
		return false
	}
	_, cert := inFile[string(model.KindCertificate)+"\x00"+target]
	_, notice := inFile[string(model.KindFailNotice)+"\x00"+target]
	return cert || notice
}

func stagedRow(batchID int64, no int, r *Record, out Outcome) model.ImportRow {
	payload, _ := json.Marshal(r)
	row := model.ImportRow{ImportID: batchID, RowNo: no, Payload: string(payload), Outcome: out.Outcome}
	if out.Problems.Any() {
		b, _ := json.Marshal(problemsOf(out.Problems))
		p := string(b)
		row.Problems = &p
	}
	return row
}

func sortedFields(errs form.Errors) []string {
	fields := make([]string, 0, len(errs))
	for f := range errs {
		fields = append(fields, f)
	}
	// Template order, so a report reads left to right like the file.
	order := map[string]int{}
	for i, c := range Columns {
		order[c.Field] = i
	}
	sort.Slice(fields, func(i, j int) bool {
		oi, iok := order[fields[i]]
		oj, jok := order[fields[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return fields[i] < fields[j]
	})
	return fields
}

// OwnImport finds a batch of the sender's body; another body's batch is
// not found.
func (s *Service) OwnImport(ctx context.Context, w Sender, id int64) (*model.VerificationImport, error) {
	b, err := s.Store.ImportByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && b.VerificationBodyID != w.Body.ID) {
		return nil, ErrNotFound
	}
	return b, err
}

// Confirm queues a previewed batch for import. The rows are imported by
// Step, in chunks: from the progress page, and by every instance's worker
// (Work), so an import goes on when the page is closed.
func (s *Service) Confirm(ctx context.Context, w Sender, id int64) (*model.VerificationImport, error) {
	b, err := s.OwnImport(ctx, w, id)
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateImport(ctx, b.ID, []model.ImportStatus{model.ImportPreviewed}, map[string]any{"status": model.ImportQueued}); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, ErrNotWaiting
		}
		return nil, err
	}
	return s.Store.ImportByID(ctx, b.ID)
}

// Discard drops a previewed batch: nothing of it was written.
func (s *Service) Discard(ctx context.Context, w Sender, id int64) error {
	b, err := s.OwnImport(ctx, w, id)
	if err != nil {
		return err
	}
	if err := s.Store.UpdateImport(ctx, b.ID, []model.ImportStatus{model.ImportPreviewed}, map[string]any{"status": model.ImportDiscarded}); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return ErrNotWaiting
		}
		return err
	}
	return s.Store.DeleteImportRows(ctx, b.ID)
}

// stepChunk is how many rows one lease renewal covers.
const stepChunk = 100

// leaseFor is how long a claim on a batch lasts without renewal: longer
// than a chunk ever takes, short enough that a dead instance's batch is
// picked up soon.
const leaseFor = time.Minute

// Step imports rows of a queued (or abandoned) batch for about budget and
// returns the batch as it stands. ErrConflict from the store means another
// request or instance holds the batch: the caller just shows progress.
func (s *Service) Step(ctx context.Context, id int64, budget time.Duration) (*model.VerificationImport, error) {
	start := s.now()
	if err := s.Store.ClaimImport(ctx, id, start, start.Add(leaseFor)); err != nil {
		return nil, err
	}
	b, err := s.Store.ImportByID(ctx, id)
	if err != nil {
		return nil, err
	}
	body, err := s.Store.VerificationBodyByID(ctx, b.VerificationBodyID)
	if err != nil {
		return nil, err
	}
	today := model.DateOf(start)
	for {
		rows, err := s.Store.PendingImportRows(ctx, id, stepChunk)
		if err != nil {
			return nil, err
		}
		if err := s.importRows(ctx, body, b, rows, today); err != nil {
			return nil, err
		}
		counts, err := s.Store.CountImportRows(ctx, id)
		if err != nil {
			return nil, err
		}
		set := map[string]any{"done_rows": b.TotalRows - counts[model.RowPending], "new_rows": counts[model.RowNew],
			"unchanged_rows": counts[model.RowUnchanged], "refused_rows": counts[model.RowRefused],
			"locked_until": s.now().Add(leaseFor)}
		finished := counts[model.RowPending] == 0
		if finished {
			set["status"], set["finished_at"], set["locked_until"] = model.ImportDone, s.now(), nil
		}
		err = s.Store.Tx(ctx, func(tx *storage.Store) error {
			if err := tx.UpdateImport(ctx, id, []model.ImportStatus{model.ImportRunning}, set); err != nil {
				return err
			}
			if !finished {
				return nil
			}
			e := importEvent(b, counts[model.RowNew], counts[model.RowUnchanged], counts[model.RowRefused])
			e.ActorID, e.Actor = b.CreatedBy, "body:"+body.Code
			return s.Audit.Record(ctx, tx, e)
		})
		if err != nil {
			return nil, err
		}
		if !finished && s.now().Sub(start) >= budget {
			// Let go of the batch: the next step, from this page or any
			// instance's worker, claims it at once. The lease only guards
			// a step while it runs.
			if err := s.Store.UpdateImport(ctx, id, []model.ImportStatus{model.ImportRunning}, map[string]any{"locked_until": nil}); err != nil {
				return nil, err
			}
		}
		if finished || s.now().Sub(start) >= budget {
			return s.Store.ImportByID(ctx, id)
		}
	}
}

// StepOwn is Step for the sender's own batch, as the progress page calls
// it: when another request or instance holds the batch, it answers the
// batch as it stands instead.
func (s *Service) StepOwn(ctx context.Context, w Sender, id int64, budget time.Duration) (*model.VerificationImport, error) {
	if _, err := s.OwnImport(ctx, w, id); err != nil {
		return nil, err
	}
	b, err := s.Step(ctx, id, budget)
	if errors.Is(err, storage.ErrConflict) {
		return s.Store.ImportByID(ctx, id)
	}
	return b, err
}

// rowsPerTx is how many staged rows share a transaction: one commit (one
// log flush on MariaDB) per row made the import wait on the disk, and a
// few dozen rows hold SQLite's write lock for only a few milliseconds.
const rowsPerTx = 50

// importRows imports staged rows rowsPerTx to a transaction, each row's
// outcome written with it. When a transaction fails (a record raced with
// another request, a server error), its rows are imported again one by one,
// so a single row never takes its neighbours down with it. A crash between
// transactions loses nothing: those rows are still pending, and a row
// imported before the crash repeats as "unchanged".
func (s *Service) importRows(ctx context.Context, body *model.VerificationBody, b *model.VerificationImport, rows []model.ImportRow, today time.Time) error {
	for start := 0; start < len(rows); start += rowsPerTx {
		chunk := rows[start:min(start+rowsPerTx, len(rows))]
		err := s.Store.Tx(ctx, func(tx *storage.Store) error {
			for i := range chunk {
				if err := s.importRowIn(ctx, tx, body, b, &chunk[i], today); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			continue
		}
		for i := range chunk {
			if err := s.importRow(ctx, body, b, &chunk[i], today); err != nil {
				return err
			}
		}
	}
	return nil
}

// importRow imports one staged row in a transaction of its own.
func (s *Service) importRow(ctx context.Context, body *model.VerificationBody, b *model.VerificationImport, row *model.ImportRow, today time.Time) error {
	err := s.Store.Tx(ctx, func(tx *storage.Store) error { return s.importRowIn(ctx, tx, body, b, row, today) })
	if errors.Is(err, errRaced) {
		var r Record
		_ = json.Unmarshal([]byte(row.Payload), &r)
		row.Outcome, row.RecordID = model.RowRefused, nil
		row.Problems = stagedRow(b.ID, row.RowNo, &r, refusedOutcome("supersedes", "verification.already_revoked")).Problems
		return s.Store.SetImportRow(ctx, row)
	}
	return err
}

// importRowIn imports one staged row and records its outcome in tx.
func (s *Service) importRowIn(ctx context.Context, tx *storage.Store, body *model.VerificationBody, b *model.VerificationImport, row *model.ImportRow, today time.Time) error {
	var r Record
	if err := json.Unmarshal([]byte(row.Payload), &r); err != nil {
		return err
	}
	rec, errs := Check(&r, today)
	out := Outcome{Outcome: model.RowRefused, Problems: errs}
	if !errs.Any() {
		var err error
		if out, err = s.apply(ctx, tx, body, &b.ID, &r, rec); err != nil {
			return err
		}
	}
	row.Outcome, row.RecordID = out.Outcome, nil
	row.Problems = stagedRow(b.ID, row.RowNo, &r, out).Problems
	if out.RecordID != 0 {
		row.RecordID = &out.RecordID
	}
	return tx.SetImportRow(ctx, row)
}

// Work imports waiting batches until ctx ends: every instance runs it, and
// the lease makes one of them take each batch at a time.
func (s *Service) Work(ctx context.Context, every time.Duration, logf func(msg string, args ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ids, err := s.Store.WaitingImports(ctx, s.now(), 10)
		if err != nil && ctx.Err() == nil {
			logf("listing waiting imports failed", "err", err)
		}
		for _, id := range ids {
			if _, err := s.Step(ctx, id, 10*time.Second); err != nil && !errors.Is(err, storage.ErrConflict) && ctx.Err() == nil {
				logf("import step failed", "import", id, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RefusedRow is a row the import refused, for the error report.
type RefusedRow struct {
	RowNo    int
	Problems []Problem
}

// Refused lists the refused rows of the sender's batch after row afterRow.
func (s *Service) Refused(ctx context.Context, w Sender, id int64, afterRow, limit int) ([]RefusedRow, error) {
	if _, err := s.OwnImport(ctx, w, id); err != nil {
		return nil, err
	}
	rows, err := s.Store.ImportRows(ctx, id, model.RowRefused, afterRow, limit)
	if err != nil {
		return nil, err
	}
	out := make([]RefusedRow, len(rows))
	for i, r := range rows {
		out[i].RowNo = r.RowNo
		if r.Problems != nil {
			if err := json.Unmarshal([]byte(*r.Problems), &out[i].Problems); err != nil {
				return nil, err
			}
			for _, p := range out[i].Problems {
				for k, a := range p.Args {
					if f, ok := a.(float64); ok && f == float64(int(f)) {
						p.Args[k] = int(f) // JSON made the message's %d a float
					}
				}
			}
		}
	}
	return out, nil
}

// ProgressPercent is how far an import is, for the progress bar.
func ProgressPercent(b *model.VerificationImport) int {
	switch {
	case b.Status == model.ImportDone:
		return 100
	case b.TotalRows == 0:
		return 0
	default:
		return b.DoneRows * 100 / b.TotalRows
	}
}

// StaffSender is the sender a signed-in user of a verification body acts
// as; NotFound for anyone else (the page is answered as if absent).
func (s *Service) StaffSender(ctx context.Context, who *model.User, ip string) (Sender, error) {
	if who == nil || who.Role != model.RoleVerificationBody || who.VerificationBodyID == nil {
		return Sender{}, ErrNotFound
	}
	body, err := s.Store.VerificationBodyByID(ctx, *who.VerificationBodyID)
	if errors.Is(err, storage.ErrNotFound) {
		return Sender{}, ErrNotFound
	}
	return Sender{Body: body, User: who, IP: ip}, err
}

// Imports lists the sender's recent batches.
func (s *Service) Imports(ctx context.Context, w Sender, limit int) ([]model.VerificationImport, error) {
	return s.Store.Imports(ctx, w.Body.ID, limit)
}

// SheetRows reads an uploaded file opened by internal/sheet as Rows.
func SheetRows(r *sheet.Reader) Rows { return sheetRows{r} }

type sheetRows struct{ r *sheet.Reader }

func (s sheetRows) Header() ([]string, error) { return s.r.Header().Values(), nil }

func (s sheetRows) Next() (Row, error) {
	row, err := s.r.Next()
	if err != nil {
		return Row{}, err
	}
	out := Row{No: row.Number, Cells: make([]string, len(row.Cells)), Formula: make([]bool, len(row.Cells))}
	for i, c := range row.Cells {
		out.Cells[i], out.Formula[i] = c.Value, c.Formula
	}
	return out, nil
}

// SheetDates parses date cells of r's file (Excel serials by its date
// system).
func SheetDates(r *sheet.Reader) DateParser {
	return func(v string) (time.Time, error) { return sheet.ParseDate(v, r.Date1904()) }
}
