package ui

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// adminCreatableRoles are the accounts the admin creates; merchants sign up
// themselves and are only listed, to be disabled or enabled.
var adminCreatableRoles = []model.Role{model.RoleOfficer, model.RoleSupervisor, model.RoleCityAdmin, model.RoleVerificationBody}

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
