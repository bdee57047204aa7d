package baton

import (
	"slices"
	"time"
)

// AgentStatus is an agent's availability.
type AgentStatus string

const (
	StatusOnline  AgentStatus = "online"  // takes new conversations automatically
	StatusAway    AgentStatus = "away"    // signed in, takes none automatically
	StatusOffline AgentStatus = "offline" // not signed in
)

// Valid reports whether s is a defined status.
func (s AgentStatus) Valid() bool {
	return s == StatusOnline || s == StatusAway || s == StatusOffline
}

// Agent is a human who answers customers.
type Agent struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Email         string      `json:"email,omitempty"`
	Departments   []string    `json:"departments"`
	Skills        []string    `json:"skills"`
	MaxConcurrent int         `json:"max_concurrent"`
	Status        AgentStatus `json:"status"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	// LastAssignedAt is when the agent last got a conversation; among
	// equally busy agents, automatic assignment picks the one waiting longest.
	LastAssignedAt *time.Time `json:"last_assigned_at"`
	TokenHash      []byte     `json:"-"`
	// PasswordHash is the bcrypt hash of the inbox password; empty when
	// the agent has none and cannot sign in to the inbox.
	PasswordHash []byte `json:"-"`
}

// InDepartment reports whether the agent works for department d.
func (a *Agent) InDepartment(d string) bool { return slices.Contains(a.Departments, d) }

// AgentLoad is an agent with the number of conversations they hold now.
type AgentLoad struct {
	Agent  *Agent
	Active int
}

// Free is the number of conversations the agent can still take automatically.
func (l AgentLoad) Free() int { return max(0, l.Agent.MaxConcurrent-l.Active) }

// Session is an agent signed in to the inbox from a browser. The browser
// holds the session token in a cookie; only its hash is stored.
type Session struct {
	TokenHash []byte
	AgentID   string
	CreatedAt time.Time
	// ExpiresAt moves forward while the agent uses the inbox, up to
	// CreatedAt + SessionMaxAge.
	ExpiresAt time.Time
}

// Session lifetimes: signed out after SessionIdle without use, and after
// SessionMaxAge in any case.
const (
	SessionIdle   = 12 * time.Hour
	SessionMaxAge = 7 * 24 * time.Hour
)

// Extend returns the session's expiry after a use at now.
func (s *Session) Extend(now time.Time) time.Time {
	exp := now.Add(SessionIdle)
	if limit := s.CreatedAt.Add(SessionMaxAge); exp.After(limit) {
		exp = limit
	}
	return exp
}
