package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/email"
	"github.com/batonhq/baton/freshdesk"
	"github.com/batonhq/baton/helpdeskhook"
	"github.com/batonhq/baton/slack"
	"github.com/batonhq/baton/sqlite"
	"github.com/batonhq/baton/teams"
	"github.com/batonhq/baton/zendesk"
)

// WebhooksConfig is about the event webhooks.
type WebhooksConfig struct {
	// MaxAttempts bounds the attempts per event and receiver (default 25,
	// about 7½ hours of retries).
	MaxAttempts int `yaml:"max_attempts"`
	// Keep is how long delivered and failed events stay in the delivery
	// log (default 30 days).
	Keep time.Duration `yaml:"keep"`
	// Subscriptions from the config file, besides those made through the
	// admin API; the API shows them but cannot change them.
	Subscriptions []SubscriptionConfig `yaml:"subscriptions"`
}

// SubscriptionConfig is one webhook subscription in the config file.
type SubscriptionConfig struct {
	Name   string   `yaml:"name"`
	URL    string   `yaml:"url"`
	Events []string `yaml:"events"`
	Secret Secret   `yaml:"secret"`
	// Paused stops queueing events for it.
	Paused bool `yaml:"paused"`
}

// HelpdeskConfig names the one helpdesk tickets are mirrored to.
type HelpdeskConfig struct {
	Zendesk *struct {
		Subdomain string           `yaml:"subdomain"`
		BaseURL   string           `yaml:"base_url"`
		Email     string           `yaml:"email"`
		APIToken  Secret           `yaml:"api_token"`
		Groups    map[string]int64 `yaml:"groups"`
		Tags      []string         `yaml:"tags"`
	} `yaml:"zendesk"`
	Freshdesk *struct {
		Domain  string           `yaml:"domain"`
		BaseURL string           `yaml:"base_url"`
		APIKey  Secret           `yaml:"api_key"`
		Groups  map[string]int64 `yaml:"groups"`
		Tags    []string         `yaml:"tags"`
	} `yaml:"freshdesk"`
	// Hook is the generic JSON POST, for Zapier, n8n, Make.
	Hook *struct {
		URL     string            `yaml:"url"`
		Secret  Secret            `yaml:"secret"`
		Headers map[string]string `yaml:"headers"`
	} `yaml:"hook"`
}

// AlertsConfig lists where urgent handoffs are raised besides the inbox.
type AlertsConfig struct {
	Slack *struct {
		WebhookURL Secret `yaml:"webhook_url"`
	} `yaml:"slack"`
	Teams *struct {
		WebhookURL Secret `yaml:"webhook_url"`
	} `yaml:"teams"`
	Email *struct {
		Host     string   `yaml:"host"`
		Port     int      `yaml:"port"`
		Username string   `yaml:"username"`
		Password Secret   `yaml:"password"`
		From     string   `yaml:"from"`
		To       []string `yaml:"to"`
		// StartTLS: auto (default), always, never, or tls (port 465).
		StartTLS string `yaml:"starttls"`
	} `yaml:"email"`
}

// resolveIntegrationSecrets reads the integrations' secrets from where
// they point. A password may be empty for an SMTP relay without login.
func (c *Config) resolveIntegrationSecrets(getenv func(string) string) error {
	for i := range c.Webhooks.Subscriptions {
		s := &c.Webhooks.Subscriptions[i]
		if err := s.Secret.resolve(getenv, fmt.Sprintf("webhooks.subscriptions %q: secret", s.Name)); err != nil {
			return err
		}
	}
	h := &c.Helpdesk
	if h.Zendesk != nil {
		if err := h.Zendesk.APIToken.resolve(getenv, "helpdesk.zendesk: api_token"); err != nil {
			return err
		}
	}
	if h.Freshdesk != nil {
		if err := h.Freshdesk.APIKey.resolve(getenv, "helpdesk.freshdesk: api_key"); err != nil {
			return err
		}
	}
	if h.Hook != nil && (h.Hook.Secret != Secret{}) {
		if err := h.Hook.Secret.resolve(getenv, "helpdesk.hook: secret"); err != nil {
			return err
		}
	}
	a := &c.Alerts
	if a.Slack != nil {
		if err := a.Slack.WebhookURL.resolve(getenv, "alerts.slack: webhook_url"); err != nil {
			return err
		}
	}
	if a.Teams != nil {
		if err := a.Teams.WebhookURL.resolve(getenv, "alerts.teams: webhook_url"); err != nil {
			return err
		}
	}
	if a.Email != nil && (a.Email.Password != Secret{}) {
		if err := a.Email.Password.resolve(getenv, "alerts.email: password"); err != nil {
			return err
		}
	}
	return nil
}

// integrations are the built helpdesk, notifiers and config subscriptions.
type integrations struct {
	helpdesk  baton.Helpdesk
	notifiers map[string]baton.Notifier
	subs      []*baton.Subscription
}

// buildIntegrations checks the integrations' config and builds them.
func (c *Config) buildIntegrations() (*integrations, error) {
	in := &integrations{notifiers: map[string]baton.Notifier{}}
	names := map[string]bool{}
	for _, sc := range c.Webhooks.Subscriptions {
		for _, t := range sc.Events {
			if !slices.Contains(baton.HookEventTypes, t) {
				return nil, fmt.Errorf("config: webhooks.subscriptions %q: unknown event type %q", sc.Name, t)
			}
		}
		s := &baton.Subscription{ID: "cfg_" + sc.Name, Name: sc.Name, URL: sc.URL, Events: sc.Events,
			Secret: sc.Secret.Value, Active: !sc.Paused, Config: true}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("config: webhooks.subscriptions %q: %s", sc.Name, baton.ErrorMessage(err))
		}
		if names[s.Name] {
			return nil, fmt.Errorf("config: webhooks.subscriptions: %q is defined twice", s.Name)
		}
		if !accountName.MatchString(s.Name) {
			return nil, fmt.Errorf("config: webhooks.subscriptions: name %q may only have lowercase letters, digits, - and _", s.Name)
		}
		names[s.Name] = true
		if s.Events == nil {
			s.Events = []string{}
		}
		in.subs = append(in.subs, s)
	}
	if c.Webhooks.MaxAttempts < 0 || c.Webhooks.Keep < 0 {
		return nil, fmt.Errorf("config: webhooks: max_attempts and keep must not be negative")
	}

	h := c.Helpdesk
	count := 0
	for _, set := range []bool{h.Zendesk != nil, h.Freshdesk != nil, h.Hook != nil} {
		if set {
			count++
		}
	}
	if count > 1 {
		return nil, fmt.Errorf("config: helpdesk: configure one of zendesk, freshdesk or hook")
	}
	var err error
	switch {
	case h.Zendesk != nil:
		z := h.Zendesk
		in.helpdesk, err = zendesk.New(zendesk.Config{Subdomain: z.Subdomain, BaseURL: z.BaseURL, Email: z.Email,
			APIToken: z.APIToken.Value, GroupIDs: z.Groups, Tags: z.Tags}, nil)
	case h.Freshdesk != nil:
		f := h.Freshdesk
		in.helpdesk, err = freshdesk.New(freshdesk.Config{Domain: f.Domain, BaseURL: f.BaseURL, APIKey: f.APIKey.Value,
			GroupIDs: f.Groups, Tags: f.Tags}, nil)
	case h.Hook != nil:
		in.helpdesk, err = helpdeskhook.New(helpdeskhook.Config{URL: h.Hook.URL, Secret: h.Hook.Secret.Value,
			Headers: h.Hook.Headers}, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("config: helpdesk: %w", err)
	}

	a := c.Alerts
	if a.Slack != nil {
		n, err := slack.New(slack.Config{WebhookURL: a.Slack.WebhookURL.Value}, nil)
		if err != nil {
			return nil, fmt.Errorf("config: alerts: %w", err)
		}
		in.notifiers["slack"] = n
	}
	if a.Teams != nil {
		n, err := teams.New(teams.Config{WebhookURL: a.Teams.WebhookURL.Value}, nil)
		if err != nil {
			return nil, fmt.Errorf("config: alerts: %w", err)
		}
		in.notifiers["teams"] = n
	}
	if e := a.Email; e != nil {
		n, err := email.New(email.Config{Host: e.Host, Port: e.Port, Username: e.Username, Password: e.Password.Value,
			From: e.From, To: e.To, StartTLS: email.TLSPolicy(e.StartTLS)})
		if err != nil {
			return nil, fmt.Errorf("config: alerts: %w", err)
		}
		in.notifiers["email"] = n
	}
	return in, nil
}

// syncSubscriptions makes the stored config subscriptions those of the
// config file: new ones added, changed ones updated, removed ones deleted.
func syncSubscriptions(ctx context.Context, db *sqlite.DB, subs []*baton.Subscription, logger *slog.Logger) error {
	stored, err := db.Subscriptions(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	keep := map[string]bool{}
	for _, s := range subs {
		keep[s.ID] = true
		s.CreatedAt, s.UpdatedAt = now, now
		for _, old := range stored {
			if old.ID == s.ID {
				s.CreatedAt = old.CreatedAt
				if old.URL == s.URL && old.Secret == s.Secret && old.Active == s.Active && slices.Equal(old.Events, s.Events) {
					s.UpdatedAt = old.UpdatedAt
				}
			}
		}
		if err := db.PutSubscription(ctx, s); err != nil {
			return fmt.Errorf("webhook subscription %q: %w", s.Name, err)
		}
	}
	for _, old := range stored {
		if old.Config && !keep[old.ID] {
			if err := db.DeleteSubscription(ctx, old.ID, now); err != nil {
				return err
			}
			logger.Info("webhook subscription removed from the config file", "name", old.Name)
		}
	}
	return nil
}
