package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// maxText caps the customer's message and the summary, in characters, so
// that an alert reads at a glance.
const maxText = 500

// compose writes a as an RFC 5322 message: headers in CRLF lines, a
// quoted-printable UTF-8 body. Header values come from the config (checked
// by New) or are baton.Alert's one-line title, so no line break of a
// customer's can start a header.
func (n *Notifier) compose(a *baton.Alert) ([]byte, error) {
	id, err := n.messageID()
	if err != nil {
		return nil, err
	}
	to := make([]string, len(n.to))
	for i, t := range n.to {
		to[i] = t.String()
	}
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", n.from.String())
	header("To", strings.Join(to, ",\r\n "))
	header("Subject", encodeHeader(a.Title()))
	header("Date", n.now().Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: vacation responders and the like must not answer.
	header("Auto-Submitted", "auto-generated")
	// Exchange's out-of-office and delivery reports ignore the above.
	header("X-Auto-Response-Suppress", "All")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body(a))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeHeader encodes a non-ASCII value as RFC 2047 words, folded
// between words so that no line grows past what mail servers take.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// messageID is a new Message-ID in the sender's domain, random so that
// two alerts never share one.
func (n *Notifier) messageID() (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	domain := n.from.Address[strings.LastIndexByte(n.from.Address, '@')+1:]
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}

// body is the alert in plain text: the title, the facts, what the customer
// wrote, the summary and the link.
func body(a *baton.Alert) string {
	var b strings.Builder
	b.WriteString(a.Title() + "\n\n")
	facts := a.Facts()
	if !a.At.IsZero() {
		facts = append(facts, baton.Fact{Label: "Raised", Value: a.At.UTC().Format("2006-01-02 15:04 MST")})
	}
	if id := a.ConversationRef(); id != "" {
		facts = append(facts, baton.Fact{Label: "Conversation", Value: id})
	}
	for _, f := range facts {
		fmt.Fprintf(&b, "%-13s %s\n", f.Label+":", f.Value)
	}
	if t := a.MessageExcerpt(maxText); t != "" {
		b.WriteString("\nThe customer wrote:\n")
		for _, l := range strings.Split(t, "\n") {
			b.WriteString(strings.TrimRight("> "+l, " ") + "\n")
		}
	}
	if s := a.SummaryExcerpt(maxText); s != "" {
		b.WriteString("\nSummary:\n" + s + "\n")
	}
	if u := a.Link(); u != "" {
		b.WriteString("\nOpen the conversation: " + u + "\n")
	}
	b.WriteString("\n-- \nSent by Baton.\n")
	return b.String()
}
