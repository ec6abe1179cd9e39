package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// TestAdminOutboxShowsAndRetries: the city admin sees what failed and what
// waits, recipients masked, sends a failed message again through the
// button, finds that in the message's history, and is told when the
// message was delivered meanwhile; nobody else sees the page.
func TestAdminOutboxShowsAndRetries(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	sms := model.OutboxMessage{Channel: outbox.ChannelSMS, Recipient: "13812345678", Subject: "", Body: "您的验证码是 493027", Event: "account.signup_code"}
	mail := outbox.Email("zhang.san@example.cn", "s", "秘密正文", nil, "case.received")
	if err := a.Store.Enqueue(ctx, sms, mail); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	a.DB.Model(&model.OutboxMessage{}).Order("id").Pluck("id", &ids)
	smsID := ids[0]
	a.DB.Model(&model.OutboxMessage{}).Where("id = ?", smsID).
		Updates(map[string]any{"status": storage.OutboxFailed, "attempts": 20, "last_error": "gateway answered <b>500</b>"})

	b, _ := adminBrowser(t, a)
	b.Get("/admin")
	b.Expect(http.StatusOK, `href="/admin/outbox"`, "待发消息")
	r := b.Get("/admin/outbox")
	b.Expect(http.StatusOK, "138****5678", "gateway answered &lt;b&gt;500&lt;/b&gt;", "重新发送", "失败 (1)", "等待中 (1)",
		`/admin/audit?object_id=`+strconv.FormatInt(smsID, 10)+`&amp;object_type=outbox_message`)
	for _, secret := range []string{"13812345678", "493027", "zhang.san"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("outbox page shows %q", secret)
		}
	}
	r = b.Get("/admin/outbox?status=pending&channel=email")
	b.Expect(http.StatusOK, "z***@example.cn")
	if strings.Contains(r.Body, "138****5678") || strings.Contains(r.Body, "秘密正文") {
		t.Error("pending e-mails show the failed SMS or a body")
	}

	// Without the page's token nothing happens.
	b.Post("/admin/outbox/"+strconv.FormatInt(smsID, 10)+"/retry", url.Values{"_csrf": {"forged"}, "status": {"failed"}})
	if b.Last.Status != http.StatusForbidden {
		t.Errorf("retry with a forged token: %d", b.Last.Status)
	}
	b.Get("/admin/outbox")
	b.Post("/admin/outbox/"+strconv.FormatInt(smsID, 10)+"/retry", url.Values{"status": {"failed"}})
	b.Expect(http.StatusOK, "该消息已重新排入发送")
	if !strings.Contains(b.Last.URL, "status=failed") {
		t.Errorf("back on %s", b.Last.URL)
	}
	m, err := a.Store.OutboxByID(ctx, smsID)
	if err != nil || m.Status != storage.OutboxPending || m.Attempts != 0 {
		t.Fatalf("after retry: %+v %v", m, err)
	}
	b.Get("/admin/audit?object_type=outbox_message&object_id=" + strconv.FormatInt(smsID, 10))
	b.Expect(http.StatusOK, "重新发送通知", "共 1 条记录")

	// Delivered meanwhile: refused, said so, nothing changed.
	a.DB.Model(&model.OutboxMessage{}).Where("id = ?", smsID).Update("status", storage.OutboxDelivered)
	b.Get("/admin/outbox?status=pending")
	b.Post("/admin/outbox/"+strconv.FormatInt(smsID, 10)+"/retry", url.Values{"status": {"pending"}})
	b.Expect(http.StatusConflict, "未作改动")
	b.Post("/admin/outbox/999999/retry", url.Values{"status": {"pending"}})
	if b.Last.Status != http.StatusNotFound {
		t.Errorf("retry of no message: %d", b.Last.Status)
	}

	// The objects an admin opens link their history.
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 12号摊位")
	b.Get("/staff/units/" + strconv.FormatInt(unitID, 10))
	b.Expect(http.StatusOK, `/admin/audit?object_type=unit&amp;object_id=`+strconv.FormatInt(unitID, 10))
	b.Get("/admin/audit")
	b.Expect(http.StatusOK, `/admin/audit?object_id=`+strconv.FormatInt(unitID, 10)+`&amp;object_type=unit`)

	officer := staffBrowser(t, a, "officer.outbox@example.org", model.RoleOfficer, "cz-tianning")
	officer.Get("/admin/outbox")
	if officer.Last.Status != http.StatusNotFound {
		t.Errorf("officer on the outbox page: %d", officer.Last.Status)
	}
}
