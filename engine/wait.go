package engine

import (
	"context"
	"sync"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// Handling times: the expected wait uses the mean of a department's last
// handlingSample handlings of the past handlingWindow; with fewer than
// handlingMinimum of them, the department's configured handling time.
const (
	handlingSample  = 20
	handlingMinimum = 3
	handlingWindow  = 7 * 24 * time.Hour
	handlingRefresh = time.Minute
	// DefaultHandlingTime stands in when a department configures none.
	DefaultHandlingTime = 6 * time.Minute
)

// handlingStats caches each department's recent average handling time.
type handlingStats struct {
	mu   sync.Mutex
	byID map[string]handlingStat
}

type handlingStat struct {
	mean     time.Duration
	n        int
	loadedAt time.Time
}

// forget drops a department's cached average after a handling ended.
func (h *handlingStats) forget(dept string) {
	h.mu.Lock()
	delete(h.byID, dept)
	h.mu.Unlock()
}

// HandlingTime returns the department's recent average time per
// conversation, or its configured default while too few were measured.
func (e *Engine) HandlingTime(ctx context.Context, dept string, now time.Time) time.Duration {
	fallback := DefaultHandlingTime
	if d := e.Rules.Departments(dept); d != nil && d.HandlingTime > 0 {
		fallback = d.HandlingTime
	}
	e.stats.mu.Lock()
	st, ok := e.stats.byID[dept]
	e.stats.mu.Unlock()
	if !ok || now.Sub(st.loadedAt) > handlingRefresh || now.Before(st.loadedAt) {
		times, err := e.Store.HandlingTimes(ctx, dept, now.Add(-handlingWindow), handlingSample)
		if err != nil {
			e.logger().Error("handling times", "department", dept, "err", err)
			return fallback
		}
		st = handlingStat{n: len(times), loadedAt: now}
		if len(times) > 0 {
			var sum time.Duration
			for _, t := range times {
				sum += t
			}
			st.mean = sum / time.Duration(len(times))
		}
		e.stats.mu.Lock()
		if e.stats.byID == nil {
			e.stats.byID = map[string]handlingStat{}
		}
		e.stats.byID[dept] = st
		e.stats.mu.Unlock()
	}
	if st.n < handlingMinimum || st.mean <= 0 {
		return fallback
	}
	return st.mean
}

// staffing is what the expected wait needs to know of a department's
// agents: whether anyone is signed in, and the online capacity.
func (e *Engine) staffing(ctx context.Context, dept string, loads []baton.AgentLoad, now time.Time) lifecycle.Facts {
	var f lifecycle.Facts
	for _, l := range loads {
		if !l.Agent.InDepartment(dept) || l.Agent.Status == baton.StatusOffline {
			continue
		}
		f.Staffed = true
		if l.Agent.Status == baton.StatusOnline {
			f.Capacity += l.Agent.MaxConcurrent
			f.Free += l.Free()
		}
	}
	f.HandlingTime = e.HandlingTime(ctx, dept, now)
	return f
}

// updateWaits tells the customers waiting in a department how their wait
// changed, when it changed meaningfully (see lifecycle.Rules.UpdateWait).
func (e *Engine) updateWaits(ctx context.Context, dept string) {
	queue, err := e.Queue(ctx, dept)
	if err != nil || len(queue) == 0 {
		if err != nil {
			e.logger().Error("waits: load queue", "department", dept, "err", err)
		}
		return
	}
	loads, err := e.loads(ctx)
	if err != nil {
		e.logger().Error("waits: load agents", "department", dept, "err", err)
		return
	}
	now := e.now()
	f := e.staffing(ctx, dept, loads, now)
	for i, q := range queue {
		if w := q.Handoff; w != nil && w.Wait != nil && now.Sub(w.Wait.ToldAt) < lifecycle.MinWaitUpdate {
			continue // told recently: no need to take the conversation's lock
		}
		f.QueueAhead = i
		_, err := e.update(ctx, q.ID, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
			return e.Rules.UpdateWait(c, f, e.now())
		})
		if err != nil && baton.ErrorCode(err) != baton.ECONFLICT {
			e.logger().Error("waits: update", "conversation", q.ID, "err", err)
		}
	}
}

// lastCustomerText is the text of the customer's latest message among recent.
func lastCustomerText(recent []baton.Message) string {
	for i := len(recent) - 1; i >= 0; i-- {
		if recent[i].Author == baton.AuthorCustomer {
			return recent[i].Text
		}
	}
	return ""
}
