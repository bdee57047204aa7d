// Package zendesk mirrors Baton's tickets in Zendesk Support through its
// REST API: a ticket per handoff, then internal notes and "solved".
package zendesk

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

const (
	// maxAnswer bounds what is read of an API response.
	maxAnswer = 1 << 20
	// defaultTimeout bounds a request when New makes the client.
	defaultTimeout = 30 * time.Second
)

// Config is a Zendesk Support account in Baton's config.
type Config struct {
	// Subdomain is the account's subdomain: "acme" for acme.zendesk.com.
	Subdomain string
	// BaseURL replaces https://{Subdomain}.zendesk.com, for a proxy or a
	// test server; set one of the two.
	BaseURL string
	// Email is the agent whose API token this is; tickets and notes are
	// written in their name.
	Email string
	// APIToken is a token from Admin Center > Apps and integrations >
	// Zendesk API. It is never logged nor returned in an error.
	APIToken string
	// GroupIDs maps a Baton department to the Zendesk group its tickets
	// go to; a department not listed leaves the group to Zendesk.
	GroupIDs map[string]int64
	// Tags are added to every ticket Baton creates.
	Tags []string
}

// Client creates and updates tickets in one Zendesk account. It is safe
// for concurrent use.
type Client struct {
	// Now reads the clock for Retry-After dates; time.Now when nil.
	Now func() time.Time

	base   string // scheme://host[/path], no trailing slash
	auth   string // the Authorization header
	token  string
	groups map[string]int64
	tags   []string
	client *http.Client
}

var subdomainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// New checks cfg and returns the client. A nil client gets one with a
// 30-second timeout that does not follow redirects.
func New(cfg Config, client *http.Client) (*Client, error) {
	var base string
	switch {
	case cfg.Subdomain != "" && cfg.BaseURL != "":
		return nil, errors.New("zendesk: set the subdomain or the base URL, not both")
	case cfg.Subdomain != "":
		if !subdomainRE.MatchString(cfg.Subdomain) {
			return nil, fmt.Errorf("zendesk: the subdomain must be the first part of the account's address, such as acme for acme.zendesk.com, not %q", cfg.Subdomain)
		}
		base = "https://" + cfg.Subdomain + ".zendesk.com"
	case cfg.BaseURL != "":
		b, err := checkBaseURL(cfg.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("zendesk: base URL: %w", err)
		}
		base = b
	default:
		return nil, errors.New("zendesk: the subdomain is missing (acme for acme.zendesk.com)")
	}
	if cfg.Email == "" || strings.ContainsAny(cfg.Email, " \t\r\n") || !strings.Contains(cfg.Email, "@") {
		return nil, fmt.Errorf("zendesk: the email of the agent who owns the API token is missing or malformed: %q", cfg.Email)
	}
	// Real tokens are 40 characters; a short one is a typo, and
	// redacting it would mangle every error.
	if len(cfg.APIToken) < 8 || strings.ContainsAny(cfg.APIToken, " \t\r\n") {
		return nil, errors.New("zendesk: the API token is missing or malformed")
	}
	groups := make(map[string]int64, len(cfg.GroupIDs))
	for dept, id := range cfg.GroupIDs {
		if id <= 0 {
			return nil, fmt.Errorf("zendesk: group IDs: department %q needs a positive Zendesk group ID, not %d", dept, id)
		}
		groups[dept] = id
	}
	for _, tag := range cfg.Tags {
		// Zendesk splits a tag at spaces and commas into several.
		if tag == "" || strings.ContainsAny(tag, " \t\r\n,") {
			return nil, fmt.Errorf("zendesk: tags: %q is not a tag: one word, no spaces or commas", tag)
		}
	}
	if client == nil {
		client = &http.Client{
			Timeout: defaultTimeout,
			// An address that moved is a configuration error, not a
			// reason to send the credentials (or a POST turned GET) on.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Client{
		base:   base,
		auth:   "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+"/token:"+cfg.APIToken)),
		token:  cfg.APIToken,
		groups: groups,
		tags:   append([]string(nil), cfg.Tags...),
		client: client,
	}, nil
}

// checkBaseURL accepts https, and plain http only on the loopback
// interface, where a test server or a local proxy listens: the API token
// must not cross a network in the clear.
func checkBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an address such as https://acme.zendesk.com", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return "", fmt.Errorf("%q must use https", s)
		}
	default:
		return "", fmt.Errorf("%q is not an address such as https://acme.zendesk.com", s)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var _ baton.Helpdesk = (*Client)(nil)
