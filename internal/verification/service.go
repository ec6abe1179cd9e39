// Package verification takes in what legal verification bodies record —
// certificates, fail notices, cancellations — by their system's JSON API or
// their staff's file upload, matches each record to a registered instrument,
// and files a conflict wherever a body's record and a merchant's
// declaration disagree. A body's record is the authority: the scan page
// marks it confirmed, and a body's fail notice makes the instrument failed
// on the next scan whatever the merchant declared (model.Current).
//
// Every use case owns its transaction, audit entry and notices; the HTTP
// edges parse, call and render. docs/verification.md describes the rules.
package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Service is the intake of bodies' records and the conflict queue.
type Service struct {
	Store   *storage.Store
	Audit   *audit.Log
	BaseURL string
	Now     func() time.Time
	// UnconfirmedAfterDays is how long a merchant's declaration may wait
	// for a body's record before it is a conflict (0: 30 days).
	UnconfirmedAfterDays int
	// Tips opens the internal tip an officer asks for from a conflict; nil
	// disables that action.
	Tips TipOpener
}

// TipOpener files an internal tip (a case) about a unit; intake does it.
type TipOpener interface {
	OpenInternalTip(ctx context.Context, who audit.Actor, unit *model.Unit, ins *model.Instrument, category model.Category, text string) (*model.Case, error)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) unconfirmedAfter() int {
	if s.UnconfirmedAfterDays > 0 {
		return s.UnconfirmedAfterDays
	}
	return 30
}

// Sender is who sends a body's records: its system by an API token, or one
// of its staff signed in.
type Sender struct {
	Body      *model.VerificationBody
	User      *model.User // nil for the API
	TokenHint string      // the API token's hint, for the audit
	IP        string
}

func (w Sender) actor() audit.Actor { return audit.Actor{User: w.User, IP: w.IP} }

func (w Sender) event(e audit.Event) audit.Event {
	e = e.By(w.actor())
	if w.User == nil {
		e.Actor = "body:" + w.Body.Code + " token:" + w.TokenHint
	}
	return e
}

// MaxBatch is the most records one API request carries.
const MaxBatch = 500

// Errors of the vocabulary (internal/fail) the edges map.
var (
	ErrKeyRequired = fail.Field(fail.Invalid, "idempotency_key", "verification.key_required")
	ErrKeyReused   = fail.Field(fail.Conflict, "idempotency_key", "verification.key_reused")
	ErrBatchSize   = fail.Field(fail.Invalid, "records", "verification.batch_size", MaxBatch)
	ErrNotFound    = fail.New(fail.NotFound, "import not found")
	ErrNotWaiting  = storage.ErrConflict.WithField("import", "verification.import_moved")
)

// BatchResult is the API's answer to a batch: one outcome per record, in
// order. It is stored with the batch and replayed for a repeated key.
type BatchResult struct {
	ImportID  int64          `json:"import_id"`
	New       int            `json:"new"`
	Unchanged int            `json:"unchanged"`
	Refused   int            `json:"refused"`
	Results   []RecordResult `json:"results"`
	Replayed  bool           `json:"-"`
}

// RecordResult is one record's outcome in a BatchResult.
type RecordResult struct {
	Index     int                  `json:"index"`
	Outcome   model.RowOutcome     `json:"outcome"`
	RecordID  int64                `json:"record_id,omitempty"`
	Matched   bool                 `json:"matched"`
	Conflicts []model.ConflictKind `json:"conflicts,omitempty"`
	Problems  []Problem            `json:"problems,omitempty"`
}

// Problem is one refused field, by message key (the edge words it).
type Problem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Args    []any  `json:"args,omitempty"`
	Message string `json:"message,omitempty"` // Code worded in the request's language, by the edge
}

func problemsOf(errs form.Errors) []Problem {
	var out []Problem
	for _, f := range sortedFields(errs) {
		out = append(out, Problem{Field: f, Code: errs[f].Key, Args: errs[f].Args})
	}
	return out
}

// SubmitBatch takes a batch from a body's system. The idempotency key is
// required: the same key with the same records answers what the first
// request got, without writing again; with other records it is refused.
// Each record is stored in a transaction of its own, so one bad record
// never loses the others; re-sending a stored record is "unchanged".
func (s *Service) SubmitBatch(ctx context.Context, w Sender, key string, recs []Record) (*BatchResult, error) {
	if key == "" || len(key) > 100 {
		return nil, ErrKeyRequired
	}
	if len(recs) == 0 || len(recs) > MaxBatch {
		return nil, ErrBatchSize
	}
	hash := batchHash(recs)
	if prev, err := s.replay(ctx, w.Body.ID, key, hash); !errors.Is(err, storage.ErrNotFound) {
		return prev, err
	}
	now := s.now()
	batch := &model.VerificationImport{VerificationBodyID: w.Body.ID, Channel: model.ImportAPI, IdempotencyKey: &key,
		RequestHash: hash, Status: model.ImportRunning, TotalRows: len(recs), CreatedAt: now, StartedAt: &now}
	if w.User != nil {
		batch.CreatedBy = &w.User.ID
	}
	if err := s.Store.CreateImport(ctx, batch); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			// The same key raced in: answer what the first request got.
			return s.replay(ctx, w.Body.ID, key, hash)
		}
		return nil, err
	}
	res := &BatchResult{ImportID: batch.ID, Results: make([]RecordResult, len(recs))}
	today := model.DateOf(now)
	for i := range recs {
		out, err := s.applyOne(ctx, w.Body, &batch.ID, &recs[i], today)
		if err != nil {
			_ = s.Store.UpdateImport(context.WithoutCancel(ctx), batch.ID, []model.ImportStatus{model.ImportRunning},
				map[string]any{"status": model.ImportFailed, "error": "server error at record " + strconv.Itoa(i)})
			return nil, err
		}
		res.Results[i] = RecordResult{Index: i, Outcome: out.Outcome, RecordID: out.RecordID, Matched: out.Matched,
			Conflicts: out.Conflicts, Problems: problemsOf(out.Problems)}
		res.count(out.Outcome)
	}
	body, _ := json.Marshal(res)
	answer := string(body)
	finished := s.now()
	err := s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateImport(ctx, batch.ID, []model.ImportStatus{model.ImportRunning}, map[string]any{
			"status": model.ImportDone, "done_rows": len(recs), "new_rows": res.New, "unchanged_rows": res.Unchanged,
			"refused_rows": res.Refused, "response": answer, "finished_at": finished}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, w.event(importEvent(batch, res.New, res.Unchanged, res.Refused)))
	})
	return res, err
}

func (r *BatchResult) count(o model.RowOutcome) {
	switch o {
	case model.RowNew:
		r.New++
	case model.RowUnchanged:
		r.Unchanged++
	default:
		r.Refused++
	}
}

func importEvent(b *model.VerificationImport, added, unchanged, refused int) audit.Event {
	return audit.Event{Action: audit.ActionVerificationImport, ObjectType: audit.ObjectImport, ObjectID: strconv.FormatInt(b.ID, 10),
		After: map[string]any{"body_id": b.VerificationBodyID, "channel": b.Channel, "file": b.FileName, "request_hash": b.RequestHash,
			"rows": b.TotalRows, "new": added, "unchanged": unchanged, "refused": refused}}
}

// replay answers a repeated idempotency key; ErrNotFound when the key is new.
func (s *Service) replay(ctx context.Context, bodyID int64, key, hash string) (*BatchResult, error) {
	prev, err := s.Store.ImportByKey(ctx, bodyID, key)
	if err != nil {
		return nil, err
	}
	if prev.RequestHash != hash {
		return nil, ErrKeyReused
	}
	if prev.Response == nil {
		// The first request is still running (or died): the client
		// retries later and gets its answer then.
		return nil, fail.Field(fail.Unavailable, "idempotency_key", "verification.key_in_progress")
	}
	var res BatchResult
	if err := json.Unmarshal([]byte(*prev.Response), &res); err != nil {
		return nil, err
	}
	res.Replayed = true
	return &res, nil
}

func batchHash(recs []Record) string {
	b, _ := json.Marshal(recs)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// applyOne checks and stores one record in its own transaction.
func (s *Service) applyOne(ctx context.Context, body *model.VerificationBody, batchID *int64, r *Record, today time.Time) (Outcome, error) {
	rec, errs := Check(r, today)
	if errs.Any() {
		return Outcome{Outcome: model.RowRefused, Problems: errs}, nil
	}
	var out Outcome
	err := s.Store.Tx(ctx, func(tx *storage.Store) error {
		// apply fills in rec from what it reads (the record it supersedes,
		// the matched unit and instrument): each attempt of the
		// transaction starts again from the checked record.
		attempt := *rec
		var err error
		out, err = s.apply(ctx, tx, body, batchID, r, &attempt)
		return err
	})
	if errors.Is(err, errRaced) {
		return refusedOutcome("supersedes", "verification.already_revoked"), nil
	}
	return out, err
}
