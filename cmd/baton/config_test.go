package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/sqlite"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDemo(t *testing.T) {
	c, err := LoadConfig("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Data != "./data" || c.InactivityTimeout != 30*time.Minute ||
		c.DefaultDepartment != "support" || len(c.Departments) != 2 || len(c.Bot.Intents) < 10 || len(c.Routing) == 0 || c.UnknownLimit != 2 {
		t.Fatalf("demo config: %+v", c)
	}
}

func TestLoadConfigFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baton.yaml")
	os.WriteFile(path, []byte("addr: 0.0.0.0:9000\ninactivity_timeout: 10m\ndepartments:\n  - name: billing\n  - name: sales\ndefault_department: sales\n"), 0o600)
	secret := filepath.Join(t.TempDir(), "admin")
	os.WriteFile(secret, []byte("a-very-long-admin-token-from-file\n"), 0o600)
	c, err := LoadConfig(path, env(map[string]string{"BATON_DATA": "/var/lib/baton", "BATON_INACTIVITY_TIMEOUT": "45m", "BATON_ADMIN_TOKEN_FILE": secret}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.Data != "/var/lib/baton" || c.InactivityTimeout != 45*time.Minute ||
		len(c.Departments) != 2 || c.DefaultDepartment != "sales" || c.AdminToken != "a-very-long-admin-token-from-file" {
		t.Fatalf("config: %+v", c)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := map[string]struct {
		file string
		env  map[string]string
		want string
	}{
		"bad yaml":             {file: "addr: [", want: "config"},
		"unknown default dept": {file: "default_department: nope", want: `default_department "nope"`},
		"duplicate department": {file: "departments: [{name: a}, {name: a}]\ndefault_department: a", want: "defined twice"},
		"bad detail kind":      {file: "departments: [{name: a, required: [{key: x, kind: shoe}]}]\ndefault_department: a", want: `unknown kind "shoe"`},
		"bad duration env":     {env: map[string]string{"BATON_INACTIVITY_TIMEOUT": "soon"}, want: "BATON_INACTIVITY_TIMEOUT"},
		"short admin token":    {env: map[string]string{"BATON_ADMIN_TOKEN": "short"}, want: "at least 20"},
		"missing token file":   {env: map[string]string{"BATON_ADMIN_TOKEN_FILE": "/nonexistent"}, want: "BATON_ADMIN_TOKEN_FILE"},
		"misspelt key":         {file: "inactivty_timeout: 5m", want: "field inactivty_timeout not found"},
		"bad hours":            {file: "departments: [{name: a, hours: {time_zone: Mars/Olympus, weekly: {mon: [09:00-17:00]}}}]\ndefault_department: a", want: `department "a": hours`},
		"bad routing":          {file: "departments: [{name: a}]\ndefault_department: a\nrouting: [{department: b}]", want: `unknown department "b"`},
		"bad trigger disable":  {file: "departments: [{name: a}]\ndefault_department: a\ntriggers: {disable: [bot_failure]}", want: "triggers"},
		"bad bot":              {file: "departments: [{name: a}]\ndefault_department: a\nbot: {fallback: hi, intents: [{name: x}]}", want: "bot"},
		"bad bot department":   {file: "departments: [{name: a}]\ndefault_department: a\nbot: {fallback: hi, intents: [{name: x, answer: y, examples: {en: [z]}, department: b}]}", want: `unknown department "b"`},
		"bad webhook":          {file: "departments: [{name: a}]\ndefault_department: a\nbot_webhook: {url: 'ftp://x', format: rasa}", want: "bot_webhook"},
		"channel secret env unset": {file: "channels: {telegram: [{name: b, bot_token: {env: TG_TOKEN}, secret_token: s3cret}]}",
			want: `channels.telegram "b": bot_token: environment variable TG_TOKEN is empty`},
		"channel secret missing": {file: "channels: {telegram: [{name: b, secret_token: s3cret}]}", want: `bot_token is required`},
		"channel secret both":    {file: "channels: {telegram: [{name: b, bot_token: {env: X, file: /y}, secret_token: s}]}", want: "exactly one"},
		"channel secret file":    {file: "channels: {telegram: [{name: b, bot_token: {file: /nonexistent/token}, secret_token: s}]}", want: "/nonexistent/token"},
		"channel twice": {file: "channels: {telegram: [{name: b, bot_token: '1:a', secret_token: s}, {name: b, bot_token: '2:b', secret_token: s}]}",
			want: `"b" is defined twice`},
		"same page twice": {env: map[string]string{"S": "x"}, file: `channels: {messenger: [{name: a, page_id: "1", app_secret: {env: S}, verify_token: {env: S}, page_access_token: {env: S}}, {name: b, page_id: "1", app_secret: {env: S}, verify_token: {env: S}, page_access_token: {env: S}}]}`,
			want: "have the same id 1"},
		"same telegram bot twice": {file: "channels: {telegram: [{name: a, bot_token: '1:a', secret_token: s}, {name: b, bot_token: '1:a', secret_token: s}]}",
			want: `"a" and "b" have the same id bot 1`},
		"account name with a space": {file: "channels: {telegram: [{name: 'support bot', bot_token: '1:a', secret_token: s}]}",
			want: `name "support bot" may only have lowercase letters`},
		"webhook unknown event": {file: "webhooks: {subscriptions: [{name: crm, url: 'https://x.example', secret: 0123456789abcdef, events: [ticket.exploded]}]}",
			want: `unknown event type "ticket.exploded"`},
		"webhook short secret": {file: "webhooks: {subscriptions: [{name: crm, url: 'https://x.example', secret: short}]}",
			want: "at least 16"},
		"webhook secret env unset": {file: "webhooks: {subscriptions: [{name: crm, url: 'https://x.example', secret: {env: HOOK}}]}",
			want: "environment variable HOOK is empty"},
		"webhook twice": {file: "webhooks: {subscriptions: [{name: a, url: 'https://x.example', secret: 0123456789abcdef}, {name: a, url: 'https://y.example', secret: 0123456789abcdef}]}",
			want: `"a" is defined twice`},
		"two helpdesks": {file: "helpdesk: {zendesk: {subdomain: acme, email: a@b.c, api_token: t}, freshdesk: {domain: acme, api_key: k}}",
			want: "one of zendesk, freshdesk or hook"},
		"zendesk without email": {file: "helpdesk: {zendesk: {subdomain: acme, api_token: t}}", want: "helpdesk"},
		"slack bad url":         {file: "alerts: {slack: {webhook_url: 'ftp://x'}}", want: "alerts"},
		"email without to":      {file: "alerts: {email: {host: smtp.example.com, port: 587, from: baton@example.com}}", want: "alerts"},
		"bad public url":        {file: "public_url: support.example.com", want: "public_url"},
		"template unknown department": {env: map[string]string{"S": "x"}, file: `channels: {whatsapp: [{name: m, phone_number_id: "1", app_secret: {env: S}, verify_token: {env: S}, access_token: {env: S}, templates: {nope: {name: t, language: en}}}]}`,
			want: `template for unknown department "nope"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = filepath.Join(t.TempDir(), "baton.yaml")
				os.WriteFile(path, []byte(tt.file), 0o600)
			}
			_, err := LoadConfig(path, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// baton admin-token replaces the stored admin token and prints the new one.
func TestAdminTokenCommand(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"admin-token", "--data", dir}, env(nil), io.Discard, io.Discard); err == nil {
		t.Fatal("admin-token without a database should fail")
	}
	db, err := sqlite.Open(filepath.Join(dir, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if _, err := adminTokenHash(context.Background(), db, "", &first); err != nil {
		t.Fatal(err)
	}
	db.Close()
	oldToken := regexp.MustCompile(`adm_[a-z0-9]+`).FindString(first.String())

	var out bytes.Buffer
	if err := run([]string{"admin-token", "--data", dir}, env(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	newToken := strings.TrimSpace(out.String())
	db, err = sqlite.Open(filepath.Join(dir, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, err := adminTokenHash(context.Background(), db, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if oldToken == "" || !strings.HasPrefix(newToken, "adm_") || newToken == oldToken ||
		!baton.TokenMatches(newToken, h) || baton.TokenMatches(oldToken, h) {
		t.Fatalf("old %q, new %q: the stored hash must match only the new one", oldToken, newToken)
	}
}

func TestRateLimitConfig(t *testing.T) {
	c, err := LoadConfig("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if rl := c.RateLimit(); rl.PerMinute != 60 || rl.Burst != 30 || len(rl.TrustedProxies) != 0 {
		t.Fatalf("demo rate limit %+v", rl)
	}
	path := filepath.Join(t.TempDir(), "baton.yaml")
	os.WriteFile(path, []byte("trusted_proxies: [\"127.0.0.1\", \"10.0.0.0/8\"]\n"), 0o600)
	c, err = LoadConfig(path, env(map[string]string{"BATON_PUBLIC_RATE_LIMIT": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	if rl := c.RateLimit(); rl.PerMinute != 0 || len(rl.TrustedProxies) != 2 || rl.TrustedProxies[0].String() != "127.0.0.1/32" {
		t.Fatalf("rate limit %+v", rl)
	}
	os.WriteFile(path, []byte("trusted_proxies: [\"not-an-ip\"]\n"), 0o600)
	if _, err := LoadConfig(path, env(nil)); err == nil || !strings.Contains(err.Error(), "trusted_proxies") {
		t.Fatalf("bad proxy: %v", err)
	}
}

func TestChannelSecretsFromEnvAndFiles(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "page_token")
	os.WriteFile(tokenFile, []byte("EAApage\n"), 0o600)
	path := filepath.Join(dir, "baton.yaml")
	os.WriteFile(path, []byte(`
channels:
  messenger:
    - name: shop-page
      page_id: "1234567890"
      app_secret: {env: FB_APP_SECRET}
      verify_token: plain-verify
      page_access_token: {file: `+tokenFile+`}
`), 0o600)
	cfg, err := LoadConfig(path, env(map[string]string{"FB_APP_SECRET": "from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.Channels.Messenger[0]
	if m.AppSecret.Value != "from-env" || m.VerifyToken.Value != "plain-verify" || m.PageAccessToken.Value != "EAApage" {
		t.Fatalf("secrets: %q %q %q", m.AppSecret.Value, m.VerifyToken.Value, m.PageAccessToken.Value)
	}
}
