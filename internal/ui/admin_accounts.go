package ui

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

const adminAccountsPageSize = 50

// adminCreatableRoles are the accounts the admin creates; merchants sign up
// themselves and are only listed, to be disabled or enabled.
var adminCreatableRoles = []model.Role{model.RoleOfficer, model.RoleSupervisor, model.RoleCityAdmin, model.RoleVerificationBody}

type adminAccountsData struct {
	adminNav
	Users      []model.User
	Total      int64
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
// one role (merchants included) or one agency's staff when filtered.
func (h *Handler) adminAccountsPage(c *gin.Context, status int, problem string) {
	ctx := c.Request.Context()
	d := &adminAccountsData{Role: c.Query("role"), Roles: model.Roles, Me: currentUser(c).ID}
	f := storage.UserFilter{PerPage: adminAccountsPageSize}
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
	d.Pages = int((d.Total + adminAccountsPageSize - 1) / adminAccountsPageSize)
	link := func(page int) string {
		q := c.Request.URL.Query()
		q.Del("ok")
		q.Set("page", strconv.Itoa(page))
		return "/admin/accounts?" + q.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	d.Back = link(d.Page)
	h.adminRenderProblem(c, status, "admin_accounts", "admin.accounts.title", d, problem)
}

// adminAccountForm is the new-account form as typed (never the password).
type adminAccountForm struct{ Login, DisplayName, Role, AgencyID, BodyID string }

type adminAccountFormData struct {
	adminNav
	Form     adminAccountForm
	Errors   form.Errors
	Roles    []model.Role
	Agencies []model.Agency
	Bodies   []model.VerificationBody
}

func (h *Handler) adminAccountFormPage(c *gin.Context, status int, d *adminAccountFormData) {
	ctx := c.Request.Context()
	agencies, err := h.Store.AllAgencies(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if d.Bodies, err = h.Store.VerificationBodies(ctx); err != nil {
		h.serverError(c, err)
		return
	}
	d.Agencies, d.Roles = adminActiveAgencies(agencies), adminCreatableRoles
	h.adminRender(c, status, "admin_account_form", "admin.account.new", d)
}

func (h *Handler) adminAccountNew(c *gin.Context) {
	d := &adminAccountFormData{Form: adminAccountForm{Role: c.Query("role"), AgencyID: c.Query("agency")}}
	h.adminAccountFormPage(c, http.StatusOK, d)
}

// check validates the form; the agency is kept only for roles that act
// for one, the verification body only for its users.
func (f adminAccountForm) check(password, confirm string, agencies []model.Agency, bodies []model.VerificationBody) (role model.Role, agency, body *int64, errs form.Errors) {
	errs = form.Errors{}
	if _, _, err := accounts.NormalizeLogin(f.Login); err != nil {
		errs.Add("login", "login.bad_login")
	}
	adminRequired(errs, "display_name", f.DisplayName, 100)
	role = model.Role(f.Role)
	if !slices.Contains(adminCreatableRoles, role) {
		errs.Add("role", "form.choose")
	}
	if role.NeedsAgency() {
		id, ok := adminOptionalID(f.AgencyID)
		if !ok || id == nil {
			errs.Add("agency_id", "admin.account.agency_required")
		} else if !slices.ContainsFunc(agencies, func(a model.Agency) bool { return a.ID == *id && a.Active }) {
			errs.Add("agency_id", "form.choose")
		}
		agency = id
	}
	if role == model.RoleVerificationBody {
		id, ok := adminOptionalID(f.BodyID)
		if !ok || id == nil {
			errs.Add("verification_body_id", "admin.account.body_required")
		} else if !slices.ContainsFunc(bodies, func(b model.VerificationBody) bool { return b.ID == *id }) {
			errs.Add("verification_body_id", "form.choose")
		}
		body = id
	}
	if len([]rune(password)) < accounts.MinPasswordLength {
		errs.Add("password", "signup.password_short", accounts.MinPasswordLength)
	} else if password != confirm {
		errs.Add("password_confirm", "signup.password_mismatch")
	}
	return role, agency, body, errs
}

func adminUserAudit(u *model.User) map[string]any {
	return map[string]any{"login": u.Login, "display_name": u.DisplayName, "role": u.Role, "agency_id": u.AgencyID,
		"verification_body_id": u.VerificationBodyID, "disabled": u.Disabled}
}

func (h *Handler) adminAccountCreate(c *gin.Context) {
	ctx := c.Request.Context()
	f := adminAccountForm{Login: strings.TrimSpace(c.PostForm("login")), DisplayName: c.PostForm("display_name"), Role: c.PostForm("role"),
		AgencyID: c.PostForm("agency_id"), BodyID: c.PostForm("verification_body_id")}
	agencies, err := h.Store.AllAgencies(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	bodies, err := h.Store.VerificationBodies(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	role, agency, body, errs := f.check(c.PostForm("password"), c.PostForm("password_confirm"), agencies, bodies)
	var user *model.User
	if !errs.Any() {
		if user, err = accounts.NewUser(f.Login, c.PostForm("password"), form.Clean(f.DisplayName), role, agency, body); err != nil {
			h.serverError(c, err) // check already refused what NewUser refuses
			return
		}
		err = h.Store.Tx(ctx, func(tx *storage.Store) error {
			if err := tx.CreateUser(ctx, user); err != nil {
				return err
			}
			return h.record(c, tx, audit.ActionAccountCreate, audit.ObjectUser, user.ID, user.AgencyID, nil, adminUserAudit(user))
		})
		if errors.Is(err, storage.ErrDuplicate) {
			errs.Add("login", "admin.account.login_taken")
		} else if err != nil {
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.adminAccountFormPage(c, http.StatusUnprocessableEntity, &adminAccountFormData{Form: f, Errors: errs})
		return
	}
	server.Logger(c).Info("account created", "user_id", user.ID, "role", string(user.Role), "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/admin/accounts?ok=account_created")
}

// adminUser loads account :id or answers 404.
func (h *Handler) adminUser(c *gin.Context) (*model.User, bool) {
	return loadParam(h, c, "id", h.Store.UserByID)
}

func (h *Handler) adminAccountDisable(c *gin.Context) { h.adminSetDisabled(c, true) }
func (h *Handler) adminAccountEnable(c *gin.Context)  { h.adminSetDisabled(c, false) }

// adminSetDisabled disables an account, ending its sessions at once, or
// enables it again. The admin cannot lock themselves out.
func (h *Handler) adminSetDisabled(c *gin.Context, disabled bool) {
	ctx := c.Request.Context()
	u, ok := h.adminUser(c)
	if !ok {
		return
	}
	if u.ID == currentUser(c).ID {
		h.adminAccountsPage(c, http.StatusConflict, "admin.account.not_self")
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SetUserDisabled(ctx, u.ID, disabled, h.now()); err != nil {
			return err
		}
		if disabled {
			if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		return h.record(c, tx, audit.ActionAccountChange, audit.ObjectUser, u.ID, u.AgencyID,
			map[string]any{"disabled": u.Disabled}, map[string]any{"disabled": disabled})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	back := "/admin/accounts"
	if b := safeNext(c.PostForm("back")); strings.HasPrefix(b, "/admin/accounts") {
		back = b
	}
	key := "ok=account_enabled"
	if disabled {
		key = "ok=account_disabled"
	}
	c.Redirect(http.StatusSeeOther, appendQuery(back, key))
}

type adminPasswordData struct {
	adminNav
	Account *model.User
	Errors  form.Errors
}

// adminResettable loads account :id for a password reset: staff and
// verification-body accounts only; the admin's own password is changed on
// the account page, with the current one.
func (h *Handler) adminResettable(c *gin.Context) (*model.User, bool) {
	u, ok := h.adminUser(c)
	if !ok {
		return nil, false
	}
	if u.Role == model.RoleMerchant {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	if u.ID == currentUser(c).ID {
		c.Redirect(http.StatusSeeOther, "/account/password")
		return nil, false
	}
	return u, true
}

func (h *Handler) adminPasswordForm(c *gin.Context) {
	if u, ok := h.adminResettable(c); ok {
		h.adminRender(c, http.StatusOK, "admin_password", "admin.password.title", &adminPasswordData{Account: u})
	}
}

// adminPasswordReset sets the password the admin typed and signs the
// account out everywhere.
func (h *Handler) adminPasswordReset(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.adminResettable(c)
	if !ok {
		return
	}
	errs := form.Errors{}
	hash, err := accounts.HashPassword(c.PostForm("password"))
	if errors.Is(err, accounts.ErrPasswordTooShort) {
		errs.Add("password", "signup.password_short", accounts.MinPasswordLength)
	} else if err != nil {
		h.serverError(c, err)
		return
	} else if c.PostForm("password") != c.PostForm("password_confirm") {
		errs.Add("password_confirm", "signup.password_mismatch")
	}
	if errs.Any() {
		h.adminRender(c, http.StatusUnprocessableEntity, "admin_password", "admin.password.title", &adminPasswordData{Account: u, Errors: errs})
		return
	}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SetPassword(ctx, u.ID, hash, h.now()); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionAccountChange, audit.ObjectUser, u.ID, u.AgencyID, nil, map[string]any{"password_reset": true})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("password reset by admin", "user_id", u.ID, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/admin/accounts?ok=password_reset")
}
