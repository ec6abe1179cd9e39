package ui

import (
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
)

// conflictWording names, for each kind of conflict, the facts
// (verification.Detail keys) its sentences take, in order: what the body
// says and what the merchant declared (the officer's queue), and the plain
// words the merchant reads. The sentences are the catalogue's
// conflict.body.<kind>, conflict.declared.<kind> and conflict.merchant.<kind>.
var conflictWording = map[model.ConflictKind]struct{ body, declared, merchant []string }{
	model.ConflictCertificateNo: {
		body: []string{"body_certificate"}, declared: []string{"declared_certificate"},
		merchant: []string{"body_certificate", "declared_certificate"}},
	model.ConflictDates: {
		body: []string{"body_verified_on", "body_valid_until"}, declared: []string{"declared_verified_on", "declared_valid_until"},
		merchant: []string{"body_certificate", "body_verified_on", "body_valid_until", "declared_verified_on", "declared_valid_until"}},
	model.ConflictFailDeclared: {
		body: []string{"body_certificate", "body_verified_on"}, declared: []string{"declared_certificate"},
		merchant: []string{"body_certificate", "body_verified_on", "declared_certificate"}},
	model.ConflictIdentity: {
		body: []string{"body_identity"}, declared: []string{"declared_identity"},
		merchant: []string{"body_identity", "declared_identity"}},
	model.ConflictUnregistered: {
		body: []string{"body_certificate", "serial"}, declared: nil,
		merchant: []string{"serial", "body_certificate"}},
	model.ConflictUnconfirmed: {
		body: nil, declared: []string{"declared_certificate", "declared_verified_on"},
		merchant: []string{"declared_certificate", "declared_verified_on"}},
}

// conflictSentence words one side (part: body, declared or merchant) of a
// conflict of kind from its facts; a fact nobody gave shows as a dash.
func conflictSentence(l *locale.Printer, part string, kind model.ConflictKind, facts map[string]string) string {
	w, ok := conflictWording[kind]
	if !ok {
		return ""
	}
	names := map[string][]string{"body": w.body, "declared": w.declared, "merchant": w.merchant}[part]
	args := make([]any, len(names))
	for i, n := range names {
		v := facts[n]
		if v == "" {
			v = "—"
		}
		args[i] = v
	}
	return l.T("conflict."+part+"."+string(kind), args...)
}
