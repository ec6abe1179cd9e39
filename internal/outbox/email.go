package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/model"
)

// sendEmail sends m over one SMTP conversation. ctx's deadline bounds the
// whole conversation, not just the dial.
func sendEmail(ctx context.Context, cfg Config, m model.OutboxMessage, now time.Time) error {
	if cfg.SMTPAddr == "" {
		// Not permanent: the message goes out once the operator configures
		// a server (within the attempt budget).
		return errors.New("e-mail is not configured (no SMTP address)")
	}
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		return permanent(fmt.Errorf("recipient is not an e-mail address: %v", err))
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return fmt.Errorf("sender address is not configured correctly: %v", err)
	}
	msg := buildEmail(from, to, m, now)

	host, _, err := net.SplitHostPort(cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("SMTP address: %v", err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("smtp: %v", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp greeting: %v", err)
	}
	defer c.Close()
	if err := c.Hello(helloName(from)); err != nil {
		return fmt.Errorf("smtp EHLO: %v", err)
	}
	if cfg.SMTPTLS {
		// Required, not opportunistic: anyone on the path can delete
		// STARTTLS from the EHLO answer, and falling back to clear text would
		// hand them reporters' addresses and case texts. Not permanent: the
		// relay may be fixed, the interception may end.
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("smtp: STARTTLS is required but the server does not offer it; nothing sent in clear")
		}
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp STARTTLS: %v", err)
		}
	}
	if cfg.SMTPUser != "" {
		// PlainAuth refuses to send the password over an unencrypted
		// connection to anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", cfg.SMTPUser, cfg.SMTPPassword, host)); err != nil {
			return fmt.Errorf("smtp AUTH: %v", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return messageRefused("smtp MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return messageRefused("smtp RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return messageRefused("smtp DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp DATA: %v", err)
	}
	// The server accepts the message (250) in answer to the final dot:
	// from here on it counts as sent.
	if err := w.Close(); err != nil {
		return messageRefused("smtp DATA", err)
	}
	_ = c.Quit()
	return nil
}

// messageRefused wraps the server's answer to MAIL FROM, RCPT TO or DATA. A
// 5xx reply there refuses this message for good (unknown mailbox, rejected
// sender or content) and is permanent; a 4xx or a broken connection is worth
// another attempt. 5xx replies earlier in the conversation (EHLO, AUTH,
// STARTTLS) stay temporary: they are about the relay or this server's
// configuration, and giving up would drop every message queued until the
// operator fixes it.
func messageRefused(step string, err error) error {
	wrapped := fmt.Errorf("%s: %v", step, err)
	var reply *textproto.Error
	if errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600 {
		return permanent(wrapped)
	}
	return wrapped
}

// buildEmail renders an RFC 5322 message: UTF-8 plain text, base64 encoded
// so any text survives any relay, with an RFC 2047 subject and a Message-ID
// made from the outbox id so receivers can drop a repeat.
func buildEmail(from, to *mail.Address, m model.OutboxMessage, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeSubject(m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<outbox-"+strconv.FormatInt(m.ID, 10)+"@"+domainOf(from)+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	// RFC 3834: tells vacation responders not to answer.
	header("Auto-Submitted", "auto-generated")
	header(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	b.WriteString("\r\n")

	// Text bodies travel with CRLF line ends (RFC 2046 canonical form).
	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	if enc != "" {
		b.WriteString(enc + "\r\n")
	}
	return b.Bytes()
}

// encodeSubject makes a one-line subject, B-encoded when it is not plain
// ASCII, folded before each encoded word when it is long, so no header line
// grows past 78 octets however long the subject.
func encodeSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ") // no CR/LF can reach the header
	enc := mime.BEncoding.Encode("UTF-8", s)
	if len("Subject: "+enc) <= 78 || !strings.HasPrefix(enc, "=?") {
		return enc
	}
	// "Subject:" then folding white space before every word is valid RFC
	// 5322 and keeps each line one encoded word (at most 75 octets) long.
	return "\r\n " + strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

func domainOf(a *mail.Address) string {
	if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
		return a.Address[i+1:]
	}
	return "localhost"
}

// helloName is the name given in EHLO: the sender's domain, which the
// server can at least resolve, rather than net/smtp's "localhost".
func helloName(from *mail.Address) string { return domainOf(from) }
