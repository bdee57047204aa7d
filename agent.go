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
