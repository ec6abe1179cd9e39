package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

const (
	adminAccountsPageSize = 50
	// adminAccountsMaxQuery bounds the search box, in characters.
	adminAccountsMaxQuery = 100
)

type adminAccountsData struct {
	adminNav
	Users      []model.User
	Total      int64
	Query      string
	Role       string
	AgencyID   int64
	Roles      []model.Role
	Agencies   map[int64]model.Agency
	AgencyList []model.Agency
	Bodies     map[int64]model.VerificationBody
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	Back       string // this list, to come back to after an action
	Me         int64
}

func (h *Handler) adminAccounts(c *gin.Context) { h.adminAccountsPage(c, http.StatusOK, "") }

// adminAccountsPage lists accounts: staff and verification bodies by default,
// one role (merchants included) or one agency's staff when filtered, and
// those whose login, name, e-mail or phone contains the search text.
func (h *Handler) adminAccountsPage(c *gin.Context, status int, problem string) {
	ctx := c.Request.Context()
	d := &adminAccountsData{Role: c.Query("role"), Roles: model.Roles, Me: currentUser(c).ID}
	d.Query = firstRunes(strings.TrimSpace(c.Query("q")), adminAccountsMaxQuery)
	f := storage.UserFilter{Query: d.Query, PerPage: adminAccountsPageSize}
	if r := model.Role(d.Role); r.Valid() {
		f.Roles = []model.Role{r}
	} else {
		d.Role = ""
		f.Roles = []model.Role{model.RoleOfficer, model.RoleSupervisor, model.RoleCityAdmin, model.RoleVerificationBody}
	}
	d.AgencyID, _ = strconv.ParseInt(c.Query("agency"), 10, 64)
	f.AgencyID = d.AgencyID
	d.Page, _ = strconv.Atoi(c.Query("page"))
	d.Page = max(d.Page, 1)
	f.Page = d.Page
	var err error
	if d.Users, d.Total, err = h.Store.Users(ctx, f); err != nil {
		h.serverError(c, err)
		return
	}
	if d.AgencyList, err = h.Store.AllAgencies(ctx); err != nil {
		h.serverError(c, err)
		return
	}
	d.Agencies = adminAgencyMap(d.AgencyList)
	bodies, err := h.Store.VerificationBodies(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Bodies = map[int64]model.VerificationBody{}
	for _, b := range bodies {
		d.Bodies[b.ID] = b
	}
	link := func(page int) string {
		q := c.Request.URL.Query()
		q.Del("ok")
		if d.Query != "" {
			q.Set("q", d.Query)
		} else {
			q.Del("q")
		}
		q.Set("page", strconv.Itoa(page))
		return "/admin/accounts?" + q.Encode()
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(d.Total, adminAccountsPageSize, d.Page, link)
	d.Back = link(d.Page)
	h.adminRenderProblem(c, status, "admin_accounts", "admin.accounts.title", d, problem)
}
