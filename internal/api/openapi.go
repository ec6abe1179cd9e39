package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// spec is the API's contract, written by hand; the tests validate every
// request and response they make against it.
//
//go:embed openapi.json
var spec []byte

func (h *Handler) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json; charset=utf-8", spec)
}
