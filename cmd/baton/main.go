// Command baton runs the Baton handoff server.
//
//	baton serve [--addr 127.0.0.1:8080] [--data ./data] [--config baton.yaml]
//	baton bench [flags]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/directline"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/metrics"
	"github.com/batonhq/baton/sqlite"
	"github.com/batonhq/baton/web"
	"github.com/batonhq/baton/webhooks"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "baton:", err)
		os.Exit(1)
	}
}

const usage = `Baton hands conversations between a bot and human agents.

Usage:
  baton serve [--addr ADDR] [--data DIR] [--config FILE]
  baton admin-token [--data DIR]    replace the admin token and print the new one
  baton telegram-webhook --url https://PUBLIC-HOST [--config FILE]
                                    register the webhook with every configured Telegram bot
  baton agent-password --email EMAIL [--data DIR]
                                    set an agent's inbox password: the first line of
                                    stdin, or a generated one, printed
  baton bench [--conversations N] [--clients N] [--duration D] [--rate R]

Run "baton <command> -h" for a command's flags.
`

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], getenv, stdout, stderr)
	case "bench":
		return bench(args[1:], stdout, stderr)
	case "admin-token":
		return adminToken(args[1:], getenv, stdout, stderr)
	case "telegram-webhook":
		return telegramWebhook(args[1:], getenv, stdout, stderr)
	case "agent-password":
		return agentPassword(args[1:], getenv, os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", getenv("BATON_CONFIG"), "config `file` (YAML); env BATON_CONFIG")
	addr := fs.String("addr", "", "listen `address`; env BATON_ADDR (default 127.0.0.1:8080)")
	data := fs.String("data", "", "data `directory` for the embedded database; env BATON_DATA (default ./data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if *data != "" {
		cfg.Data = *data
	}
	logger := newLogger(cfg, stderr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app, err := open(ctx, cfg, logger, stdout)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		app.db.Close()
		return err
	}
	logger.Info("baton listening", "addr", "http://"+ln.Addr().String(), "data", cfg.Data)
	return app.run(ctx, ln)
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cmpOr(cfg.Log.Level, "info"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// app is a wired Baton: database, engine, API.
type app struct {
	cfg    *Config
	db     *sqlite.DB
	engine *engine.Engine
	api    *api.Server
	// directLine is nil unless a Direct Line secret is configured.
	directLine *directline.Server
	channels   *channels
	metrics    *metrics.Metrics
	logger     *slog.Logger
}

func open(ctx context.Context, cfg *Config, logger *slog.Logger, stdout io.Writer) (*app, error) {
	db, err := sqlite.Open(filepath.Join(cfg.Data, "baton.db"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	adminHash, err := adminTokenHash(ctx, db, cfg.AdminToken, stdout)
	if err != nil {
		db.Close()
		return nil, err
	}
	p, err := cfg.build()
	if err != nil {
		db.Close()
		return nil, err
	}
	chans, err := cfg.Channels.build(p.byName, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	ints, err := cfg.buildIntegrations()
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := syncSubscriptions(ctx, db, ints.subs, logger); err != nil {
		db.Close()
		return nil, err
	}
	deptNames := make([]string, len(cfg.Departments))
	for i, d := range cfg.Departments {
		deptNames[i] = d.Name
	}
	met := metrics.New(queueSource(db, deptNames, logger))
	h := hub.New()
	eng := &engine.Engine{
		Store: db,
		Rules: &lifecycle.Rules{
			Departments:       func(name string) *baton.Department { return p.byName[name] },
			DefaultDepartment: cfg.DefaultDepartment,
			InactivityTimeout: cfg.InactivityTimeout,
			UnknownLimit:      cfg.UnknownLimit,
			Sensitive:         func(intent string) bool { return p.sensitive[intent] },
			Route:             p.router.Route,
			Template:          chans.template,
		},
		Senders:         chans.senders,
		Webhooks:        webhooks.New(nil),
		Helpdesk:        ints.helpdesk,
		Notifiers:       ints.notifiers,
		HookMaxAttempts: cfg.Webhooks.MaxAttempts,
		PublicURL:       cfg.PublicURL,
		Metrics:         met,
		Publisher:       h,
		Bot:             p.bot,
		RemoteBot:       p.remoteBot,
		BotTimeout:      p.botTimeout,
		Triggers:        p.triggers,
		Logger:          logger,
	}
	if err := eng.ReloadSubscriptions(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := createDemoAgent(ctx, db, cfg, stdout); err != nil {
		db.Close()
		return nil, err
	}
	srv := &api.Server{Engine: eng, Store: db, Hub: h, AdminTokenHash: adminHash, Departments: p.departments, Logger: logger,
		PublicRateLimit: cfg.RateLimit(), SecureCookies: cfg.Inbox.SecureCookies, CannedReplies: cfg.CannedReplies,
		Ready: db.Ping}
	a := &app{cfg: cfg, db: db, engine: eng, api: srv, channels: chans, metrics: met, logger: logger}
	if len(cfg.DirectLine.Secrets) > 0 {
		key, err := directLineKey(ctx, db)
		if err != nil {
			db.Close()
			return nil, err
		}
		a.directLine = &directline.Server{Engine: eng, Store: db, Hub: h, TokenKey: key, TokenTTL: cfg.DirectLine.TokenTTL,
			PublicURL: cfg.DirectLine.PublicURL, Logger: logger}
		for _, s := range cfg.DirectLine.Secrets {
			a.directLine.SecretHashes = append(a.directLine.SecretHashes, baton.HashToken(s))
		}
	}
	return a, nil
}

const directLineKeySetting = "direct_line_token_key"

// directLineKey is the key Direct Line tokens are signed with: random,
// made at the first start and kept, so tokens outlive a restart.
func directLineKey(ctx context.Context, db *sqlite.DB) ([]byte, error) {
	stored, err := db.Setting(ctx, directLineKeySetting)
	if err != nil {
		return nil, err
	}
	if stored != "" {
		return hex.DecodeString(stored)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, db.SetSetting(ctx, directLineKeySetting, hex.EncodeToString(key))
}

// adminTokenHash returns the hash of the admin token: from the environment,
// or generated on first start, stored hashed and printed this once.
func adminTokenHash(ctx context.Context, db *sqlite.DB, fromEnv string, stdout io.Writer) ([]byte, error) {
	if fromEnv != "" {
		return baton.HashToken(fromEnv), nil
	}
	stored, err := db.Setting(ctx, adminTokenSetting)
	if err != nil {
		return nil, err
	}
	if stored != "" {
		var h []byte
		if _, err := fmt.Sscanf(stored, "%x", &h); err != nil {
			return nil, fmt.Errorf("stored admin token hash is corrupt: %w", err)
		}
		return h, nil
	}
	token, h, err := newAdminToken(ctx, db)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "\nBaton generated an admin token. It is shown only this once; keep it safe:\n\n    %s\n\n"+
		"(set BATON_ADMIN_TOKEN to choose your own, or run \"baton admin-token\" to replace it)\n\n", token)
	return h, nil
}

const adminTokenSetting = "admin_token_hash"

// newAdminToken generates an admin token and stores its hash.
func newAdminToken(ctx context.Context, db *sqlite.DB) (token string, hash []byte, err error) {
	token = baton.NewToken(baton.TokenPrefixAdmin)
	hash = baton.HashToken(token)
	return token, hash, db.SetSetting(ctx, adminTokenSetting, fmt.Sprintf("%x", hash))
}

// adminToken replaces the stored admin token, for an operator who lost it.
// A running server reads the token at start, so restart it afterwards.
func adminToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", cmpOr(getenv("BATON_DATA"), "./data"), "data `directory` of the database; env BATON_DATA")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := filepath.Join(*data, "baton.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no Baton database at %s: %w", path, err)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	token, _, err := newAdminToken(context.Background(), db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", token)
	if getenv("BATON_ADMIN_TOKEN") != "" || getenv("BATON_ADMIN_TOKEN_FILE") != "" {
		fmt.Fprintln(stderr, "note: BATON_ADMIN_TOKEN is set here; a server started with it uses that token, not this one")
	}
	fmt.Fprintln(stderr, "The old admin token is void once Baton restarts.")
	return nil
}

// handler routes the API and the pages.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	api := a.api.Handler()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/readyz", api)
	mux.Handle("GET /metrics", bearer(a.cfg.MetricsToken, a.metrics.Handler()))
	if a.directLine != nil {
		mux.Handle("/v3/directline/", a.directLine.Handler())
	}
	a.channels.register(mux, a.engine, a.logger)
	web.New().Register(mux)
	return mux
}

// run serves until ctx ends, then shuts down in order: HTTP first, then the
// background work, then the database.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	closing := make(chan struct{})
	a.api.Closing = closing
	if a.directLine != nil {
		a.directLine.Closing = closing
	}
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	// Shutdown lets requests in flight finish (their writes are durable and
	// answered) but does not wait for WebSocket streams: end those.
	srv.RegisterOnShutdown(func() { close(closing) })
	workCtx, stopWork := context.WithCancel(context.Background())
	workDone, outboxDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(workDone)
		names := make([]string, len(a.cfg.Departments))
		for i, d := range a.cfg.Departments {
			names[i] = d.Name
		}
		a.engine.Run(workCtx, time.Second, names)
	}()
	go func() {
		defer close(outboxDone)
		a.engine.RunDeliveries(workCtx, time.Second)
	}()
	hooksDone := make(chan struct{})
	go func() {
		defer close(hooksDone)
		a.runHooks(workCtx)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if e := srv.Shutdown(shutdownCtx); e != nil && err == nil {
		err = e
	}
	stopWork()
	<-workDone
	<-outboxDone
	<-hooksDone
	a.engine.Wait() // bot answers in flight are stored before the database closes
	if e := a.db.Close(); e != nil && err == nil {
		err = e
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// runHooks delivers integration events until ctx ends, and prunes the
// delivery log once a day.
func (a *app) runHooks(ctx context.Context) {
	keep := a.cfg.Webhooks.Keep
	if keep <= 0 {
		keep = 30 * 24 * time.Hour
	}
	go func() {
		t := time.NewTicker(24 * time.Hour)
		defer t.Stop()
		for {
			a.engine.PruneHooks(ctx, keep)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	a.engine.RunHooks(ctx, time.Second)
}

// bearer asks for token as a bearer token, compared in constant time; an
// empty token asks for nothing.
func bearer(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := baton.HashToken(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !baton.TokenMatches(got, want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// queueSource reads each department's queue for the metrics; an empty
// queue reads 0.
func queueSource(db *sqlite.DB, departments []string, logger *slog.Logger) metrics.QueueSource {
	return func(ctx context.Context) ([]metrics.Queue, error) {
		convs, err := db.Queued(ctx, "")
		if err != nil {
			logger.Error("metrics: read the queues", "err", err)
			return nil, err
		}
		now := time.Now()
		byDept := map[string]*metrics.Queue{}
		for _, d := range departments {
			byDept[d] = &metrics.Queue{Department: d}
		}
		var out []metrics.Queue
		for _, c := range convs {
			q := byDept[c.Department]
			if q == nil {
				q = &metrics.Queue{Department: c.Department}
				byDept[c.Department] = q
			}
			q.Length++
			if c.QueuedAt != nil {
				q.OldestWait = max(q.OldestWait, now.Sub(*c.QueuedAt))
			}
		}
		for _, q := range byDept {
			out = append(out, *q)
		}
		return out, nil
	}
}
