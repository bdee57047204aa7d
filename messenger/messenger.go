// Package messenger connects Baton to Facebook pages through Meta's
// Messenger Platform: the page webhook in, the Send API out.
package messenger

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIBase is the Graph API version Baton speaks unless told otherwise.
const DefaultAPIBase = "https://graph.facebook.com/v21.0"

// Config is one Facebook page in Baton's config.
type Config struct {
	// Name is the account's name in Baton's config, e.g. "shop-page"; it is
	// the Account of every Inbound and StatusUpdate from this page.
	Name string
	// PageID is the page's numeric id: the entry id of its webhook events.
	PageID string
	// AppSecret is the secret of the Meta app the page is subscribed to;
	// it verifies X-Hub-Signature-256.
	AppSecret string
	// VerifyToken answers Meta's GET handshake when the webhook is set up.
	VerifyToken string
	// PageAccessToken authorises the Send API.
	PageAccessToken string
	// APIBase is the Graph API root with its version; empty means
	// DefaultAPIBase. Tests point it at an httptest server.
	APIBase string
}

// Account is one configured page: it sends through the Send API and
// names the events the webhook receives for the page. It is safe for
// concurrent use.
type Account struct {
	name        string
	pageID      string
	appSecret   string
	verifyToken string
	token       string
	base        string
	client      *http.Client
	logger      *slog.Logger
	now         func() time.Time
}

// New checks cfg and returns its Account. It never follows redirects,
// with whatever client; a nil client gives up after 30 seconds; a nil
// logger discards.
func New(cfg Config, client *http.Client, logger *slog.Logger) (*Account, error) {
	if strings.TrimSpace(cfg.Name) == "" {
		return nil, errors.New("messenger: name is required")
	}
	if !numeric(cfg.PageID) {
		return nil, fmt.Errorf("messenger %s: page_id must be the page's numeric id, not %q", cfg.Name, cfg.PageID)
	}
	for _, f := range []struct{ name, value string }{
		{"app_secret", cfg.AppSecret},
		{"verify_token", cfg.VerifyToken},
		{"page_access_token", cfg.PageAccessToken},
	} {
		if f.value == "" {
			return nil, fmt.Errorf("messenger %s: %s is required", cfg.Name, f.name)
		}
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("messenger %s: api_base must be an absolute http(s) URL without query, not %q", cfg.Name, base)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// Never follow a redirect, whatever client is given: the page token
	// rides in the query string and must not be carried to another host.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Account{
		name:        cfg.Name,
		pageID:      cfg.PageID,
		appSecret:   cfg.AppSecret,
		verifyToken: cfg.VerifyToken,
		token:       cfg.PageAccessToken,
		base:        strings.TrimRight(base, "/"),
		client:      &c,
		logger:      logger.With("channel", "messenger", "account", cfg.Name),
		now:         time.Now,
	}, nil
}

// Name is the account's name in Baton's config.
func (a *Account) Name() string { return a.name }

// PageID is the Facebook page the account speaks for.
func (a *Account) PageID() string { return a.pageID }

func numeric(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
