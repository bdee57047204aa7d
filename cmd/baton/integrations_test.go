package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/sqlite"
)

// The config file's subscriptions are the stored config subscriptions at
// each start; the API's own are left alone.
func TestSyncSubscriptions(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	api := &baton.Subscription{ID: "wh_api", Name: "from-api", URL: "https://api.example.com", Secret: "0123456789abcdef", Active: true}
	if err := db.PutSubscription(ctx, api); err != nil {
		t.Fatal(err)
	}
	sub := func(name, url string) *baton.Subscription {
		return &baton.Subscription{ID: "cfg_" + name, Name: name, URL: url, Secret: "0123456789abcdef", Active: true, Config: true, Events: []string{}}
	}
	log := slog.New(slog.DiscardHandler)
	if err := syncSubscriptions(ctx, db, []*baton.Subscription{sub("crm", "https://crm.example.com"), sub("bi", "https://bi.example.com")}, log); err != nil {
		t.Fatal(err)
	}
	if err := syncSubscriptions(ctx, db, []*baton.Subscription{sub("crm", "https://crm2.example.com")}, log); err != nil {
		t.Fatal(err)
	}
	subs, err := db.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range subs {
		got[s.ID] = s.URL
	}
	if len(got) != 2 || got["cfg_crm"] != "https://crm2.example.com" || got["wh_api"] != "https://api.example.com" {
		t.Fatalf("stored %v", got)
	}
}
