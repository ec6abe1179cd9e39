package ui

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/storage"
)

// record writes an audit entry for the signed-in user (or actor, for
// failed logins) through st, which is the caller's transaction when the
// entry must commit with the change it records.
func (h *Handler) record(c *gin.Context, st *storage.Store, action, objectType string, objectID int64, agencyID *int64, before, after any) error {
	ev := audit.Event{Action: action, ObjectType: objectType, AgencyID: agencyID, Before: before, After: after,
		IP: c.ClientIP(), At: h.now()}
	if objectID != 0 {
		ev.ObjectID = strconv.FormatInt(objectID, 10)
	}
	if u := currentUser(c); u != nil {
		ev.ActorID, ev.Actor = &u.ID, u.Login
	}
	return h.Audit.Record(c.Request.Context(), st, ev)
}

// actor is the signed-in user and the client address, as the services
// record them.
func (h *Handler) actor(c *gin.Context) audit.Actor {
	return audit.Actor{User: currentUser(c), IP: c.ClientIP()}
}
