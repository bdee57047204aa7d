package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/batonhq/baton/password"
	"github.com/batonhq/baton/sqlite"
)

func TestDemoAgentAndPasswordCommand(t *testing.T) {
	dir := t.TempDir()
	cfg, err := LoadConfig("", env(map[string]string{"BATON_DATA": dir}))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out bytes.Buffer
	if err := createDemoAgent(ctx, db, cfg, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`email: +(\S+)\n +password: +(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("first start printed no demo sign-in:\n%s", out.String())
	}
	a, err := db.AgentByEmail(ctx, m[1])
	if err != nil || !password.Matches(a.PasswordHash, m[2]) || len(a.Departments) == 0 {
		t.Fatalf("demo agent %+v, %v: the printed password must sign in", a, err)
	}
	// A second start creates nothing and prints nothing.
	out.Reset()
	if err := createDemoAgent(ctx, db, cfg, &out); err != nil || out.Len() != 0 {
		t.Fatalf("second start: %v, printed %q", err, out.String())
	}
	db.Close()

	// agent-password: from stdin, then generated.
	if err := run([]string{"agent-password", "--data", dir}, env(nil), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--email") {
		t.Fatalf("agent-password without --email: %v", err)
	}
	err = agentPassword([]string{"--data", dir, "--email", strings.ToUpper(m[1])}, env(nil),
		strings.NewReader("a brand new password\n"), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var gen bytes.Buffer
	if err := agentPassword([]string{"--data", dir, "--email", m[1]}, env(nil), strings.NewReader(""), &gen, io.Discard); err != nil {
		t.Fatal(err)
	}
	err = agentPassword([]string{"--data", dir, "--email", m[1]}, env(nil), strings.NewReader("short\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "at least") {
		t.Fatalf("short password: %v", err)
	}
	err = agentPassword([]string{"--data", dir, "--email", "nobody@example.com"}, env(nil), strings.NewReader("a brand new password\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no agent") {
		t.Fatalf("unknown email: %v", err)
	}
	db, err = sqlite.Open(filepath.Join(dir, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, _ = db.AgentByEmail(ctx, m[1])
	if pw := strings.TrimSpace(gen.String()); pw == "" || !password.Matches(a.PasswordHash, pw) || password.Matches(a.PasswordHash, m[2]) {
		t.Fatalf("after agent-password the generated %q must be the password, not the demo one", pw)
	}
}

func TestTelegramWebhookCommand(t *testing.T) {
	var got map[string]any
	var path string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		json.NewDecoder(r.Body).Decode(&got)
		io.WriteString(w, `{"ok":true,"result":true,"description":"Webhook was set"}`)
	}))
	defer api.Close()
	cfg := filepath.Join(t.TempDir(), "baton.yaml")
	os.WriteFile(cfg, []byte("channels: {telegram: [{name: shop-bot, bot_token: {env: TG}, secret_token: s3cret-token, api_base: "+api.URL+"}]}"), 0o600)
	var out bytes.Buffer
	if err := run([]string{"telegram-webhook", "--config", cfg, "--url", "https://chat.example.com/"}, env(map[string]string{"TG": "123:abc"}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if path != "/bot123:abc/setWebhook" || got["url"] != "https://chat.example.com/webhooks/telegram/shop-bot" || got["secret_token"] != "s3cret-token" {
		t.Fatalf("setWebhook %s %v", path, got)
	}
	if !strings.Contains(out.String(), "shop-bot: webhook set") {
		t.Fatalf("printed %q", out.String())
	}
	if err := run([]string{"telegram-webhook", "--config", cfg, "--url", "http://insecure"}, env(map[string]string{"TG": "123:abc"}), io.Discard, io.Discard); err == nil {
		t.Fatal("an http:// URL was accepted")
	}
}
