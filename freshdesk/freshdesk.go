// Package freshdesk mirrors Baton's tickets in Freshdesk through its API
// v2: a ticket per handoff, then private notes and "resolved".
package freshdesk

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

// Config is a Freshdesk helpdesk in Baton's config.
type Config struct {
	// Domain is the helpdesk's Freshdesk address, acme.freshdesk.com or
	// just acme. Freshdesk's API answers only there, not on a custom
	// domain.
	Domain string
	// BaseURL replaces https://{Domain}, for a proxy or a test server;
	// set one of the two.
	BaseURL string
	// APIKey is the key from an agent's Profile settings; tickets and
	// notes are written in that agent's name. It is never logged nor
	// returned in an error.
	APIKey string
	// GroupIDs maps a Baton department to the Freshdesk group its tickets
	// go to; a department not listed leaves the group to Freshdesk.
	GroupIDs map[string]int64
	// Tags are added to every ticket Baton creates.
	Tags []string
}

// Client creates and updates tickets in one Freshdesk helpdesk. It is
// safe for concurrent use.
type Client struct {
	// Now reads the clock for Retry-After dates; time.Now when nil.
	Now func() time.Time

	base   string        // scheme://host[/path], no trailing slash
	api    *outbound.API // with the credentials, kept out of errors
	groups map[string]int64
	tags   []string
}

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.freshdesk\.com)?$`)

// New checks cfg and returns the client. A nil client gets one with a
// 30-second timeout that does not follow redirects.
func New(cfg Config, client *http.Client) (*Client, error) {
	var base string
	switch {
	case cfg.Domain != "" && cfg.BaseURL != "":
		return nil, errors.New("freshdesk: set the domain or the base URL, not both")
	case cfg.Domain != "":
		d := strings.ToLower(strings.TrimSpace(cfg.Domain))
		if !domainRE.MatchString(d) {
			return nil, fmt.Errorf("freshdesk: the domain must be the helpdesk's Freshdesk address, such as acme.freshdesk.com, not %q", cfg.Domain)
		}
		if !strings.HasSuffix(d, ".freshdesk.com") {
			d += ".freshdesk.com"
		}
		base = "https://" + d
	case cfg.BaseURL != "":
		b, err := outbound.BaseURL(cfg.BaseURL, "https://acme.freshdesk.com")
		if err != nil {
			return nil, fmt.Errorf("freshdesk: base URL: %w", err)
		}
		base = b
	default:
		return nil, errors.New("freshdesk: the domain is missing (acme.freshdesk.com)")
	}
	// Real keys are about 20 characters; a short one is a typo, and
	// redacting it would mangle every error.
	if len(cfg.APIKey) < 8 || strings.ContainsAny(cfg.APIKey, " \t\r\n:") {
		return nil, errors.New("freshdesk: the API key is missing or malformed")
	}
	for dept, id := range cfg.GroupIDs {
		if id <= 0 {
			return nil, fmt.Errorf("freshdesk: group IDs: department %q needs a positive Freshdesk group ID, not %d", dept, id)
		}
	}
	for _, tag := range cfg.Tags {
		if strings.TrimSpace(tag) == "" || strings.ContainsAny(tag, ",\r\n") {
			return nil, fmt.Errorf("freshdesk: tags: %q is not a tag", tag)
		}
	}
	c := &Client{
		base: base,
		// Freshdesk's scheme: the key as the user name, any password.
		api:    outbound.NewBasicAPI("Freshdesk", cfg.APIKey, "X", client),
		groups: maps.Clone(cfg.GroupIDs),
		tags:   append([]string(nil), cfg.Tags...),
	}
	c.api.Secrets.Hide("[API key]", cfg.APIKey)
	return c, nil
}

var _ baton.Helpdesk = (*Client)(nil)
