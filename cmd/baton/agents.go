package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/password"
	"github.com/batonhq/baton/sqlite"
)

const demoAgentSetting = "demo_agent_created"

// createDemoAgent creates the demo setup's agent at the first start, with a
// generated password printed this once. Later starts leave agents alone,
// even if the demo agent was renamed or its password changed.
func createDemoAgent(ctx context.Context, db *sqlite.DB, cfg *Config, stdout io.Writer) error {
	d := cfg.Inbox.DemoAgent
	if d.Email == "" {
		return nil
	}
	if done, err := db.Setting(ctx, demoAgentSetting); err != nil || done != "" {
		return err
	}
	if _, err := db.AgentByEmail(ctx, d.Email); err == nil {
		return db.SetSetting(ctx, demoAgentSetting, "existing")
	} else if baton.ErrorCode(err) != baton.ENOTFOUND {
		return err
	}
	pw := generatedPassword()
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &baton.Agent{ID: baton.NewID("a"), Name: cmpOr(d.Name, "Demo agent"), Email: d.Email, Departments: d.Departments,
		Skills: []string{}, MaxConcurrent: 3, Status: baton.StatusOffline,
		TokenHash: baton.HashToken(baton.NewToken(baton.TokenPrefixAgent)), PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateAgent(ctx, a); err != nil {
		return fmt.Errorf("create the demo agent: %w", err)
	}
	if err := db.SetSetting(ctx, demoAgentSetting, a.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "A demo agent can sign in to the inbox at http://%s/inbox/ (shown only this once):\n\n"+
		"    email:    %s\n    password: %s\n\n", cfg.Addr, a.Email, pw)
	return nil
}

// generatedPassword is 20 random characters: easy to copy, hard to guess.
func generatedPassword() string {
	return strings.TrimPrefix(baton.NewToken("x"), "x_")[:20]
}

// agentPassword sets an agent's inbox password from the command line: the
// first line of stdin, or, if that is empty, a generated password that is
// printed. The agent's browser sessions end.
func agentPassword(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agent-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", cmpOr(getenv("BATON_DATA"), "./data"), "data `directory` of the database; env BATON_DATA")
	email := fs.String("email", "", "the agent's `email`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("agent-password: --email is required")
	}
	path := filepath.Join(*data, "baton.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no Baton database at %s: %w", path, err)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw, generated := strings.TrimRight(line, "\r\n"), false
	if pw == "" {
		pw, generated = generatedPassword(), true
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return errors.New(baton.ErrorMessage(err))
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	a, err := db.AgentByEmail(ctx, *email)
	if err != nil {
		if baton.ErrorCode(err) == baton.ENOTFOUND {
			return fmt.Errorf("no agent has the email %s", *email)
		}
		return err
	}
	if err := db.SetAgentPassword(ctx, a.ID, hash, time.Now().UTC()); err != nil {
		return err
	}
	if generated {
		fmt.Fprintln(stdout, pw)
	}
	fmt.Fprintf(stderr, "%s (%s) can sign in to the inbox with the new password; their other sessions have ended.\n", a.Name, a.Email)
	return nil
}
