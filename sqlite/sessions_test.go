package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

func TestAgentEmailAndPassword(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a := &baton.Agent{ID: "a_1", Name: "Dana", Email: "Dana@Example.com", Departments: []string{"support"}, MaxConcurrent: 2,
		Status: baton.StatusOffline, TokenHash: baton.HashToken("agt_1"), CreatedAt: now, UpdatedAt: now}
	if err := db.CreateAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := db.AgentByEmail(ctx, "dana@EXAMPLE.com")
	if err != nil || got.ID != "a_1" || len(got.PasswordHash) != 0 {
		t.Fatalf("by email: %+v, %v", got, err)
	}
	if _, err := db.AgentByEmail(ctx, ""); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("empty email: %v", err)
	}
	// The same email in another case is taken.
	b := *a
	b.ID, b.Email, b.TokenHash = "a_2", "dana@example.COM", baton.HashToken("agt_2")
	if err := db.CreateAgent(ctx, &b); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("duplicate email: %v", err)
	}
	b.Email = "sam@example.com"
	if err := db.CreateAgent(ctx, &b); err != nil {
		t.Fatal(err)
	}
	b.Email = "DANA@example.com"
	if err := db.SetAgentProfile(ctx, &b); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("profile to a taken email: %v", err)
	}

	s := &baton.Session{TokenHash: baton.HashToken("ses_x"), AgentID: "a_1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.ExtendSession(ctx, s.TokenHash, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got2, err := db.Session(ctx, s.TokenHash)
	if err != nil || got2.AgentID != "a_1" || !got2.ExpiresAt.Equal(now.Add(2*time.Hour)) || !got2.CreatedAt.Equal(now) {
		t.Fatalf("session: %+v, %v", got2, err)
	}
	// A new password ends the agent's sessions.
	if err := db.SetAgentPassword(ctx, "a_1", []byte("$2a$hash"), now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, s.TokenHash); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("session after password change: %v", err)
	}
	if got, _ := db.Agent(ctx, "a_1"); string(got.PasswordHash) != "$2a$hash" {
		t.Fatalf("password hash %q", got.PasswordHash)
	}
	if err := db.SetAgentPassword(ctx, "a_nobody", nil, now); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("unknown agent: %v", err)
	}
	// Sign out.
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSession(ctx, s.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, s.TokenHash); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("session after sign-out: %v", err)
	}
}
