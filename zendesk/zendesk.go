// Package zendesk mirrors Baton's tickets in Zendesk Support through its
// REST API: a ticket per handoff, then internal notes and "solved".
package zendesk

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
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

	base   string        // scheme://host[/path], no trailing slash
	api    *outbound.API // with the credentials, kept out of errors
	groups map[string]int64
	tags   []string
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
		b, err := outbound.BaseURL(cfg.BaseURL, "https://acme.zendesk.com")
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
	for dept, id := range cfg.GroupIDs {
		if id <= 0 {
			return nil, fmt.Errorf("zendesk: group IDs: department %q needs a positive Zendesk group ID, not %d", dept, id)
		}
	}
	for _, tag := range cfg.Tags {
		// Zendesk splits a tag at spaces and commas into several.
		if tag == "" || strings.ContainsAny(tag, " \t\r\n,") {
			return nil, fmt.Errorf("zendesk: tags: %q is not a tag: one word, no spaces or commas", tag)
		}
	}
	c := &Client{
		base:   base,
		api:    outbound.NewBasicAPI("Zendesk", cfg.Email+"/token", cfg.APIToken, client),
		groups: maps.Clone(cfg.GroupIDs),
		tags:   append([]string(nil), cfg.Tags...),
	}
	c.api.Secrets.Hide("[API token]", cfg.APIToken)
	return c, nil
}

var _ baton.Helpdesk = (*Client)(nil)
