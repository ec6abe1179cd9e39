package ui

import (
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/sheet"
	"honestmeasure/internal/verification"
)

// bodyTemplate serves the upload template with its Chinese headers and one
// example row, as XLSX or (UTF-8 with BOM, which Excel opens) CSV.
func (h *Handler) bodyTemplate(c *gin.Context) {
	if _, ok := h.sender(c); !ok {
		return
	}
	var header, example []string
	for _, col := range verification.Columns {
		header = append(header, col.Header)
		example = append(example, col.Example)
	}
	rows := slices.Values([][]string{example})
	c.Header("Cache-Control", "no-store")
	if strings.HasSuffix(c.Request.URL.Path, ".csv") {
		c.Header("Content-Disposition", `attachment; filename="verification-records-template.csv"`)
		c.Header("Content-Type", "text/csv; charset=utf-8")
		if err := sheet.WriteCSV(c.Writer, header, rows); err != nil {
			h.serverError(c, err)
		}
		return
	}
	c.Header("Content-Disposition", `attachment; filename="verification-records-template.xlsx"`)
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	if err := sheet.WriteXLSX(c.Writer, header, rows); err != nil {
		h.serverError(c, err)
	}
}
