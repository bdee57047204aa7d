package email

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// The fake server's credentials: the password must never show in an error.
const (
	user = "alerts@example.com"
	pass = "s3cret-Pa55-never-shown"
)

// sentAt is when the tests' alerts are mailed.
var sentAt = time.Date(2026, 1, 1, 12, 0, 5, 0, time.UTC)

// testConfig mails to two recipients through f, logging in.
func testConfig(f *fakeSMTP) Config {
	return Config{
		Host:     "127.0.0.1",
		Port:     f.port(),
		Username: user,
		Password: pass,
		From:     "Baton Alerts <alerts@example.com>",
		To:       []string{"oncall@example.com", "Dana <dana@example.org>"},
	}
}

func mustNew(t *testing.T, cfg Config) *Notifier {
	t.Helper()
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.now = func() time.Time { return sentAt }
	return n
}

func testAlert() *baton.Alert {
	return &baton.Alert{
		ConversationID: "c_01JABC",
		Priority:       baton.PriorityUrgent,
		Department:     "Billing",
		Trigger:        baton.TriggerText,
		Reason:         "the customer asked for a person (“I want a human”)",
		Customer:       baton.Contact{Name: "Anna Cohen", Email: "anna@example.com"},
		Channel:        baton.ChannelWhatsApp,
		Text:           "I was charged twice.\r\nPlease call me.",
		URL:            "https://baton.example.com/inbox/c_01JABC",
		At:             time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
	}
}

// parse reads a message the fake received, with its body decoded.
func parse(t *testing.T, data string) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, data)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("body is not quoted-printable: %v", err)
	}
	return m, strings.ReplaceAll(string(b), "\r\n", "\n")
}

func decodeSubject(t *testing.T, m *mail.Message) string {
	t.Helper()
	var dec mime.WordDecoder
	s, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNotifySends(t *testing.T) {
	f := newFakeSMTP(t, func(f *fakeSMTP) { f.user, f.pass = user, pass })
	if err := mustNew(t, testConfig(f)).Notify(t.Context(), testAlert()); err != nil {
		t.Fatal(err)
	}
	s := f.only()
	if want := []string{"EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"}; !slices.Equal(s.Commands, want) {
		t.Errorf("commands %v, want %v", s.Commands, want)
	}
	if s.User != user || s.Hello != "localhost" {
		t.Errorf("logged in as %q after EHLO %q", s.User, s.Hello)
	}
	if s.From != "alerts@example.com" || !slices.Equal(s.To, []string{"oncall@example.com", "dana@example.org"}) {
		t.Errorf("envelope from %q to %q", s.From, s.To)
	}

	m, body := parse(t, s.Data)
	h := m.Header
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "Baton Alerts" || from[0].Address != "alerts@example.com" {
		t.Errorf("From %q (%v)", h.Get("From"), err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 2 || to[0].Address != "oncall@example.com" || to[1].Name != "Dana" {
		t.Errorf("To %q (%v)", h.Get("To"), err)
	}
	if got := decodeSubject(t, m); got != "Urgent: the customer asked for a person (“I want a human”)" {
		t.Errorf("Subject %q", got)
	}
	if d, err := h.Date(); err != nil || !d.Equal(sentAt) {
		t.Errorf("Date %q (%v), want the time it was sent", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID %q, want random @ the sender's domain", id)
	}
	for name, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	want := `Urgent: the customer asked for a person (“I want a human”)

Customer:     Anna Cohen
Channel:      WhatsApp
Department:   Billing
Trigger:      Asked for a person
Priority:     Urgent
Reason:       the customer asked for a person (“I want a human”)
Raised:       2026-01-01 12:00 UTC
Conversation: c_01JABC

The customer wrote:
> I was charged twice.
> Please call me.

Open the conversation: https://baton.example.com/inbox/c_01JABC

-- 
Sent by Baton.
`
	if body != want {
		t.Errorf("body\n%s\nwant\n%s", body, want)
	}
}

func TestNotifyHebrew(t *testing.T) {
	f := newFakeSMTP(t, nil)
	cfg := testConfig(f)
	cfg.Username, cfg.Password = "", ""
	a := testAlert()
	a.Customer = baton.Contact{Name: "דנה לוי"}
	a.Department = "תמיכה"
	a.Reason = "הלקוחה ביקשה נציג"
	a.Text = "שלום, חויבתי פעמיים על אותה הזמנה"
	if err := mustNew(t, cfg).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	m, body := parse(t, f.only().Data)
	raw := m.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("raw Subject %q, want RFC 2047 words", raw)
	}
	for _, r := range raw {
		if r > 127 {
			t.Fatalf("raw Subject %q is not ASCII", raw)
		}
	}
	if got := decodeSubject(t, m); got != "Urgent: הלקוחה ביקשה נציג" {
		t.Errorf("Subject %q", got)
	}
	for _, s := range []string{"Customer:     דנה לוי", "Department:   תמיכה", "Reason:       הלקוחה ביקשה נציג", "> שלום, חויבתי פעמיים על אותה הזמנה"} {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q:\n%s", s, body)
		}
	}
}

func TestNotifyNoHeaderInjection(t *testing.T) {
	f := newFakeSMTP(t, nil)
	cfg := testConfig(f)
	cfg.Username, cfg.Password = "", ""
	a := testAlert()
	a.Reason = ""
	a.Trigger = ""
	a.Customer = baton.Contact{Name: "Anna\r\nBcc: evil@x"}
	a.Department = "Billing\r\nBcc: evil@x\r\n\r\nforged body"
	a.Reason = "refund\nBcc: evil@x"
	if err := mustNew(t, cfg).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	s := f.only()
	if !slices.Equal(s.To, []string{"oncall@example.com", "dana@example.org"}) {
		t.Fatalf("envelope recipients %q, want only the configured", s.To)
	}
	m, body := parse(t, s.Data)
	if bcc := m.Header.Get("Bcc"); bcc != "" {
		t.Fatalf("a Bcc header %q was injected", bcc)
	}
	head, _, _ := strings.Cut(s.Data, "\n\n")
	for _, l := range strings.Split(head, "\n") {
		if strings.HasPrefix(strings.ToLower(l), "bcc") {
			t.Fatalf("a header line %q was injected", l)
		}
	}
	if got := decodeSubject(t, m); got != "Urgent: refund Bcc: evil@x" {
		t.Errorf("Subject %q, want the reason on one line", got)
	}
	for _, want := range []string{"Customer:     Anna Bcc: evil@x\n", "Department:   Billing Bcc: evil@x forged body\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestNotifyKeepsLoneDots(t *testing.T) {
	f := newFakeSMTP(t, nil)
	cfg := testConfig(f)
	cfg.Username, cfg.Password = "", ""
	a := testAlert()
	a.Summary = "first\n.\nlast"
	if err := mustNew(t, cfg).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	_, body := parse(t, f.only().Data)
	if !strings.Contains(body, "Summary:\nfirst\n.\nlast\n") || !strings.HasSuffix(body, "Sent by Baton.\n") {
		t.Fatalf("a line of one dot ended the message early:\n%s", body)
	}
}

func TestNotifyCapsLongText(t *testing.T) {
	f := newFakeSMTP(t, nil)
	cfg := testConfig(f)
	cfg.Username, cfg.Password = "", ""
	a := testAlert()
	a.Text = strings.Repeat("א", 600)
	if err := mustNew(t, cfg).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	_, body := parse(t, f.only().Data)
	_, quoted, _ := strings.Cut(body, "The customer wrote:\n> ")
	line, _, _ := strings.Cut(quoted, "\n")
	if n := utf8.RuneCountInString(line); n != maxText || !strings.HasSuffix(line, "…") {
		t.Fatalf("the message quoted in %d characters, want %d ending with …", n, maxText)
	}
}

func TestNotifyServerReplies(t *testing.T) {
	tests := []struct {
		name     string
		reply    map[string]string
		pass     string // the server's password, when not the config's
		retry    bool
		reason   []string
		noDataAt bool // the message must not have been sent
	}{
		{"greylisted recipient", map[string]string{"RCPT": "451 4.7.1 Greylisted, please try again later"}, "", true,
			[]string{"recipient oncall@example.com", "451 4.7.1 Greylisted"}, true},
		{"message deferred", map[string]string{"DATA.": "451 4.3.0 Temporary server error"}, "", true,
			[]string{"the message", "451 4.3.0 Temporary server error"}, false},
		{"mailbox unavailable", map[string]string{"RCPT": "550 5.1.1 <oncall@example.com>: Recipient address rejected: User unknown"}, "", false,
			[]string{"550 5.1.1", "User unknown"}, true},
		{"rejected as spam", map[string]string{"DATA.": "554 5.7.1 Message rejected as spam"}, "", false,
			[]string{"554 5.7.1 Message rejected as spam"}, false},
		{"sender refused", map[string]string{"MAIL": "553 5.7.1 Sender address rejected: not owned by user"}, "", false,
			[]string{"the sender alerts@example.com", "553"}, true},
		{"service closing", map[string]string{"GREETING": "421 4.3.2 Service not available"}, "", true, []string{"421"}, true},
		{"no service", map[string]string{"GREETING": "554 5.7.1 No SMTP service here"}, "", false, []string{"554", "No SMTP service"}, true},
		{"busy login", map[string]string{"AUTH": "454 4.7.0 Temporary authentication failure"}, "", true, []string{"the login", "454"}, true},
		{"wrong password", nil, "another-password", false, []string{"the login", "535 5.7.8"}, true},
		{"a server that echoes the password", map[string]string{"AUTH": "535 5.7.8 Bad password " + pass}, "", false,
			[]string{"535 5.7.8 Bad password [password]"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSMTP(t, func(f *fakeSMTP) {
				f.user, f.pass = user, pass
				if tt.pass != "" {
					f.pass = tt.pass
				}
				for k, v := range tt.reply {
					f.replies[k] = v
				}
			})
			err := mustNew(t, testConfig(f)).Notify(t.Context(), testAlert())
			var se *baton.SendError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *baton.SendError", err)
			}
			if se.Retry != tt.retry {
				t.Fatalf("Retry %v, want %v (%s)", se.Retry, tt.retry, se.Reason)
			}
			for _, s := range tt.reason {
				if !strings.Contains(se.Reason, s) {
					t.Errorf("reason %q lacks %q", se.Reason, s)
				}
			}
			if strings.Contains(err.Error(), pass) {
				t.Errorf("error %q shows the password", err)
			}
			for _, s := range f.all() {
				if tt.noDataAt && s.Data != "" {
					t.Errorf("the message went out after the refusal")
				}
			}
		})
	}
}

func TestNotifyNetworkErrors(t *testing.T) {
	check := func(t *testing.T, err error, reason string) {
		t.Helper()
		var se *baton.SendError
		if !errors.As(err, &se) || !se.Retry {
			t.Fatalf("error %v, want a retry", err)
		}
		if !strings.Contains(se.Reason, reason) {
			t.Errorf("reason %q lacks %q", se.Reason, reason)
		}
	}
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		n := mustNew(t, Config{Host: "127.0.0.1", Port: port, From: "alerts@example.com", To: []string{"oncall@example.com"}})
		check(t, n.Notify(t.Context(), testAlert()), "failed at the connection")
	})
	t.Run("silent server", func(t *testing.T) {
		f := newFakeSMTP(t, func(f *fakeSMTP) { f.silent = true })
		cfg := testConfig(f)
		cfg.Timeout = 100 * time.Millisecond
		check(t, mustNew(t, cfg).Notify(t.Context(), testAlert()), "timed out")
	})
	t.Run("context deadline", func(t *testing.T) {
		f := newFakeSMTP(t, func(f *fakeSMTP) { f.silent = true })
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		check(t, mustNew(t, testConfig(f)).Notify(ctx, testAlert()), "timed out")
	})
	t.Run("canceled", func(t *testing.T) {
		// The server greets only if the client is still there 5 seconds
		// later: a Notify canceled while it waits for the greeting must
		// have left by then, without mailing. (The pause before the
		// cancel lets the dial finish, so that the wait is what is
		// canceled.)
		accepted := make(chan struct{}, 1)
		f := newFakeSMTP(t, func(f *fakeSMTP) { f.hold, f.accepted = 5*time.Second, accepted })
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-accepted
			time.AfterFunc(100*time.Millisecond, cancel)
		}()
		check(t, mustNew(t, testConfig(f)).Notify(ctx, testAlert()), "canceled")
		if s := f.only(); len(s.Commands) != 0 {
			t.Fatalf("commands %v after the cancel", s.Commands)
		}
	})
}

func TestNotifyStartTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	withTLS := func(f *fakeSMTP) { f.user, f.pass, f.tls = user, pass, serverTLS }
	for _, policy := range []TLSPolicy{"", StartTLSAuto, StartTLSAlways} {
		t.Run("policy "+string(policy), func(t *testing.T) {
			f := newFakeSMTP(t, withTLS)
			cfg := testConfig(f)
			cfg.StartTLS = policy
			cfg.tlsConfig = clientTLS
			if err := mustNew(t, cfg).Notify(t.Context(), testAlert()); err != nil {
				t.Fatal(err)
			}
			s := f.only()
			if !s.TLS || !s.AuthTLS || s.Data == "" {
				t.Fatalf("session %+v: want the login and the message over TLS", s)
			}
			if want := []string{"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"}; !slices.Equal(s.Commands, want) {
				t.Errorf("commands %v, want %v", s.Commands, want)
			}
		})
	}
	t.Run("always, but not offered", func(t *testing.T) {
		f := newFakeSMTP(t, func(f *fakeSMTP) { f.user, f.pass = user, pass })
		cfg := testConfig(f)
		cfg.StartTLS = StartTLSAlways
		err := mustNew(t, cfg).Notify(t.Context(), testAlert())
		var se *baton.SendError
		if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "does not offer STARTTLS") {
			t.Fatalf("error %v, want a final error about STARTTLS", err)
		}
		if c := f.only().Commands; slices.Contains(c, "AUTH") || slices.Contains(c, "MAIL") {
			t.Fatalf("commands %v: the password or the message went in clear", c)
		}
	})
	t.Run("never", func(t *testing.T) {
		f := newFakeSMTP(t, withTLS)
		cfg := testConfig(f)
		cfg.StartTLS = StartTLSNever // to 127.0.0.1, which net/smtp lets log in in clear
		if err := mustNew(t, cfg).Notify(t.Context(), testAlert()); err != nil {
			t.Fatal(err)
		}
		if s := f.only(); s.TLS || slices.Contains(s.Commands, "STARTTLS") {
			t.Fatalf("session %+v: want no TLS", s)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		f := newFakeSMTP(t, withTLS)
		err := mustNew(t, testConfig(f)).Notify(t.Context(), testAlert())
		var se *baton.SendError
		if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "certificate") {
			t.Fatalf("error %v, want a final error about the certificate", err)
		}
		if c := f.only().Commands; slices.Contains(c, "AUTH") {
			t.Fatalf("commands %v: the password went to an untrusted server", c)
		}
	})
}

func TestNotifyImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	f := newFakeSMTP(t, func(f *fakeSMTP) {
		f.user, f.pass = user, pass
		f.implicitTLS(serverTLS)
	})
	cfg := testConfig(f)
	cfg.StartTLS = ImplicitTLS
	cfg.tlsConfig = clientTLS
	if err := mustNew(t, cfg).Notify(t.Context(), testAlert()); err != nil {
		t.Fatal(err)
	}
	s := f.only()
	if !s.TLS || !s.AuthTLS || s.User != user || s.Data == "" || slices.Contains(s.Commands, "STARTTLS") {
		t.Fatalf("session %+v: want everything over TLS from the start", s)
	}

	t.Run("against a plain server", func(t *testing.T) {
		f := newFakeSMTP(t, nil)
		cfg := testConfig(f)
		cfg.StartTLS = ImplicitTLS
		cfg.tlsConfig = clientTLS
		err := mustNew(t, cfg).Notify(t.Context(), testAlert())
		var se *baton.SendError
		if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "in clear") {
			t.Fatalf("error %v, want a final error about TLS", err)
		}
	})
}

func TestNotifyLogin(t *testing.T) {
	t.Run("no username, no AUTH", func(t *testing.T) {
		f := newFakeSMTP(t, func(f *fakeSMTP) { f.user, f.pass = user, pass })
		cfg := testConfig(f)
		cfg.Username, cfg.Password = "", ""
		cfg.HelloName = "baton.example.com"
		if err := mustNew(t, cfg).Notify(t.Context(), testAlert()); err != nil {
			t.Fatal(err)
		}
		s := f.only()
		if slices.Contains(s.Commands, "AUTH") || s.Data == "" {
			t.Fatalf("commands %v: want the message without a login", s.Commands)
		}
		if s.Hello != "baton.example.com" {
			t.Errorf("EHLO %q, want the HelloName", s.Hello)
		}
	})
	t.Run("a username, but the server offers no AUTH", func(t *testing.T) {
		f := newFakeSMTP(t, nil)
		err := mustNew(t, testConfig(f)).Notify(t.Context(), testAlert())
		var se *baton.SendError
		if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "offers no login") {
			t.Fatalf("error %v, want a final error about AUTH", err)
		}
		if c := f.only().Commands; slices.Contains(c, "MAIL") {
			t.Fatalf("commands %v: the message went without the login", c)
		}
	})
}

func TestNotifyNoPasswordInClear(t *testing.T) {
	// 127.0.0.2 is the loopback interface too on Linux, but not "localhost"
	// to net/smtp, which sends a password in clear only there.
	f := newFakeSMTPOn(t, "127.0.0.2", func(f *fakeSMTP) { f.user, f.pass = user, pass })
	cfg := testConfig(f)
	cfg.Host = "127.0.0.2"
	err := mustNew(t, cfg).Notify(t.Context(), testAlert())
	var se *baton.SendError
	if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "only over TLS") {
		t.Fatalf("error %v, want a final error about TLS", err)
	}
	if c := f.only().Commands; slices.Contains(c, "AUTH") || slices.Contains(c, "MAIL") {
		t.Fatalf("commands %v: the password or the message went in clear", c)
	}
}

func TestNotifyNilAlert(t *testing.T) {
	f := newFakeSMTP(t, nil)
	var se *baton.SendError
	if err := mustNew(t, testConfig(f)).Notify(t.Context(), nil); !errors.As(err, &se) || se.Retry {
		t.Fatalf("error %v, want a final error", err)
	}
	if n := len(f.all()); n != 0 {
		t.Fatalf("%d sessions, want none", n)
	}
}

func TestComposeLines(t *testing.T) {
	n := mustNew(t, Config{Host: "smtp.example.com", From: "Baton <alerts@example.com>",
		To: []string{"oncall@example.com", "Dana Levi <dana@example.org>", "דנה <dana2@example.org>"}})
	a := testAlert()
	a.Reason = strings.Repeat("הלקוחה ביקשה נציג ", 20) // past the title's cap
	a.Text = strings.Repeat("a long line without breaks ", 40)
	msg, err := n.compose(a)
	if err != nil {
		t.Fatal(err)
	}
	s := string(msg)
	if strings.Count(s, "\n") != strings.Count(s, "\r\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		t.Fatal("a line does not end in CRLF")
	}
	head, _, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		t.Fatal("no blank line after the headers")
	}
	subjectLines := 0
	inSubject := false
	for _, l := range strings.Split(s, "\r\n") {
		if len(l) > 998 {
			t.Fatalf("a line of %d bytes", len(l))
		}
	}
	for _, l := range strings.Split(head, "\r\n") {
		switch {
		case strings.HasPrefix(l, "Subject: "):
			inSubject, subjectLines = true, 1
		case strings.HasPrefix(l, " ") && inSubject:
			subjectLines++
		default:
			inSubject = false
		}
		if len(l) > 100 {
			t.Errorf("header line of %d bytes: %q", len(l), l)
		}
	}
	if subjectLines < 2 {
		t.Errorf("the long Subject is on %d line, want it folded", subjectLines)
	}
	m, body := parse(t, s)
	// 150 characters: baton.Alert.Title's cap.
	if got := decodeSubject(t, m); utf8.RuneCountInString(got) != 150 || !strings.HasSuffix(got, "…") {
		t.Errorf("Subject %q, want it capped at %d characters", got, 150)
	}
	if to, err := m.Header.AddressList("To"); err != nil || len(to) != 3 || to[2].Name != "דנה" {
		t.Errorf("To %q (%v)", m.Header.Get("To"), err)
	}
	if !strings.Contains(body, strings.TrimSpace(strings.Repeat("a long line without breaks ", 18))) {
		t.Error("the long line did not survive quoted-printable")
	}

	other, err := n.compose(a)
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := parse(t, string(other))
	if m.Header.Get("Message-ID") == m2.Header.Get("Message-ID") {
		t.Error("two alerts share a Message-ID")
	}
}

func TestNew(t *testing.T) {
	good := Config{Host: "smtp.example.com", Username: user, Password: pass,
		From: "Baton <alerts@example.com>", To: []string{"oncall@example.com"}}
	n, err := New(good)
	if err != nil {
		t.Fatalf("a good config: %v", err)
	}
	if n.addr != "smtp.example.com:587" || n.policy != StartTLSAuto || n.timeout != defaultTimeout {
		t.Errorf("defaults: %s %s %v", n.addr, n.policy, n.timeout)
	}
	tlsCfg := good
	tlsCfg.StartTLS = "TLS"
	if n, err := New(tlsCfg); err != nil || n.addr != "smtp.example.com:465" {
		t.Errorf("implicit TLS: %v, want port 465", err)
	}
	local := good
	local.Host, local.StartTLS = "localhost", StartTLSNever
	if _, err := New(local); err != nil {
		t.Errorf("a login in clear to localhost: %v", err)
	}

	bad := []struct {
		field  string
		change func(*Config)
	}{
		{"Host", func(c *Config) { c.Host = "" }},
		{"Host", func(c *Config) { c.Host = "smtp.example.com\r\nx" }},
		{"Port", func(c *Config) { c.Host = "smtp.example.com:587" }},
		{"Port", func(c *Config) { c.Port = 70000 }},
		{"StartTLS", func(c *Config) { c.StartTLS = "sometimes" }},
		{"From", func(c *Config) { c.From = "" }},
		{"From", func(c *Config) { c.From = "not an address" }},
		{"From", func(c *Config) { c.From = "alerts@example.com\r\nBcc: evil@x" }},
		{"To", func(c *Config) { c.To = nil }},
		{"To", func(c *Config) { c.To = []string{"oncall@example.com", "nobody"} }},
		{"To", func(c *Config) { c.To = []string{"oncall@example.com\nBcc: evil@x"} }},
		{"Password", func(c *Config) { c.Password = "" }},
		{"Username", func(c *Config) { c.Username = "" }},
		{"Username", func(c *Config) { c.StartTLS = StartTLSNever }},
		{"Timeout", func(c *Config) { c.Timeout = -time.Second }},
		{"HelloName", func(c *Config) { c.HelloName = "baton\r\nRCPT TO:<evil@x>" }},
	}
	for _, tt := range bad {
		cfg := good
		cfg.To = slices.Clone(good.To)
		tt.change(&cfg)
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New accepted %+v", tt.field, cfg)
			continue
		}
		if !strings.Contains(err.Error(), tt.field) {
			t.Errorf("error %q does not name %s", err, tt.field)
		}
		if strings.Contains(err.Error(), pass) {
			t.Errorf("error %q shows the password", err)
		}
	}
}
