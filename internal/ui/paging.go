package ui

// pageLinks counts the pages of total rows at perPage a page and links the
// pages either side of page, none past either end; link builds a page's
// URL, so each list keeps its own query string.
func pageLinks(total int64, perPage, page int, link func(page int) string) (pages int, prev, next string) {
	pages = int((total + int64(perPage) - 1) / int64(perPage))
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return pages, prev, next
}
