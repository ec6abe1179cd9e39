package main

import (
	"crypto/rand"
	"encoding/base64"
)

// randomSecret returns 32 random bytes as 43 URL-safe characters.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
