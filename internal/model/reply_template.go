package model

import "time"

// ReplyTemplate is a wording the city admin keeps for one report category,
// which an officer may start a reply to the reporter from.
type ReplyTemplate struct {
	ID        int64
	Category  Category
	Title     string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (ReplyTemplate) TableName() string { return "reply_templates" }
