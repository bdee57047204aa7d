package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/sqlite"
)

// MustOpenDB opens a fresh database in a temporary directory.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "baton.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func newConversation(id string, now time.Time) *baton.Conversation {
	return &baton.Conversation{ID: id, Version: 1, Channel: baton.ChannelWeb, Locale: "en", Mode: baton.ModeBot,
		Priority: baton.PriorityNormal, CustomerTokenHash: baton.HashToken("secret"), CreatedAt: now, UpdatedAt: now, LastActivityAt: now}
}

func TestCommitRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	c := newConversation("c_1", now)
	c.Contact = baton.Contact{Name: "Dana", Email: "dana@example.com"}
	c.LastSeq = 1
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c, Messages: []baton.Message{
		{Seq: 1, Author: baton.AuthorCustomer, Text: "hello", ClientMessageID: "m1", CreatedAt: now},
	}}); err != nil {
		t.Fatal(err)
	}
	c2 := c.Clone()
	c2.Version = 2
	c2.LastSeq = 2
	c2.Mode = baton.ModeQueued
	c2.QueuedAt = &now
	c2.Handoff = &baton.Handoff{Trigger: baton.TriggerText, Reason: "asked", Department: "support", Priority: baton.PriorityHigh,
		Details: map[string]string{"email": "dana@example.com"}, RequestedAt: now}
	if err := db.Commit(ctx, &baton.Change{Conversation: c2, Messages: []baton.Message{
		{Seq: 2, Author: baton.AuthorBot, Text: "hold on", Buttons: []baton.Button{{Title: "ok", Payload: "ok"}}, CreatedAt: now},
	}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Conversation(ctx, "c_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Mode != baton.ModeQueued || got.Handoff == nil || got.Handoff.Details["email"] != "dana@example.com" ||
		!got.QueuedAt.Equal(now) || got.Contact.Name != "Dana" || !baton.TokenMatches("secret", got.CustomerTokenHash) {
		t.Fatalf("conversation did not round-trip: %+v", got)
	}
	msgs, err := db.Messages(ctx, "c_1", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].ClientMessageID != "m1" || msgs[1].Buttons[0].Payload != "ok" || !msgs[1].CreatedAt.Equal(now) {
		t.Fatalf("messages did not round-trip: %+v", msgs)
	}
}

func TestCommitRefusesStaleVersion(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	c := newConversation("c_1", now)
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c}); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c}); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("second create: got %v, want conflict", err)
	}
	stale := c.Clone() // version 1 again: the stored row already has version 1
	stale.LastSeq = 1
	if err := db.Commit(ctx, &baton.Change{Conversation: stale, Messages: []baton.Message{{Seq: 1, Author: baton.AuthorBot, Text: "x", CreatedAt: now}}}); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("stale update: got %v, want conflict", err)
	}
	if msgs, _ := db.Messages(ctx, "c_1", 0, 10); len(msgs) != 0 {
		t.Fatalf("a refused change wrote messages: %+v", msgs)
	}
}

// Hundreds of writers race to assign the same conversation from the same
// version: the store lets exactly one win.
func TestCommitCompareAndSwapRace(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	c := newConversation("c_1", now)
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c}); err != nil {
		t.Fatal(err)
	}
	const n = 300
	var wg sync.WaitGroup
	wins := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := c.Clone()
			next.Version = 2
			next.Mode = baton.ModeAgent
			next.Assignee = baton.NewID("a")
			next.LastSeq = 1
			err := db.Commit(ctx, &baton.Change{Conversation: next, Messages: []baton.Message{{Seq: 1, Author: baton.AuthorSystem, Text: "joined", CreatedAt: now}}})
			switch baton.ErrorCode(err) {
			case "":
				wins <- next.Assignee
			case baton.ECONFLICT:
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("%d writers won, want exactly 1", len(winners))
	}
	got, _ := db.Conversation(ctx, "c_1")
	if got.Assignee != winners[0] {
		t.Fatalf("stored assignee %q, winner %q", got.Assignee, winners[0])
	}
	if msgs, _ := db.Messages(ctx, "c_1", 0, 10); len(msgs) != 1 {
		t.Fatalf("%d timeline entries, want 1", len(msgs))
	}
}

// A faulty write in a batch fails alone; the others in the batch commit.
func TestBatchIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newConversation(baton.NewID("c"), now)
			c.LastSeq = 2
			msgs := []baton.Message{{Seq: 1, Author: baton.AuthorCustomer, Text: "a", CreatedAt: now}, {Seq: 2, Author: baton.AuthorBot, Text: "b", CreatedAt: now}}
			if i%10 == 0 {
				msgs[1].Seq = 1 // duplicate primary key: this change must fail
			}
			errs[i] = db.Commit(ctx, &baton.Change{Create: true, Conversation: c, Messages: msgs})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 0) != (err != nil) {
			t.Errorf("change %d: err = %v", i, err)
		}
	}
	all, err := db.Conversations(ctx, baton.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 90 {
		t.Fatalf("%d conversations stored, want 90", len(all))
	}
}

// What follows from the timeline is read back from it: the last seq, the
// last customer message and the last entry's time.
func TestAppendOnlyAndDerivedFields(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := newConversation("c_1", t0)
	c.LastSeq = 1
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c, Messages: []baton.Message{
		{Seq: 1, Author: baton.AuthorSystem, Text: "started", CreatedAt: t0}}}); err != nil {
		t.Fatal(err)
	}
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	next := c.Clone()
	next.LastSeq = 3
	next.UpdatedAt = t2
	if err := db.Commit(ctx, &baton.Change{AppendOnly: true, Conversation: next, Messages: []baton.Message{
		{Seq: 2, Author: baton.AuthorCustomer, Text: "hi", CreatedAt: t1},
		{Seq: 3, Author: baton.AuthorBot, Text: "hello", CreatedAt: t2}}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Conversation(ctx, "c_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.LastSeq != 3 || got.LastCustomerAt == nil || !got.LastCustomerAt.Equal(t1) || !got.UpdatedAt.Equal(t2) {
		t.Fatalf("derived fields: version %d, last seq %d, last customer %v, updated %v", got.Version, got.LastSeq, got.LastCustomerAt, got.UpdatedAt)
	}
	list, err := db.Conversations(ctx, baton.ConversationFilter{})
	if err != nil || len(list) != 1 || list[0].LastSeq != 3 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if err := db.Commit(ctx, &baton.Change{AppendOnly: true, Conversation: next}); baton.ErrorCode(err) != baton.EINVALID {
		t.Fatalf("append-only without messages: %v", err)
	}
}

// Two writers appending to one conversation from the same state: the seq
// decides, exactly one wins, and the loser writes nothing.
func TestAppendOnlyRace(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	c := newConversation("c_1", now)
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c}); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	var wins, conflicts atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := c.Clone()
			next.LastSeq = 2
			msgs := []baton.Message{{Seq: 1, Author: baton.AuthorCustomer, Text: fmt.Sprint(i), CreatedAt: now},
				{Seq: 2, Author: baton.AuthorBot, Text: "answer", CreatedAt: now}}
			ch := &baton.Change{AppendOnly: i%2 == 0, Conversation: next, Messages: msgs}
			if !ch.AppendOnly {
				next.Version = 2 // a change of state racing the appends
			}
			switch err := db.Commit(ctx, ch); baton.ErrorCode(err) {
			case "":
				wins.Add(1)
			case baton.ECONFLICT:
				conflicts.Add(1)
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != n-1 {
		t.Fatalf("%d wins, %d conflicts; want 1 and %d", wins.Load(), conflicts.Load(), n-1)
	}
	msgs, _ := db.Messages(ctx, "c_1", 0, 10)
	if len(msgs) != 2 {
		t.Fatalf("%d entries stored, want 2", len(msgs))
	}
}

// The queue is served whole, however long: no listing limit applies.
func TestQueuedHasNoLimit(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	for i := range 1100 {
		c := newConversation(fmt.Sprintf("c_%04d", i), now)
		c.Mode, c.Department, c.QueuedAt = baton.ModeQueued, "support", &now
		if i%2 == 1 {
			c.Department = "billing"
		}
		if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c}); err != nil {
			t.Fatal(err)
		}
	}
	support, err := db.Queued(ctx, "support")
	if err != nil || len(support) != 550 {
		t.Fatalf("support queue: %d, %v", len(support), err)
	}
	all, err := db.Queued(ctx, "")
	if err != nil || len(all) != 1100 {
		t.Fatalf("all queues: %d, %v", len(all), err)
	}
}

func TestMigrationsRecordTheirVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != 7 {
		t.Fatalf("schema version %d, %v; want 7", v, err)
	}
	db.Close()
	// Opening again applies nothing twice.
	db, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v != 7 {
		t.Fatalf("schema version after reopening %d", v)
	}
}

// What the handoff procedure keeps: the bot's memory, the intent and
// payload of messages, the customer-visible tail of the timeline, and
// finished handlings per department.
func TestHandoffProcedureRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := newConversation("c_1", now)
	c.BotState = &baton.BotState{Flow: "order_status", Pending: "order_number", Slots: map[string]string{"email": "a@b.co"}}
	c.LastSeq = 4
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: c, Messages: []baton.Message{
		{Seq: 1, Author: baton.AuthorCustomer, Text: "No", Payload: baton.PayloadNotHelpful, CreatedAt: now},
		{Seq: 2, Author: baton.AuthorSystem, Text: "private", Private: true, CreatedAt: now},
		{Seq: 3, Author: baton.AuthorBot, Text: "Where is it?", Intent: "order_status", CreatedAt: now},
		{Seq: 4, Author: baton.AuthorCustomer, Text: "AB-1234", CreatedAt: now},
	}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Conversation(ctx, "c_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.BotState == nil || got.BotState.Flow != "order_status" || got.BotState.Pending != "order_number" || got.BotState.Slots["email"] != "a@b.co" {
		t.Fatalf("bot state %+v", got.BotState)
	}
	recent, err := db.RecentMessages(ctx, "c_1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 || recent[0].Seq != 3 || recent[0].Intent != "order_status" || recent[1].Seq != 4 {
		t.Fatalf("recent %+v", recent)
	}
	all, _ := db.RecentMessages(ctx, "c_1", 10)
	if len(all) != 3 || all[0].Payload != baton.PayloadNotHelpful {
		t.Fatalf("recent without private entries: %+v", all)
	}

	// Clearing the bot state stores NULL; a handling is recorded with the change.
	c2 := got.Clone()
	c2.Version = 2
	c2.BotState = nil
	c2.Department = "support"
	if err := db.Commit(ctx, &baton.Change{Conversation: c2, Handled: &baton.Handling{ConversationID: "c_1", Department: "support",
		AgentID: "a_1", Start: now, End: now.Add(7 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Conversation(ctx, "c_1"); got.BotState != nil {
		t.Fatalf("bot state not cleared: %+v", got.BotState)
	}
	for i, d := range []time.Duration{3 * time.Minute, 5 * time.Minute} {
		c3, _ := db.Conversation(ctx, "c_1")
		c3.Version++
		end := now.Add(time.Duration(i+1) * time.Hour)
		if err := db.Commit(ctx, &baton.Change{Conversation: c3, Handled: &baton.Handling{ConversationID: "c_1", Department: "support",
			AgentID: "a_1", Start: end.Add(-d), End: end}}); err != nil {
			t.Fatal(err)
		}
	}
	times, err := db.HandlingTimes(ctx, "support", now.Add(10*time.Minute), 10)
	if err != nil || len(times) != 2 || times[0] != 5*time.Minute || times[1] != 3*time.Minute {
		t.Fatalf("handling times %v, %v; want newest first and the old one left out", times, err)
	}
	if times, _ := db.HandlingTimes(ctx, "billing", now.Add(-time.Hour), 10); len(times) != 0 {
		t.Fatalf("other department: %v", times)
	}
	// A handling cannot ride on an append-only change.
	if err := db.Commit(ctx, &baton.Change{AppendOnly: true, Conversation: c2, Messages: []baton.Message{{Seq: 5, Author: baton.AuthorBot, Text: "x", CreatedAt: now}},
		Handled: &baton.Handling{}}); baton.ErrorCode(err) != baton.EINVALID {
		t.Fatalf("append-only with a handling: %v", err)
	}
}
