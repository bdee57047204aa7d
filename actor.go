package baton

// Role is the kind of caller behind a request.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleAgent    Role = "agent"
	RoleCustomer Role = "customer"
	RoleBot      Role = "bot" // an integration such as an external bot
)

// Actor is the authenticated caller of an operation.
type Actor struct {
	Role           Role
	Agent          *Agent // for RoleAgent
	ConversationID string // for RoleCustomer: the only conversation it may touch
	IntegrationID  string // for RoleBot
}

// CanSee reports whether the actor may read conversation c.
func (a Actor) CanSee(c *Conversation) bool {
	switch a.Role {
	case RoleAdmin, RoleBot:
		return true
	case RoleAgent:
		return c.Assignee == a.Agent.ID || c.Department == "" || a.Agent.InDepartment(c.Department)
	case RoleCustomer:
		return a.ConversationID == c.ID
	}
	return false
}
