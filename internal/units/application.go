package units

import (
	"errors"
	"strconv"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/uscc"
)

// Application is what a merchant types into the unit form, kept as typed so
// a form with errors comes back exactly as it was sent.
type Application struct {
	Name         string
	USCC         string
	BusinessType string
	Address      string
	DistrictID   string
	ContactName  string
	ContactPhone string
	OpeningHours string
}

// FromUnit fills the form from a stored unit, for editing.
func FromUnit(u *model.Unit) Application {
	return Application{Name: u.Name, USCC: u.USCC, BusinessType: string(u.BusinessType), Address: u.Address,
		DistrictID: strconv.FormatInt(u.DistrictID, 10), ContactName: u.ContactName, ContactPhone: u.ContactPhone,
		OpeningHours: u.OpeningHours}
}

// Validate checks the application against the districts that exist and, on
// success, writes the cleaned values into u (leaving status and owner alone).
func (a *Application) Validate(districts []model.District, u *model.Unit) form.Errors {
	errs := form.Errors{}
	a.Name, a.Address = form.Clean(a.Name), form.Clean(a.Address)
	a.ContactName, a.ContactPhone = form.Clean(a.ContactName), form.Clean(a.ContactPhone)
	a.OpeningHours = form.Clean(a.OpeningHours)
	a.USCC = uscc.Normalize(a.USCC)

	required := func(field, value string, max int) {
		switch {
		case value == "":
			errs.Add(field, "form.required")
		case form.TooLong(value, max):
			errs.Add(field, "form.too_long", max)
		}
	}
	required("name", a.Name, 200)
	required("address", a.Address, 300)
	required("contact_name", a.ContactName, 100)
	required("contact_phone", a.ContactPhone, 32)
	if form.TooLong(a.OpeningHours, 200) {
		errs.Add("opening_hours", "form.too_long", 200)
	}
	if a.ContactPhone != "" && !form.ValidPhone(a.ContactPhone) {
		errs.Add("contact_phone", "form.phone")
	}
	if a.USCC == "" {
		errs.Add("uscc", "form.required")
	} else if err := uscc.Validate(a.USCC); err != nil {
		var e *uscc.Error
		errors.As(err, &e)
		switch {
		case errors.Is(err, uscc.ErrLength):
			errs.Add("uscc", "uscc.length", e.Length)
		case errors.Is(err, uscc.ErrCharacter):
			errs.Add("uscc", "uscc.character", e.Char, e.Position)
		default:
			errs.Add("uscc", "uscc.check", e.Char, e.Want)
		}
	}
	bt := model.BusinessType(a.BusinessType)
	if !bt.Valid() {
		errs.Add("business_type", "form.choose")
	}
	districtID := form.Choice(errs, "district_id", a.DistrictID, districts, func(d model.District) int64 { return d.ID })
	if errs.Any() {
		return errs
	}
	u.Name, u.USCC, u.BusinessType, u.Address, u.DistrictID = a.Name, a.USCC, bt, a.Address, districtID
	u.ContactName, u.ContactPhone, u.OpeningHours = a.ContactName, a.ContactPhone, a.OpeningHours
	return nil
}

// EditableFields says which parts of a unit its owner may still change: all
// of it before approval; once published only the contact details and hours,
// since name, code, address and district were what the officer approved.
func EditableFields(s model.UnitStatus) (all bool, contact bool) {
	switch s {
	case model.UnitDraft, model.UnitReturned:
		return true, true
	case model.UnitRevoked:
		return false, false
	default:
		return false, true
	}
}

// KeepApproved puts back into a the fields of u that its owner may no
// longer change (EditableFields): what the officer approved stays as
// approved, whatever the form sent.
func (a *Application) KeepApproved(u *model.Unit) {
	locked := FromUnit(u)
	a.Name, a.USCC, a.BusinessType, a.Address, a.DistrictID = locked.Name, locked.USCC, locked.BusinessType, locked.Address, locked.DistrictID
}

// Owner reports whether user owns the unit; pages answer 404 otherwise.
func Owner(u *model.Unit, user *model.User) bool {
	return user != nil && u.OwnerUserID == user.ID
}
