package engine

import (
	"context"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// Drain assigns the department's queue to online agents with free capacity,
// highest priority and longest waiting first, until either runs out.
func (e *Engine) Drain(ctx context.Context, dept string) {
	e.drainMu.Lock()
	defer e.drainMu.Unlock()
	queue, err := e.Queue(ctx, dept)
	if err != nil || len(queue) == 0 {
		if err != nil {
			e.logger().Error("drain: load queue", "department", dept, "err", err)
		}
		return
	}
	loads, err := e.loads(ctx)
	if err != nil {
		e.logger().Error("drain: load agents", "department", dept, "err", err)
		return
	}
	for _, a := range lifecycle.PlanAssignments(dept, queue, loads) {
		_, err := e.update(ctx, a.Conversation.ID, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
			return e.Rules.Assign(c, a.Agent, lifecycle.AssignAuto, e.now())
		})
		switch baton.ErrorCode(err) {
		case "":
			e.logger().Info("assigned", "conversation", a.Conversation.ID, "agent", a.Agent.ID, "department", dept)
		case baton.ECONFLICT:
			// Claimed or left the queue meanwhile; the next drain sees the truth.
		default:
			e.logger().Error("drain: assign", "conversation", a.Conversation.ID, "agent", a.Agent.ID, "err", err)
		}
	}
}

// Queue returns a department's waiting conversations in the order they are served.
func (e *Engine) Queue(ctx context.Context, dept string) ([]*baton.Conversation, error) {
	q, err := e.Store.Queued(ctx, dept)
	if err != nil {
		return nil, err
	}
	lifecycle.SortQueue(q)
	return q, nil
}

func (e *Engine) loads(ctx context.Context) ([]baton.AgentLoad, error) {
	agents, err := e.Store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := e.Store.ActiveCounts(ctx)
	if err != nil {
		return nil, err
	}
	loads := make([]baton.AgentLoad, len(agents))
	for i, a := range agents {
		loads[i] = baton.AgentLoad{Agent: a, Active: counts[a.ID]}
	}
	return loads, nil
}

// AgentLoads returns every agent with the conversations they hold now.
func (e *Engine) AgentLoads(ctx context.Context) ([]baton.AgentLoad, error) { return e.loads(ctx) }

// SetAgentStatus changes an agent's status. An agent coming online frees
// capacity, so their departments' queues drain at once; an agent signing
// off hands their conversations back to their departments' queues.
func (e *Engine) SetAgentStatus(ctx context.Context, a *baton.Agent, status baton.AgentStatus) (*baton.Agent, error) {
	if !status.Valid() {
		return nil, baton.Errorf(baton.EINVALID, "unknown status %q (use online, away or offline)", status)
	}
	n := *a
	n.Status = status
	n.UpdatedAt = e.now()
	if err := e.Store.SetAgentStatus(ctx, a.ID, status, n.UpdatedAt); err != nil {
		return nil, err
	}
	if e.Publisher != nil {
		e.Publisher.Publish(baton.Event{Type: baton.EventTypeAgent, Agent: &n})
	}
	switch status {
	case baton.StatusOnline:
		for _, d := range n.Departments {
			e.Drain(ctx, d)
		}
	case baton.StatusOffline:
		e.handBack(ctx, &n)
	}
	return &n, nil
}

// UpdateAgent stores an agent's changed profile. More capacity or a new
// department may let waiting conversations through, so those queues drain.
func (e *Engine) UpdateAgent(ctx context.Context, a *baton.Agent) error {
	a.UpdatedAt = e.now()
	if err := e.Store.SetAgentProfile(ctx, a); err != nil {
		return err
	}
	if e.Publisher != nil {
		e.Publisher.Publish(baton.Event{Type: baton.EventTypeAgent, Agent: a})
	}
	if a.Status == baton.StatusOnline {
		for _, d := range a.Departments {
			e.Drain(ctx, d)
		}
	}
	return nil
}

// handBack puts the conversations of an agent who signed off back in their
// queues, where the other agents pick them up.
func (e *Engine) handBack(ctx context.Context, a *baton.Agent) {
	held, err := e.Store.Conversations(ctx, baton.ConversationFilter{Modes: []baton.Mode{baton.ModeAgent}, Assignee: a.ID})
	if err != nil {
		e.logger().Error("sign off: list conversations", "agent", a.ID, "err", err)
		return
	}
	for _, c := range held {
		_, err := e.update(ctx, c.ID, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
			now := e.now()
			d, err := e.Rules.AgentLeft(c, a, now)
			if err != nil {
				return nil, err
			}
			return d, e.place(ctx, d, now)
		})
		switch baton.ErrorCode(err) {
		case "":
			e.logger().Info("agent signed off; conversation back in the queue", "conversation", c.ID, "agent", a.ID)
		case baton.ECONFLICT: // released or transferred meanwhile
		default:
			e.logger().Error("sign off: hand back", "conversation", c.ID, "agent", a.ID, "err", err)
		}
	}
}

// Run returns idle conversations to the bot, drains queues as a safety net
// and updates waiting customers on their expected wait, every interval,
// until ctx ends. Because it works from stored
// timestamps, the inactivity timers survive a restart.
func (e *Engine) Run(ctx context.Context, interval time.Duration, departments []string) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.Tick(ctx, departments)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick does one round of Run's work at the engine's current time.
func (e *Engine) Tick(ctx context.Context, departments []string) {
	if e.Rules.InactivityTimeout > 0 {
		ids, err := e.Store.IdleAgentConversations(ctx, e.now().Add(-e.Rules.InactivityTimeout), 500)
		if err != nil {
			e.logger().Error("inactivity: list idle conversations", "err", err)
		}
		for _, id := range ids {
			_, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
				return e.Rules.Timeout(c, e.now())
			})
			if err == nil {
				e.logger().Info("returned to bot after inactivity", "conversation", id)
			} else if baton.ErrorCode(err) != baton.ECONFLICT {
				e.logger().Error("inactivity: return to bot", "conversation", id, "err", err)
			}
		}
	}
	for _, d := range departments {
		e.Drain(ctx, d)
		e.updateWaits(ctx, d)
	}
}
