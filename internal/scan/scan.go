// Package scan decides what a scanned QR code means: genuine and current,
// replaced by a reprint, or not issued by the platform at all (forged,
// altered or made up). It reads issued tokens through internal/storage and
// renders nothing.
package scan

import (
	"context"
	"errors"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

// Status is the verdict on a scanned token.
type Status int

const (
	// Genuine: issued by the platform and still current.
	Genuine Status = iota + 1
	// Replaced: genuine but revoked by a reprint; the sticker is old.
	Replaced
	// NotIssued: the MAC does not verify, the token is malformed, or it was
	// never issued. The citizen is warned it may be counterfeit.
	NotIssued
)

// Result is what a token resolved to. Ref is meaningful for Genuine and
// Replaced only.
type Result struct {
	Status Status
	Ref    qr.Ref
	Token  *model.QRToken
}

// Resolve checks token's signature, then whether that version was issued
// and is still current.
func Resolve(ctx context.Context, st *storage.Store, signer *qr.Signer, token string) (Result, error) {
	ref, err := signer.Parse(token)
	if err != nil {
		return Result{Status: NotIssued}, nil
	}
	tok, err := st.QRTokenFor(ctx, ref.Kind, ref.ID, ref.Version)
	if errors.Is(err, storage.ErrNotFound) {
		// Signed with our key but never issued: only possible if the key
		// leaked, or rows were lost. Either way not a code we stand behind.
		return Result{Status: NotIssued}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if tok.RevokedAt != nil {
		return Result{Status: Replaced, Ref: ref, Token: tok}, nil
	}
	return Result{Status: Genuine, Ref: ref, Token: tok}, nil
}

// URLFor returns the URL printed into the current code of a target,
// issuing version 1 on first use.
func URLFor(ctx context.Context, st *storage.Store, signer *qr.Signer, baseURL string, kind model.QRKind, id int64, by *int64) (string, *model.QRToken, error) {
	tok, err := st.CurrentQRToken(ctx, kind, id, by)
	if err != nil {
		return "", nil, err
	}
	u, err := signer.URLFor(baseURL, qr.Ref{Kind: kind, ID: id, Version: tok.Version})
	if err != nil {
		return "", nil, err
	}
	return u, tok, nil
}
