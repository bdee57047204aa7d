// Package whatsapp connects Baton to the WhatsApp Business Cloud API: a
// webhook that hands customers' messages to the engine, and a Sender.
package whatsapp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton"
)

// DefaultAPIBase is the Graph API version Baton speaks unless configured.
const DefaultAPIBase = "https://graph.facebook.com/v21.0"

const (
	// MaxWebhookBody is the largest webhook delivery read; Meta batches
	// at most a few hundred small events in one POST.
	MaxWebhookBody = 1 << 20
	// maxAPIAnswer bounds what is read of a Graph API response.
	maxAPIAnswer = 1 << 20
	// defaultTimeout bounds a send when New makes the client.
	defaultTimeout = 30 * time.Second
)

// Config is one WhatsApp business phone number in Baton's config.
type Config struct {
	// Name is the account's name in Baton's config, e.g. "main".
	Name string
	// PhoneNumberID is the business phone number's ID in the Graph API
	// (not the phone number itself): digits only.
	PhoneNumberID string
	// AppSecret is the Meta app's secret, which signs every webhook
	// delivery (X-Hub-Signature-256).
	AppSecret string
	// VerifyToken is what Meta's dashboard sends in the webhook handshake.
	VerifyToken string
	// AccessToken is the bearer token of the send API. It is never
	// logged nor returned in an error.
	AccessToken string
	// APIBase is the versioned Graph API address; DefaultAPIBase when empty.
	APIBase string
}

// Account is one configured business phone number: its Sender, and its
// part in the webhook.
type Account struct {
	name          string
	phoneNumberID string
	appSecret     string
	verifyToken   string
	accessToken   string
	endpoint      string // APIBase + "/" + PhoneNumberID + "/messages"
	client        *http.Client
	log           *slog.Logger

	mu sync.Mutex
	// sentParts counts, per delivery, the requests of a message sent in
	// several (a long text, then its buttons) that already went out, so a
	// retry after a partial send does not repeat them.
	sentParts map[int64]int
}

// New checks cfg and returns the account. A nil client gets one with a
// 30-second timeout that does not follow redirects; a nil logger discards.
func New(cfg Config, client *http.Client, logger *slog.Logger) (*Account, error) {
	if cfg.Name == "" {
		return nil, errors.New("whatsapp: an account needs a name")
	}
	if !digits(cfg.PhoneNumberID) {
		return nil, fmt.Errorf("whatsapp %s: the phone number ID must be the Graph API's numeric ID, not %q", cfg.Name, cfg.PhoneNumberID)
	}
	if cfg.AppSecret == "" {
		return nil, fmt.Errorf("whatsapp %s: the app secret is missing; it verifies webhook signatures", cfg.Name)
	}
	if cfg.VerifyToken == "" {
		return nil, fmt.Errorf("whatsapp %s: the verify token is missing; it answers Meta's webhook handshake", cfg.Name)
	}
	if cfg.AccessToken == "" || strings.ContainsAny(cfg.AccessToken, " \t\r\n") {
		return nil, fmt.Errorf("whatsapp %s: the access token is missing or malformed", cfg.Name)
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("whatsapp %s: the API base must be an http(s) URL such as %s, not %q", cfg.Name, DefaultAPIBase, base)
	}
	if client == nil {
		client = &http.Client{
			Timeout: defaultTimeout,
			// A Graph API that moved is a configuration error, not a
			// reason to send the bearer token somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Account{
		name:          cfg.Name,
		phoneNumberID: cfg.PhoneNumberID,
		appSecret:     cfg.AppSecret,
		verifyToken:   cfg.VerifyToken,
		accessToken:   cfg.AccessToken,
		endpoint:      strings.TrimRight(base, "/") + "/" + cfg.PhoneNumberID + "/messages",
		client:        client,
		log:           logger.With("channel", baton.ChannelWhatsApp, "account", cfg.Name),
		sentParts:     map[int64]int{},
	}, nil
}

// Name is the account's name in Baton's config.
func (a *Account) Name() string { return a.name }

// PhoneNumberID is the business phone number's Graph API ID.
func (a *Account) PhoneNumberID() string { return a.phoneNumberID }

// digits reports whether s is a non-empty string of ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var _ baton.Sender = (*Account)(nil)
