package lifecycle

import (
	"slices"

	"github.com/batonhq/baton"
)

// QueueOrder compares two queued conversations: higher priority first, then
// live chat before asynchronous channels, then the one waiting longest.
// It returns a negative number when a goes first.
func QueueOrder(a, b *baton.Conversation) int {
	if d := b.Priority.Rank() - a.Priority.Rank(); d != 0 {
		return d
	}
	if a.Channel.Live() != b.Channel.Live() {
		if a.Channel.Live() {
			return -1
		}
		return 1
	}
	if a.QueuedAt != nil && b.QueuedAt != nil {
		if c := a.QueuedAt.Compare(*b.QueuedAt); c != 0 {
			return c
		}
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// SortQueue orders queued conversations with QueueOrder.
func SortQueue(q []*baton.Conversation) { slices.SortStableFunc(q, QueueOrder) }

// Assignment pairs a queued conversation with the agent who gets it.
type Assignment struct {
	Conversation *baton.Conversation
	Agent        *baton.Agent
}

// PlanAssignments decides automatic assignment for one department: the
// queue in order, each conversation to the least busy online agent of the
// department with free capacity. Ties go to the agent with more free
// capacity, then to the one who has waited longest for a conversation
// (never assigned first), then by id, so the plan is fair and
// deterministic. loads is updated with the planned assignments.
func PlanAssignments(dept string, queue []*baton.Conversation, loads []baton.AgentLoad) []Assignment {
	var plan []Assignment
	for _, c := range queue {
		best := -1
		for i, l := range loads {
			if l.Agent.Status != baton.StatusOnline || !l.Agent.InDepartment(dept) || l.Free() == 0 {
				continue
			}
			if best < 0 || betterCandidate(l, loads[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		loads[best].Active++
		plan = append(plan, Assignment{Conversation: c, Agent: loads[best].Agent})
	}
	return plan
}

func betterCandidate(a, b baton.AgentLoad) bool {
	if a.Active != b.Active {
		return a.Active < b.Active
	}
	if a.Free() != b.Free() {
		return a.Free() > b.Free()
	}
	if la, lb := a.Agent.LastAssignedAt, b.Agent.LastAssignedAt; (la == nil) != (lb == nil) {
		return la == nil
	} else if la != nil && !la.Equal(*lb) {
		return la.Before(*lb)
	}
	return a.Agent.ID < b.Agent.ID
}
