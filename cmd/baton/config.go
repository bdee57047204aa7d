package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/hours"
	"github.com/batonhq/baton/routing"
	"github.com/batonhq/baton/trigger"
	"github.com/batonhq/baton/webhookbot"
	"gopkg.in/yaml.v3"
)

//go:embed demo.yaml
var demoConfig []byte

// Config is everything Baton can be configured with.
type Config struct {
	Addr              string             `yaml:"addr"`
	Data              string             `yaml:"data"`
	InactivityTimeout time.Duration      `yaml:"inactivity_timeout"`
	UnknownLimit      int                `yaml:"unknown_limit"`
	DefaultDepartment string             `yaml:"default_department"`
	Departments       []DepartmentConfig `yaml:"departments"`
	Routing           []routing.Rule     `yaml:"routing"`
	Triggers          trigger.Config     `yaml:"triggers"`
	// SensitiveIntents are topics no bot may handle alone, whichever bot
	// recognised them; the built-in bot's own sensitive intents add to it.
	SensitiveIntents []string   `yaml:"sensitive_intents"`
	Bot              bot.Config `yaml:"bot"`
	// BotWebhook, when it has a URL, replaces the built-in bot with an
	// external one (its secret comes from BATON_BOT_WEBHOOK_SECRET).
	BotWebhook      webhookbot.Config `yaml:"bot_webhook"`
	PublicRateLimit struct {
		PerMinute float64 `yaml:"per_minute"`
		Burst     int     `yaml:"burst"`
	} `yaml:"public_rate_limit"`
	TrustedProxies []string    `yaml:"trusted_proxies"`
	Inbox          InboxConfig `yaml:"inbox"`
	// CannedReplies are prepared answers agents insert in the inbox.
	CannedReplies []baton.CannedReply `yaml:"canned_replies"`
	DirectLine    DirectLineConfig    `yaml:"direct_line"`
	// Channels are the messaging-channel accounts (WhatsApp, Messenger,
	// Telegram); their secrets may come from the environment or files.
	Channels ChannelsConfig `yaml:"channels"`
	// PublicURL is Baton's address as agents reach it, for links to the
	// inbox in helpdesk tickets and alerts (env BATON_PUBLIC_URL).
	PublicURL string `yaml:"public_url"`
	// Webhooks send lifecycle events to subscribed URLs.
	Webhooks WebhooksConfig `yaml:"webhooks"`
	// Helpdesk mirrors tickets to Zendesk, Freshdesk or a generic hook.
	Helpdesk HelpdeskConfig `yaml:"helpdesk"`
	// Alerts raise urgent handoffs in Slack, Teams or by email.
	Alerts AlertsConfig `yaml:"alerts"`
	Log    struct {
		Level  string `yaml:"level"`  // debug, info, warn, error
		Format string `yaml:"format"` // text or json
	} `yaml:"log"`

	// AdminToken comes from BATON_ADMIN_TOKEN or BATON_ADMIN_TOKEN_FILE only.
	AdminToken string `yaml:"-"`
	// MetricsToken, from BATON_METRICS_TOKEN or _FILE, makes /metrics ask
	// for it as a bearer token; without it /metrics is open.
	MetricsToken string `yaml:"-"`
}

// InboxConfig is about the agents' inbox at /inbox.
type InboxConfig struct {
	// SecureCookies marks the session cookie Secure: set it when Baton is
	// served over HTTPS by a proxy in front of it.
	SecureCookies bool `yaml:"secure_cookies"`
	// DemoAgent, when it has an email, is created at the first start with a
	// generated password that is printed once, so the inbox can be tried at
	// once. The demo setup has one; a config with its own departments not.
	DemoAgent DemoAgentConfig `yaml:"demo_agent"`
}

// DemoAgentConfig is the demo setup's agent.
type DemoAgentConfig struct {
	Name        string   `yaml:"name"`
	Email       string   `yaml:"email"`
	Departments []string `yaml:"departments"`
}

// DirectLineConfig serves the Direct Line 3.0 protocol for Bot Framework
// Web Chat. It is on when a secret is set (BATON_DIRECT_LINE_SECRET).
type DirectLineConfig struct {
	// PublicURL is Baton's address as browsers reach it, for the stream
	// URLs handed out; by default the request's own host.
	PublicURL string `yaml:"public_url"`
	// TokenTTL is how long a Direct Line token lasts (default 30m).
	TokenTTL time.Duration `yaml:"token_ttl"`
	// Secrets come from BATON_DIRECT_LINE_SECRET or _FILE only: one, or
	// several separated by commas while rotating.
	Secrets []string `yaml:"-"`
}

// DepartmentConfig is one department in the config file.
type DepartmentConfig struct {
	Name     string             `yaml:"name"`
	Title    string             `yaml:"title"`
	Required []baton.DetailSpec `yaml:"required"`
	// Hours is the department's calendar; none means always open.
	Hours *hours.Config `yaml:"hours"`
	// HandlingTime is the expected time per conversation until enough
	// have been measured (default 6 minutes).
	HandlingTime time.Duration `yaml:"handling_time"`
}

// LoadConfig reads the demo defaults, then the file at path (if any), then
// BATON_* environment variables, and validates the result.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	var c Config
	if err := decodeYAML(demoConfig, &c); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		// A file keeps the demo's settings it does not set. A file with
		// departments of its own does not keep the demo shop: its
		// routing, triggers and bot are the file's own too.
		var keys map[string]any
		if err := yaml.Unmarshal(b, &keys); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		if _, ok := keys["departments"]; ok {
			c.DefaultDepartment, c.Departments, c.Routing, c.Triggers, c.SensitiveIntents, c.Bot =
				"", nil, nil, trigger.Config{}, nil, bot.Config{Fallback: defaultFallback}
			c.CannedReplies, c.Inbox.DemoAgent = nil, DemoAgentConfig{}
		}
		if err := decodeYAML(b, &c); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if v := getenv("BATON_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("BATON_DATA"); v != "" {
		c.Data = v
	}
	if v := getenv("BATON_INACTIVITY_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("BATON_INACTIVITY_TIMEOUT: %w", err)
		}
		c.InactivityTimeout = d
	}
	if v := getenv("BATON_UNKNOWN_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("BATON_UNKNOWN_LIMIT: %w", err)
		}
		c.UnknownLimit = n
	}
	if v := getenv("BATON_PUBLIC_RATE_LIMIT"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("BATON_PUBLIC_RATE_LIMIT: %w", err)
		}
		c.PublicRateLimit.PerMinute = n
	}
	if v := getenv("BATON_LOG_LEVEL"); v != "" {
		c.Log.Level = v
	}
	if v := getenv("BATON_BOT_WEBHOOK_URL"); v != "" {
		c.BotWebhook.URL = v
	}
	token, err := secret(getenv, "BATON_ADMIN_TOKEN")
	if err != nil {
		return nil, err
	}
	c.AdminToken = token
	if c.BotWebhook.Secret, err = secret(getenv, "BATON_BOT_WEBHOOK_SECRET"); err != nil {
		return nil, err
	}
	if err := c.Channels.resolveSecrets(getenv); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.resolveIntegrationSecrets(getenv); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if c.MetricsToken, err = secret(getenv, "BATON_METRICS_TOKEN"); err != nil {
		return nil, err
	}
	if v := getenv("BATON_PUBLIC_URL"); v != "" {
		c.PublicURL = v
	}
	dl, err := secret(getenv, "BATON_DIRECT_LINE_SECRET")
	if err != nil {
		return nil, err
	}
	for _, s := range strings.Split(dl, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.DirectLine.Secrets = append(c.DirectLine.Secrets, s)
		}
	}
	return &c, c.Validate()
}

// defaultFallback is the built-in bot's answer when a config file has no
// bot of its own: every message it cannot answer leads to a person.
var defaultFallback = baton.Localized{
	"en": "I can't answer that myself. Type \"agent\" to talk to a person.",
	"nl": "Daar kan ik zelf geen antwoord op geven. Typ \"medewerker\" om iemand te spreken.",
	"he": "אין לי תשובה לזה. אפשר לכתוב \"נציג\" כדי לדבר עם אדם.",
	"de": "Darauf kann ich selbst nicht antworten. Schreiben Sie \"Mitarbeiter\", um mit einem Menschen zu sprechen.",
	"fr": "Je ne peux pas répondre moi-même. Écrivez \"humain\" pour parler à une personne.",
	"es": "No puedo responder a eso. Escriba \"agente\" para hablar con una persona.",
	"ar": "لا أستطيع الإجابة عن ذلك. اكتب \"موظف\" للتحدث مع شخص.",
}

// decodeYAML reads YAML into c, refusing keys Config does not have: a
// misspelt setting is an error, not silently ignored.
func decodeYAML(b []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// secret reads NAME, or the file named by NAME_FILE.
func secret(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if f := getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// Validate reports the first thing wrong with the config.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return fmt.Errorf("config: addr is empty")
	}
	if c.Data == "" {
		return fmt.Errorf("config: data is empty")
	}
	if c.InactivityTimeout < 0 {
		return fmt.Errorf("config: inactivity_timeout must not be negative")
	}
	if c.UnknownLimit < 0 {
		return fmt.Errorf("config: unknown_limit must not be negative")
	}
	if len(c.Departments) == 0 {
		return fmt.Errorf("config: at least one department is needed")
	}
	seen := map[string]bool{}
	for _, d := range c.Departments {
		if d.Name == "" {
			return fmt.Errorf("config: a department has no name")
		}
		if seen[d.Name] {
			return fmt.Errorf("config: department %q is defined twice", d.Name)
		}
		seen[d.Name] = true
		if d.HandlingTime < 0 {
			return fmt.Errorf("config: department %q: handling_time must not be negative", d.Name)
		}
	}
	p, err := c.build()
	if err != nil {
		return err
	}
	if _, err := c.Channels.build(p.byName, nil); err != nil {
		return err
	}
	if _, err := c.buildIntegrations(); err != nil {
		return err
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: public_url %q is not an http(s) URL", c.PublicURL)
		}
	}
	if c.DefaultDepartment == "" {
		c.DefaultDepartment = c.Departments[0].Name
	}
	if !seen[c.DefaultDepartment] {
		return fmt.Errorf("config: default_department %q is not a department", c.DefaultDepartment)
	}
	if c.PublicRateLimit.PerMinute < 0 || c.PublicRateLimit.Burst < 0 {
		return fmt.Errorf("config: public_rate_limit must not be negative")
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	for _, s := range c.DirectLine.Secrets {
		if len(s) < 20 {
			return fmt.Errorf("BATON_DIRECT_LINE_SECRET: each secret must be at least 20 characters")
		}
	}
	if c.DirectLine.TokenTTL < 0 {
		return fmt.Errorf("config: direct_line.token_ttl must not be negative")
	}
	if d := c.Inbox.DemoAgent; d.Email != "" {
		for _, name := range d.Departments {
			if !seen[name] {
				return fmt.Errorf("config: inbox.demo_agent: unknown department %q", name)
			}
		}
	}
	ids := map[string]bool{}
	for i, cr := range c.CannedReplies {
		if cr.Title == "" || cr.Text == "" {
			return fmt.Errorf("config: canned_replies[%d]: title and text are required", i)
		}
		if cr.ID == "" {
			c.CannedReplies[i].ID = fmt.Sprint(i + 1)
		}
		if ids[c.CannedReplies[i].ID] {
			return fmt.Errorf("config: canned_replies: id %q is used twice", cr.ID)
		}
		ids[c.CannedReplies[i].ID] = true
		if cr.Department != "" && !seen[cr.Department] {
			return fmt.Errorf("config: canned reply %q: unknown department %q", cr.Title, cr.Department)
		}
	}
	if c.AdminToken != "" && len(c.AdminToken) < 20 {
		return fmt.Errorf("BATON_ADMIN_TOKEN must be at least 20 characters")
	}
	return nil
}

// Proxies parses trusted_proxies: addresses or CIDR prefixes.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("config: trusted_proxies: %q is not an address or a prefix", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// RateLimit returns the public rate limit for the API.
func (c *Config) RateLimit() api.RateLimit {
	proxies, _ := c.Proxies() // checked by Validate
	return api.RateLimit{PerMinute: c.PublicRateLimit.PerMinute, Burst: c.PublicRateLimit.Burst, TrustedProxies: proxies}
}

// parts are what the config builds: departments with their calendars,
// routing, triggers and the bot.
type parts struct {
	departments []*baton.Department
	byName      map[string]*baton.Department
	router      *routing.Router
	triggers    *trigger.Detector
	bot         baton.Bot
	remoteBot   bool
	botTimeout  time.Duration
	sensitive   map[string]bool
}

// build checks every part of the config and builds it.
func (c *Config) build() (*parts, error) {
	p := &parts{byName: map[string]*baton.Department{}, sensitive: map[string]bool{}}
	for _, dc := range c.Departments {
		d := &baton.Department{Name: dc.Name, Title: dc.Title, HandlingTime: dc.HandlingTime,
			Required: slices.Clone(dc.Required)}
		keys := map[string]bool{}
		for i := range d.Required {
			spec := &d.Required[i]
			if spec.Key == "" {
				return nil, fmt.Errorf("config: department %q: a required detail has no key", d.Name)
			}
			if keys[spec.Key] {
				return nil, fmt.Errorf("config: department %q: detail %q is listed twice", d.Name, spec.Key)
			}
			keys[spec.Key] = true
			if err := spec.Compile(); err != nil {
				return nil, fmt.Errorf("config: department %q: %s", d.Name, baton.ErrorMessage(err))
			}
		}
		if dc.Hours != nil {
			cal, err := hours.New(*dc.Hours)
			if err != nil {
				return nil, fmt.Errorf("config: department %q: hours: %s", d.Name, baton.ErrorMessage(err))
			}
			d.Hours = cal
		}
		p.departments = append(p.departments, d)
		p.byName[d.Name] = d
	}
	router, err := routing.New(c.Routing, func(name string) bool { return p.byName[name] != nil })
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	p.router = router
	if p.triggers, err = trigger.New(c.Triggers); err != nil {
		return nil, fmt.Errorf("config: triggers: %s", baton.ErrorMessage(err))
	}
	for _, name := range c.SensitiveIntents {
		p.sensitive[name] = true
	}
	if c.BotWebhook.URL != "" {
		wb, err := webhookbot.New(c.BotWebhook, nil)
		if err != nil {
			return nil, fmt.Errorf("config: bot_webhook: %w", err)
		}
		p.bot, p.remoteBot = wb, true
		// The engine's deadline leaves room for every retry.
		p.botTimeout = wb.Budget() + time.Second
	} else {
		b, err := bot.New(c.Bot)
		if err != nil {
			return nil, fmt.Errorf("config: bot: %w", err)
		}
		for _, in := range b.Intents() {
			if in.Sensitive {
				p.sensitive[in.Name] = true
			}
			if in.Department != "" && p.byName[in.Department] == nil {
				return nil, fmt.Errorf("config: bot: intent %q: unknown department %q", in.Name, in.Department)
			}
		}
		p.bot = b
	}
	return p, nil
}
