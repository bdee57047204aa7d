// Package telegram connects Baton to Telegram bots through the Bot API:
// a webhook that hands customers' messages to the engine, and a Sender.
package telegram

import (
	"crypto/sha256"
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

// DefaultAPIBase is where the Bot API lives unless a local Bot API server
// is configured.
const DefaultAPIBase = "https://api.telegram.org"

// defaultTimeout bounds a Bot API call when New makes the client.
const defaultTimeout = 30 * time.Second

// Config is one Telegram bot in Baton's config.
type Config struct {
	// Name is the account's name in Baton's config, e.g. "shop-bot".
	Name string `yaml:"name"`
	// BotToken is the token from BotFather. It is part of every API URL,
	// so neither those URLs nor the errors net/http builds from them are
	// ever logged or returned.
	BotToken string `yaml:"bot_token"`
	// SecretToken is setWebhook's secret_token, which Telegram sends in the
	// X-Telegram-Bot-Api-Secret-Token header of every update: 1–256
	// characters of A–Z, a–z, 0–9, _ and -.
	SecretToken string `yaml:"secret_token"`
	// APIBase is the Bot API's address; DefaultAPIBase when empty.
	APIBase string `yaml:"api_base"`
}

// Account is one configured Telegram bot: its webhook and its Sender.
type Account struct {
	name        string
	token       string
	secretToken string
	secretHash  [sha256.Size]byte // compared in constant time, whatever the header's length
	base        string            // APIBase + "/bot" + token + "/": never logged
	client      *http.Client
	log         *slog.Logger
	now         func() time.Time

	mu sync.Mutex
	// sentParts counts, per delivery, the parts of a long text already
	// sent, so that a retry after a partial send does not repeat them.
	sentParts map[int64]int
}

// New checks cfg and returns the account. A nil client gets one with a
// 30-second timeout; a nil logger discards.
func New(cfg Config, client *http.Client, logger *slog.Logger) (*Account, error) {
	if cfg.Name == "" {
		return nil, errors.New("telegram: an account needs a name")
	}
	if cfg.BotToken == "" || strings.ContainsAny(cfg.BotToken, "/?#% \t\r\n") {
		// Never repeat the token, not even a malformed one.
		return nil, fmt.Errorf("telegram %s: the bot token is missing or malformed", cfg.Name)
	}
	if !validSecret(cfg.SecretToken) {
		return nil, fmt.Errorf("telegram %s: the secret token must be 1-256 characters of A-Z, a-z, 0-9, _ and -", cfg.Name)
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("telegram %s: the API base must be an http(s) URL, not %q", cfg.Name, base)
	}
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Account{
		name:        cfg.Name,
		token:       cfg.BotToken,
		secretToken: cfg.SecretToken,
		secretHash:  sha256.Sum256([]byte(cfg.SecretToken)),
		base:        strings.TrimRight(base, "/") + "/bot" + cfg.BotToken + "/",
		client:      client,
		log:         logger.With("channel", baton.ChannelTelegram, "account", cfg.Name),
		now:         time.Now,
		sentParts:   map[int64]int{},
	}, nil
}

// validSecret reports whether s is what setWebhook accepts as secret_token.
func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// redact removes the bot token from s: a last guard for text that reaches
// logs or errors.
func (a *Account) redact(s string) string {
	return strings.ReplaceAll(s, a.token, "<bot token>")
}

var _ baton.Sender = (*Account)(nil)
