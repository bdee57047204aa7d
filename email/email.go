// Package email raises Baton's urgent handoff alerts by email, through an
// SMTP server: a baton.Notifier.
package email

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// TLSPolicy says how the connection to the SMTP server is encrypted.
type TLSPolicy string

const (
	// StartTLSAuto upgrades with STARTTLS when the server offers it. The
	// default: it works with any server, and encrypts wherever it can.
	StartTLSAuto TLSPolicy = "auto"
	// StartTLSAlways refuses to send unless the server offers STARTTLS.
	StartTLSAlways TLSPolicy = "always"
	// StartTLSNever talks in clear: a relay on localhost or a trusted
	// network.
	StartTLSNever TLSPolicy = "never"
	// ImplicitTLS speaks TLS from the first byte ("SMTPS", port 465).
	ImplicitTLS TLSPolicy = "tls"
)

const (
	// defaultTimeout bounds one alert, from dialling to the server's
	// answer to the message.
	defaultTimeout = 30 * time.Second
	// maxReason is how much of the server's answer a SendError quotes.
	maxReason = 300
)

// Config is one mailbox (or list of them) that urgent alerts go to.
type Config struct {
	// Host is the SMTP server's name, e.g. "smtp.example.com". With TLS,
	// the server's certificate must name it.
	Host string
	// Port is the SMTP server's port: 465 with ImplicitTLS, else 587
	// (submission) when zero.
	Port int
	// Username and Password log in with AUTH PLAIN, if Username is set.
	// net/smtp sends them only over TLS, or to a server on localhost, so
	// a password never crosses a network in clear.
	Username string
	Password string
	// From is the sender, e.g. "Baton <alerts@example.com>": the envelope
	// sender and the From header. Message-IDs are made in its domain.
	From string
	// To are the recipients, each an address as From.
	To []string
	// StartTLS is the TLS policy: StartTLSAuto when empty.
	StartTLS TLSPolicy
	// Timeout bounds one alert; 30 seconds when zero.
	Timeout time.Duration
	// HelloName is the name Baton gives in EHLO: "localhost" when empty,
	// as net/smtp does. Some servers want a real host name.
	HelloName string

	// tlsConfig, when set, is the base TLS configuration: tests trust a
	// certificate of their own with it.
	tlsConfig *tls.Config
}

// Notifier mails alerts to the configured recipients.
type Notifier struct {
	host      string
	addr      string // host:port
	policy    TLSPolicy
	auth      smtp.Auth // nil: no login
	password  string
	from      *mail.Address
	to        []*mail.Address
	timeout   time.Duration
	helloName string
	tlsBase   *tls.Config
	now       func() time.Time
}

// New checks cfg and returns the notifier. It does not connect: a server
// that is down now may be up when an alert comes.
func New(cfg Config) (*Notifier, error) {
	host := strings.TrimSpace(cfg.Host)
	switch {
	case host == "":
		return nil, errors.New("email: the Host of the SMTP server is missing")
	case strings.ContainsFunc(host, unicode.IsSpace) || strings.ContainsFunc(host, unicode.IsControl):
		return nil, errors.New("email: the Host must be a host name, without spaces or line breaks")
	case strings.Contains(host, ":") && net.ParseIP(host) == nil:
		return nil, fmt.Errorf("email: the Host %q must not hold a port; set Port instead", host)
	}
	policy := TLSPolicy(strings.ToLower(strings.TrimSpace(string(cfg.StartTLS))))
	switch policy {
	case "":
		policy = StartTLSAuto
	case StartTLSAuto, StartTLSAlways, StartTLSNever, ImplicitTLS:
	default:
		return nil, fmt.Errorf("email: StartTLS %q is not one of auto, always, never, tls", cfg.StartTLS)
	}
	port := cfg.Port
	switch {
	case port == 0 && policy == ImplicitTLS:
		port = 465
	case port == 0:
		port = 587
	case port < 0 || port > 65535:
		return nil, fmt.Errorf("email: the Port %d is not a TCP port", cfg.Port)
	}
	from, err := address("From", cfg.From)
	if err != nil {
		return nil, err
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("email: To is empty; name at least one recipient")
	}
	to := make([]*mail.Address, 0, len(cfg.To))
	for _, s := range cfg.To {
		a, err := address("To", s)
		if err != nil {
			return nil, err
		}
		to = append(to, a)
	}
	if strings.ContainsAny(cfg.HelloName, " \t\r\n") {
		return nil, errors.New("email: the HelloName must be a host name, without spaces or line breaks")
	}
	timeout := cfg.Timeout
	switch {
	case timeout == 0:
		timeout = defaultTimeout
	case timeout < 0:
		return nil, fmt.Errorf("email: the Timeout %v is negative", cfg.Timeout)
	}
	n := &Notifier{
		host:      host,
		addr:      net.JoinHostPort(host, strconv.Itoa(port)),
		policy:    policy,
		from:      from,
		to:        to,
		timeout:   timeout,
		helloName: cfg.HelloName,
		tlsBase:   cfg.tlsConfig,
		now:       time.Now,
	}
	switch {
	case cfg.Username == "" && cfg.Password != "":
		return nil, errors.New("email: a Password is set but the Username is missing")
	case cfg.Username == "":
	case cfg.Password == "":
		return nil, errors.New("email: a Username is set but the Password is missing")
	case policy == StartTLSNever && !localhost(host):
		// net/smtp would refuse at the first alert; say so now.
		return nil, errors.New("email: a Username needs TLS: with StartTLS \"never\" the password would cross the network in clear, which net/smtp refuses except to localhost")
	default:
		n.auth = smtp.PlainAuth("", cfg.Username, cfg.Password, host)
		n.password = cfg.Password
	}
	return n, nil
}

// address parses one address of the config. A line break in it would
// start a header of its own in every alert, so it is refused outright.
func address(field, s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("email: the %s address is missing", field)
	}
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("email: the %s address %q holds a line break", field, s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("email: the %s address %q is not an email address: %v", field, s, err)
	}
	return a, nil
}

// localhost reports whether net/smtp lets PLAIN auth go in clear to host.
func localhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Notify mails a to the recipients. A failure is a *baton.SendError: a
// network failure or a 4xx reply may pass and is retried; a 5xx reply is
// the server's final word, and its message says why.
func (n *Notifier) Notify(ctx context.Context, a *baton.Alert) error {
	if a == nil {
		return &baton.SendError{Reason: "no alert to send"}
	}
	msg, err := n.compose(a)
	if err != nil {
		return &baton.SendError{Reason: "cannot write the email: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	if err := n.send(ctx, msg); err != nil {
		return err
	}
	return nil
}

// send delivers msg in one SMTP session. smtp.SendMail is not used: it
// has no timeout, and a silent server would hold the alert forever.
func (n *Notifier) send(ctx context.Context, msg []byte) *baton.SendError {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", n.addr)
	if err != nil {
		return n.fail(ctx, "the connection", err)
	}
	defer conn.Close()
	// Every read and write ends by the deadline, and at once when ctx is
	// canceled: a deadline in the past wakes a blocked read.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if n.policy == ImplicitTLS {
		tc := tls.Client(conn, n.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return n.fail(ctx, "the TLS handshake", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		return n.fail(ctx, "the greeting", err)
	}
	defer c.Close()
	// Hello now, so that a failed EHLO is reported as such: Extension
	// would hide it behind "not offered".
	if err := c.Hello(cmp.Or(n.helloName, "localhost")); err != nil {
		return n.fail(ctx, "EHLO", err)
	}
	if n.policy == StartTLSAuto || n.policy == StartTLSAlways {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(n.tlsConfig()); err != nil {
				return n.fail(ctx, "STARTTLS", err)
			}
		} else if n.policy == StartTLSAlways {
			return &baton.SendError{Reason: "the SMTP server " + n.addr + " does not offer STARTTLS, and StartTLS is \"always\""}
		}
	}
	if n.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &baton.SendError{Reason: "the SMTP server " + n.addr + " offers no login (AUTH) to a Username" + n.authHint()}
		}
		// PlainAuth would refuse with a bare "unencrypted connection".
		if _, secure := c.TLSConnectionState(); !secure && n.policy != ImplicitTLS && !localhost(n.host) {
			return &baton.SendError{Reason: "the SMTP server " + n.addr + " offers no STARTTLS, and the password goes only over TLS"}
		}
		if err := c.Auth(n.auth); err != nil {
			return n.fail(ctx, "the login", err)
		}
	}
	if err := c.Mail(n.from.Address); err != nil {
		return n.fail(ctx, "the sender "+n.from.Address, err)
	}
	for _, to := range n.to {
		if err := c.Rcpt(to.Address); err != nil {
			return n.fail(ctx, "the recipient "+to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return n.fail(ctx, "the message", err)
	}
	if _, err := w.Write(msg); err != nil {
		return n.fail(ctx, "the message", err)
	}
	// Close ends the message and reads the server's verdict on it.
	if err := w.Close(); err != nil {
		return n.fail(ctx, "the message", err)
	}
	// The server took the message: a failed goodbye changes nothing, and
	// a retry now would mail the alert twice.
	_ = c.Quit()
	return nil
}

// authHint explains a server that offers no AUTH: many offer it only
// after STARTTLS.
func (n *Notifier) authHint() string {
	if n.policy == StartTLSNever {
		return "; servers often offer it only over TLS"
	}
	return ""
}

func (n *Notifier) tlsConfig() *tls.Config {
	if n.tlsBase != nil {
		c := n.tlsBase.Clone()
		if c.ServerName == "" {
			c.ServerName = n.host
		}
		return c
	}
	return &tls.Config{ServerName: n.host, MinVersion: tls.VersionTLS12}
}

// fail classifies what went wrong at step. The server's replies decide
// by their code (4xx: later; 5xx: never); a connection that failed or
// timed out may work later; a certificate or a protocol that does not
// fit the config will not.
func (n *Notifier) fail(ctx context.Context, step string, err error) *baton.SendError {
	var te *textproto.Error
	if errors.As(err, &te) {
		reply := clean(fmt.Sprintf("%d %s", te.Code, te.Msg), maxReason)
		se := &baton.SendError{Retry: te.Code >= 400 && te.Code < 500}
		se.Reason = n.redact("the SMTP server refused " + step + ": " + reply)
		return se
	}
	var (
		certErr   *tls.CertificateVerificationError
		recordErr tls.RecordHeaderError
		ne        net.Error
	)
	switch {
	case errors.As(err, &certErr):
		return &baton.SendError{Reason: n.redact("the SMTP server's certificate is not trusted: " + err.Error())}
	case errors.As(err, &recordErr):
		return &baton.SendError{Reason: "the SMTP server " + n.addr + " answered " + step + " in clear" +
			"; StartTLS \"tls\" is for port 465, \"auto\" for 587 and 25"}
	// A canceled ctx shows as a timeout too (see send): ask ctx first.
	case errors.Is(ctx.Err(), context.Canceled):
		return &baton.SendError{Retry: true, Reason: "canceled at " + step}
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &baton.SendError{Retry: true, Reason: "the SMTP server " + n.addr + " timed out at " + step}
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &baton.SendError{Retry: true, Reason: n.redact("the SMTP server " + n.addr + " failed at " + step + ": " + err.Error())}
	}
	// What is left comes from net/smtp itself (its refusal to log in
	// without TLS, a server name that does not match): only the config
	// can fix it.
	return &baton.SendError{Reason: n.redact("sending by SMTP failed at " + step + ": " + err.Error())}
}

// redact keeps the password out of an error, whatever a server echoes.
func (n *Notifier) redact(s string) string {
	if n.password == "" {
		return s
	}
	return strings.ReplaceAll(s, n.password, "[password]")
}

// clean makes a reply fit for one line of an error: valid UTF-8, no
// control characters, at most limit characters.
func clean(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > limit {
		s = strings.TrimSpace(string([]rune(s)[:limit-1])) + "…"
	}
	return s
}

var _ baton.Notifier = (*Notifier)(nil)
