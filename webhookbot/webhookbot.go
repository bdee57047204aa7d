// Package webhookbot is a bot that runs outside Baton and is called over
// HTTP, speaking either Rasa's REST channel format or Baton's own format.
package webhookbot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/batonhq/baton/signature"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// Format is the wire format the bot speaks.
type Format string

const (
	FormatRasa  Format = "rasa"  // Rasa's REST channel (webhooks/rest/webhook)
	FormatBaton Format = "baton" // Baton's bot-webhook format, docs/bot-webhook.md
)

// Defaults and limits of a Config.
const (
	DefaultTimeout = 5 * time.Second
	DefaultRetries = 1
	MaxRetries     = 5
	// MaxAnswerSize is the largest answer body Baton reads from a bot.
	MaxAnswerSize = 1 << 20
)

// DeliveryHeader names one customer message: it is the same on every
// attempt, so the bot can answer a retry without acting twice.
const DeliveryHeader = "X-Baton-Delivery"

// Config says where the bot is and how to call it.
type Config struct {
	Format Format `yaml:"format"`
	URL    string `yaml:"url"`
	// Secret signs every request (X-Baton-Signature); empty sends none.
	Secret string `yaml:"-"`
	// Timeout bounds each attempt; zero means DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is the number of extra attempts after a failure worth
	// retrying: zero means DefaultRetries, -1 means none, at most MaxRetries.
	Retries int `yaml:"retries"`
	// Headers are sent with every request, e.g. Authorization for the bot.
	Headers map[string]string `yaml:"headers"`
}

// Bot calls an external bot for each customer message. It is safe for
// concurrent use.
type Bot struct {
	format  Format
	url     string
	secret  string
	timeout time.Duration
	retries int
	headers http.Header
	client  *http.Client
}

// reserved headers are Baton's own; a configured header may not replace them.
var reserved = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "User-Agent": true,
	"Transfer-Encoding": true, "Connection": true, signature.Header: true, DeliveryHeader: true,
}

// New checks cfg and returns a Bot. A nil client gets one with bounded
// connections per host that does not follow redirects: a bot URL that
// moved is a configuration error, not something to follow with a signed body.
func New(cfg Config, client *http.Client) (*Bot, error) {
	if cfg.Format != FormatRasa && cfg.Format != FormatBaton {
		return nil, fmt.Errorf("webhookbot: format must be %q or %q, not %q", FormatRasa, FormatBaton, cfg.Format)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("webhookbot: url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("webhookbot: url must be an absolute http or https URL, not %q", cfg.URL)
	}
	if u.Fragment != "" {
		return nil, errors.New("webhookbot: url must not have a #fragment")
	}
	b := &Bot{format: cfg.Format, url: u.String(), secret: cfg.Secret, timeout: cfg.Timeout, retries: cfg.Retries, headers: http.Header{}, client: client}
	switch {
	case b.timeout == 0:
		b.timeout = DefaultTimeout
	case b.timeout < 0:
		return nil, fmt.Errorf("webhookbot: timeout must be positive, not %s", cfg.Timeout)
	}
	switch {
	case b.retries == 0:
		b.retries = DefaultRetries
	case b.retries == -1:
		b.retries = 0
	case b.retries < -1 || b.retries > MaxRetries:
		return nil, fmt.Errorf("webhookbot: retries must be -1 (none) to %d, not %d", MaxRetries, cfg.Retries)
	}
	for k, v := range cfg.Headers {
		if !validHeaderName(k) {
			return nil, fmt.Errorf("webhookbot: header %q: not a valid header name", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("webhookbot: header %s: value must be one line", k)
		}
		if k = http.CanonicalHeaderKey(k); reserved[k] {
			return nil, fmt.Errorf("webhookbot: header %s is set by Baton", k)
		}
		b.headers.Set(k, v)
	}
	if b.client == nil {
		b.client = defaultClient()
	}
	return b, nil
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	t.MaxConnsPerHost = 64
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 0 // each attempt has its own deadline
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// Reply sends the customer's message to the bot and returns its answer.
// Any error means the bot gave no usable answer; the engine then hands the
// customer to a human.
func (b *Bot) Reply(ctx context.Context, req baton.BotRequest) (*baton.BotReply, error) {
	if req.Conversation == nil {
		return nil, errors.New("webhookbot: request without a conversation")
	}
	var (
		body []byte
		err  error
	)
	if b.format == FormatRasa {
		body, err = rasaRequest(req)
	} else {
		body, err = batonRequest(req)
	}
	if err != nil {
		return nil, fmt.Errorf("webhookbot: encoding the request: %w", err)
	}
	answer, attempts, err := b.call(ctx, body)
	if err != nil {
		return nil, err
	}
	var reply *baton.BotReply
	if b.format == FormatRasa {
		reply, err = rasaReply(answer)
	} else {
		reply, err = batonReply(answer)
	}
	if err != nil {
		return nil, &CallError{Kind: ErrInvalid, Attempts: attempts, msg: err.Error(), cause: err}
	}
	return reply, nil
}

// Budget is the longest Reply can take when the caller sets no deadline:
// every attempt timing out, with the longest wait between attempts. A
// caller's deadline shorter than this cuts the last attempts short.
func (b *Bot) Budget() time.Duration {
	return time.Duration(b.retries+1)*b.timeout + time.Duration(b.retries)*maxRetryAfter
}

// Kinds of CallError, for errors.Is.
var (
	ErrTimeout     = errors.New("bot timed out")
	ErrStatus      = errors.New("bot returned an error status")
	ErrUnreachable = errors.New("bot unreachable")
	ErrInvalid     = errors.New("bot answered something unusable")
)

// CallError is a call to the bot that gave no usable answer. errors.Is
// matches its Kind (ErrTimeout, ErrStatus, ErrUnreachable, ErrInvalid, or
// the caller's context.Canceled or context.DeadlineExceeded).
type CallError struct {
	Kind error
	// Attempts is the number of requests sent, retries included.
	Attempts int
	// StatusCode is the last HTTP status, for ErrStatus.
	StatusCode int
	msg        string
	cause      error
}

func (e *CallError) Error() string { return e.msg }

// Is matches the error's kind.
func (e *CallError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error, if any.
func (e *CallError) Unwrap() error { return e.cause }

// failure is one failed attempt.
type failure struct {
	kind       error
	status     int
	body       string // start of an error status's body
	cause      error
	retryable  bool
	retryAfter time.Duration // from Retry-After; negative when absent
}

func (f *failure) callError(attempts int, timeout time.Duration) *CallError {
	e := &CallError{Kind: f.kind, Attempts: attempts, StatusCode: f.status, cause: f.cause}
	switch f.kind {
	case ErrTimeout:
		e.msg = fmt.Sprintf("bot timed out after %s (%s)", timeout, plural(attempts))
	case ErrStatus:
		e.msg = fmt.Sprintf("bot returned HTTP %d after %s", f.status, plural(attempts))
		if f.body != "" {
			e.msg += ": " + f.body
		}
	case ErrUnreachable:
		e.msg = fmt.Sprintf("bot unreachable after %s: %v", plural(attempts), f.cause)
	default:
		e.msg = f.cause.Error()
	}
	return e
}

func plural(attempts int) string {
	if attempts == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(attempts) + " attempts"
}

// Waits between attempts.
const (
	backoffStep   = 100 * time.Millisecond // times the attempt number
	maxRetryAfter = 2 * time.Second
)

// call posts body until an attempt succeeds, a failure is not worth
// retrying, the retries are spent or ctx ends, and returns the answer body
// and the number of attempts.
func (b *Bot) call(ctx context.Context, body []byte) ([]byte, int, error) {
	delivery := baton.NewID("dlv")
	for attempt := 1; ; attempt++ {
		answer, f := b.attempt(ctx, body, delivery)
		if f == nil {
			return answer, attempt, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, attempt, stopped(err, attempt)
		}
		if !f.retryable || attempt > b.retries {
			return nil, attempt, f.callError(attempt, b.timeout)
		}
		wait := f.wait(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
			// The next attempt could not start in time: report this one.
			return nil, attempt, f.callError(attempt, b.timeout)
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, attempt, stopped(ctx.Err(), attempt)
			case <-t.C:
			}
		}
	}
}

// wait is the pause before the attempt after this failed one: what the
// bot asked for in Retry-After, up to maxRetryAfter, else a backoff that
// grows with each attempt.
func (f *failure) wait(attempt int) time.Duration {
	if f.retryAfter >= 0 {
		return min(f.retryAfter, maxRetryAfter)
	}
	return backoffStep * time.Duration(attempt)
}

func stopped(err error, attempts int) *CallError {
	return &CallError{Kind: err, Attempts: attempts, cause: err,
		msg: fmt.Sprintf("bot call stopped after %s: %v", plural(attempts), err)}
}

// attempt sends one request under its own deadline.
func (b *Bot) attempt(ctx context.Context, body []byte, delivery string) ([]byte, *failure) {
	actx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return nil, &failure{kind: ErrInvalid, cause: fmt.Errorf("webhookbot: %w", err)}
	}
	req.Header = b.headers.Clone()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Baton")
	req.Header.Set(DeliveryHeader, delivery)
	if b.secret != "" {
		req.Header.Set(signature.Header, signature.Sign(b.secret, body, time.Now()))
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, transportFailure(actx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		f := &failure{kind: ErrStatus, status: resp.StatusCode, body: clean(snippet), retryAfter: -1}
		switch {
		case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests:
			f.retryable = true
		case resp.StatusCode >= 500:
			f.retryable = true
		}
		if f.retryable {
			f.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return nil, f
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerSize+1))
	if err != nil {
		return nil, transportFailure(actx, err)
	}
	if len(answer) > MaxAnswerSize {
		return nil, &failure{kind: ErrInvalid, cause: fmt.Errorf("bot answer is larger than %d bytes", MaxAnswerSize)}
	}
	return answer, nil
}

// transportFailure classifies an error from sending the request or
// reading the answer.
func transportFailure(actx context.Context, err error) *failure {
	var ne net.Error
	if errors.Is(actx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &failure{kind: ErrTimeout, cause: err, retryable: true, retryAfter: -1}
	}
	// url.Error repeats the URL, which may hold a token; keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &failure{kind: ErrUnreachable, cause: err, retryable: true, retryAfter: -1}
}

// retryAfter reads a Retry-After value, seconds or an HTTP date; -1 when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return -1
		}
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// clean makes the start of an error body fit for a log line.
func clean(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

var _ baton.Bot = (*Bot)(nil)
