package ui

import (
	"honestmeasure/internal/model"
)

// staffRoles may open the staff pages: cases, and units' applications and
// status.
var staffRoles = model.StaffRoles

// staffAgency is the agency whose jurisdiction limits what a staff member
// sees; nil for the city admin, who sees every district
// (model.User.Jurisdiction).
func staffAgency(u *model.User) *int64 {
	agency, _ := u.Jurisdiction()
	return agency
}
