package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/messenger"
	"github.com/batonhq/baton/telegram"
	"github.com/batonhq/baton/whatsapp"
	"gopkg.in/yaml.v3"
)

// ChannelsConfig lists the messaging-channel accounts: several per channel.
type ChannelsConfig struct {
	WhatsApp  []WhatsAppConfig  `yaml:"whatsapp"`
	Messenger []MessengerConfig `yaml:"messenger"`
	Telegram  []TelegramConfig  `yaml:"telegram"`
}

// WhatsAppConfig is one WhatsApp Business number on the Cloud API.
type WhatsAppConfig struct {
	Name          string `yaml:"name"`
	PhoneNumberID string `yaml:"phone_number_id"`
	AppSecret     Secret `yaml:"app_secret"`
	VerifyToken   Secret `yaml:"verify_token"`
	AccessToken   Secret `yaml:"access_token"`
	APIBase       string `yaml:"api_base"`
	// Templates are the approved templates agents may send outside the
	// 24-hour window, by department ("*" for any other).
	Templates map[string]baton.Template `yaml:"templates"`
}

// MessengerConfig is one Facebook page.
type MessengerConfig struct {
	Name            string `yaml:"name"`
	PageID          string `yaml:"page_id"`
	AppSecret       Secret `yaml:"app_secret"`
	VerifyToken     Secret `yaml:"verify_token"`
	PageAccessToken Secret `yaml:"page_access_token"`
	APIBase         string `yaml:"api_base"`
}

// TelegramConfig is one Telegram bot.
type TelegramConfig struct {
	Name        string `yaml:"name"`
	BotToken    Secret `yaml:"bot_token"`
	SecretToken Secret `yaml:"secret_token"`
	APIBase     string `yaml:"api_base"`
}

// Secret is a secret in the config file: written out (not recommended),
// or read from an environment variable ({env: NAME}) or a file
// ({file: /run/secrets/name}) when the config is loaded.
type Secret struct {
	Value string
	Env   string
	File  string
}

func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.Value = n.Value
		return nil
	}
	var ref struct {
		Env  string `yaml:"env"`
		File string `yaml:"file"`
	}
	if err := n.Decode(&ref); err != nil {
		return fmt.Errorf("a secret is a string, {env: NAME} or {file: PATH}: %w", err)
	}
	if (ref.Env == "") == (ref.File == "") {
		return errors.New("a secret needs exactly one of env or file")
	}
	s.Env, s.File = ref.Env, ref.File
	return nil
}

// resolve reads the secret's value from where it points.
func (s *Secret) resolve(getenv func(string) string, what string) error {
	switch {
	case s.Env != "":
		if s.Value = getenv(s.Env); s.Value == "" {
			return fmt.Errorf("%s: environment variable %s is empty", what, s.Env)
		}
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		s.Value = strings.TrimSpace(string(b))
	}
	if s.Value == "" {
		return fmt.Errorf("%s is required", what)
	}
	return nil
}

// resolveSecrets reads every channel secret, naming the one that is missing.
func (c *ChannelsConfig) resolveSecrets(getenv func(string) string) error {
	for i := range c.WhatsApp {
		a := &c.WhatsApp[i]
		for _, s := range []struct {
			v    *Secret
			name string
		}{{&a.AppSecret, "app_secret"}, {&a.VerifyToken, "verify_token"}, {&a.AccessToken, "access_token"}} {
			if err := s.v.resolve(getenv, fmt.Sprintf("channels.whatsapp %q: %s", a.Name, s.name)); err != nil {
				return err
			}
		}
	}
	for i := range c.Messenger {
		a := &c.Messenger[i]
		for _, s := range []struct {
			v    *Secret
			name string
		}{{&a.AppSecret, "app_secret"}, {&a.VerifyToken, "verify_token"}, {&a.PageAccessToken, "page_access_token"}} {
			if err := s.v.resolve(getenv, fmt.Sprintf("channels.messenger %q: %s", a.Name, s.name)); err != nil {
				return err
			}
		}
	}
	for i := range c.Telegram {
		a := &c.Telegram[i]
		if err := a.BotToken.resolve(getenv, fmt.Sprintf("channels.telegram %q: bot_token", a.Name)); err != nil {
			return err
		}
		if err := a.SecretToken.resolve(getenv, fmt.Sprintf("channels.telegram %q: secret_token", a.Name)); err != nil {
			return err
		}
	}
	return nil
}

// channels are the built messaging-channel adapters.
type channels struct {
	senders   map[string]baton.Sender
	whatsapp  []*whatsapp.Account
	messenger []*messenger.Account
	telegram  map[string]*telegram.Account
	templates map[string]map[string]baton.Template // account → department → template
}

// build checks and builds every configured account.
func (c *ChannelsConfig) build(departments map[string]*baton.Department, logger *slog.Logger) (*channels, error) {
	ch := &channels{senders: map[string]baton.Sender{}, telegram: map[string]*telegram.Account{},
		templates: map[string]map[string]baton.Template{}}
	client := &http.Client{Timeout: 20 * time.Second}
	seen := map[string]bool{}
	unique := func(kind, name string) error {
		if name == "" {
			return fmt.Errorf("config: channels.%s: an account has no name", kind)
		}
		// The name is part of a webhook path and of every log line.
		if !accountName.MatchString(name) {
			return fmt.Errorf("config: channels.%s: name %q may only have lowercase letters, digits, - and _", kind, name)
		}
		if seen[kind+"/"+name] {
			return fmt.Errorf("config: channels.%s: %q is defined twice", kind, name)
		}
		seen[kind+"/"+name] = true
		return nil
	}
	ids := map[string]string{} // a platform's id of an account → its name
	sameID := func(kind, id, name string) error {
		if other, ok := ids[kind+"/"+id]; ok {
			return fmt.Errorf("config: channels.%s %q and %q have the same id %s", kind, other, name, id)
		}
		ids[kind+"/"+id] = name
		return nil
	}
	for _, a := range c.WhatsApp {
		if err := unique("whatsapp", a.Name); err != nil {
			return nil, err
		}
		if err := sameID("whatsapp", a.PhoneNumberID, a.Name); err != nil {
			return nil, err
		}
		acc, err := whatsapp.New(whatsapp.Config{Name: a.Name, PhoneNumberID: a.PhoneNumberID, AppSecret: a.AppSecret.Value,
			VerifyToken: a.VerifyToken.Value, AccessToken: a.AccessToken.Value, APIBase: a.APIBase}, client, logger)
		if err != nil {
			return nil, fmt.Errorf("config: channels.whatsapp %q: %w", a.Name, err)
		}
		for dept, t := range a.Templates {
			if dept != "*" && departments[dept] == nil {
				return nil, fmt.Errorf("config: channels.whatsapp %q: template for unknown department %q", a.Name, dept)
			}
			if t.Name == "" || t.Language == "" {
				return nil, fmt.Errorf("config: channels.whatsapp %q: the template for %q needs a name and a language", a.Name, dept)
			}
		}
		ch.templates[a.Name] = a.Templates
		ch.whatsapp = append(ch.whatsapp, acc)
		ch.senders[engine.SenderKey(baton.ChannelWhatsApp, a.Name)] = acc
	}
	for _, a := range c.Messenger {
		if err := unique("messenger", a.Name); err != nil {
			return nil, err
		}
		if err := sameID("messenger", a.PageID, a.Name); err != nil {
			return nil, err
		}
		acc, err := messenger.New(messenger.Config{Name: a.Name, PageID: a.PageID, AppSecret: a.AppSecret.Value,
			VerifyToken: a.VerifyToken.Value, PageAccessToken: a.PageAccessToken.Value, APIBase: a.APIBase}, client, logger)
		if err != nil {
			return nil, fmt.Errorf("config: channels.messenger %q: %w", a.Name, err)
		}
		ch.messenger = append(ch.messenger, acc)
		ch.senders[engine.SenderKey(baton.ChannelMessenger, a.Name)] = acc
	}
	for _, a := range c.Telegram {
		if err := unique("telegram", a.Name); err != nil {
			return nil, err
		}
		acc, err := telegram.New(telegram.Config{Name: a.Name, BotToken: a.BotToken.Value, SecretToken: a.SecretToken.Value,
			APIBase: a.APIBase}, client, logger)
		if err != nil {
			return nil, fmt.Errorf("config: channels.telegram %q: %w", a.Name, err)
		}
		// A bot has one webhook: two accounts with its token would take
		// each other's.
		botID, _, _ := strings.Cut(a.BotToken.Value, ":")
		if err := sameID("telegram", "bot "+botID, a.Name); err != nil {
			return nil, err
		}
		ch.telegram[a.Name] = acc
		ch.senders[engine.SenderKey(baton.ChannelTelegram, a.Name)] = acc
	}
	return ch, nil
}

// template is the WhatsApp template for a conversation: its account's
// template for its department, else the account's "*".
func (ch *channels) template(c *baton.Conversation) *baton.Template {
	if c.Channel != baton.ChannelWhatsApp {
		return nil
	}
	byDept := ch.templates[c.ChannelAccount]
	if t, ok := byDept[c.Department]; ok {
		return &t
	}
	if t, ok := byDept["*"]; ok {
		return &t
	}
	return nil
}

// register mounts the webhooks:
//
//	/webhooks/whatsapp          every WhatsApp number (Meta has one URL per app)
//	/webhooks/messenger         every Facebook page
//	/webhooks/telegram/{name}   one per bot
func (ch *channels) register(mux *http.ServeMux, sink baton.ChannelSink, logger *slog.Logger) {
	if len(ch.whatsapp) > 0 {
		mux.Handle("/webhooks/whatsapp", whatsapp.Webhook(ch.whatsapp, sink, logger))
	}
	if len(ch.messenger) > 0 {
		mux.Handle("/webhooks/messenger", messenger.Webhook(ch.messenger, sink, logger))
	}
	for name, a := range ch.telegram {
		mux.Handle("/webhooks/telegram/"+name, a.Webhook(sink))
	}
}

// telegramWebhook registers Baton's webhook URL with every configured
// Telegram bot (Telegram, unlike Meta, is told its webhook through its API).
func telegramWebhook(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("telegram-webhook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", getenv("BATON_CONFIG"), "config `file` (YAML); env BATON_CONFIG")
	base := fs.String("url", "", "Baton's public `URL`, e.g. https://chat.example.com")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*base, "https://") {
		return errors.New("telegram-webhook: --url must be Baton's public https:// address (Telegram calls only HTTPS webhooks)")
	}
	cfg, err := LoadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	p, err := cfg.build()
	if err != nil {
		return err
	}
	ch, err := cfg.Channels.build(p.byName, nil)
	if err != nil {
		return err
	}
	if len(ch.telegram) == 0 {
		return errors.New("telegram-webhook: no Telegram bot in the config (channels.telegram)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, a := range ch.telegram {
		url := strings.TrimSuffix(*base, "/") + "/webhooks/telegram/" + name
		if err := a.SetWebhook(ctx, url); err != nil {
			return fmt.Errorf("telegram bot %q: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s: webhook set to %s\n", name, url)
	}
	return nil
}

// accountName is what a channel account may be called.
var accountName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
