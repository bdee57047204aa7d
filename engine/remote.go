package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// Limits on calls to a remote bot: at most maxBotCalls at once, at most
// maxBotPending messages waiting for one. A message over the limit is a
// bot failure: its customer goes to a human rather than wait.
const (
	maxBotCalls       = 64
	maxBotPending     = 10_000
	defaultBotTimeout = 15 * time.Second
	storeTimeout      = 30 * time.Second
)

// dispatcher runs remote bot calls: in order within a conversation, many
// conversations at once.
type dispatcher struct {
	mu      sync.Mutex
	queues  map[string][]func()
	pending int
	sem     chan struct{}
	wg      sync.WaitGroup
}

// submit queues job behind the conversation's earlier jobs. It reports
// false when too many jobs wait.
func (d *dispatcher) submit(id string, job func()) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending >= maxBotPending {
		return false
	}
	if d.queues == nil {
		d.queues = map[string][]func(){}
		d.sem = make(chan struct{}, maxBotCalls)
	}
	d.pending++
	q, running := d.queues[id]
	d.queues[id] = append(q, job)
	if !running {
		d.wg.Add(1)
		go d.run(id)
	}
	return true
}

func (d *dispatcher) run(id string) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[id]
		if len(q) == 0 {
			delete(d.queues, id)
			d.mu.Unlock()
			return
		}
		job := q[0]
		d.queues[id] = q[1:]
		d.mu.Unlock()

		d.sem <- struct{}{}
		job()
		<-d.sem
		d.mu.Lock()
		d.pending--
		d.mu.Unlock()
	}
}

// Wait blocks until every remote bot call submitted so far has finished.
func (e *Engine) Wait() { e.bots.wg.Wait() }

// askRemote asks the remote bot about a stored customer message, in the
// background. Its answer is stored like any bot reply (and dropped if a
// human took over meanwhile); if it fails, the customer is handed to a
// human with trigger bot_failure.
func (e *Engine) askRemote(c *baton.Conversation, in lifecycle.CustomerInput) {
	id := c.ID
	job := func() {
		timeout := e.BotTimeout
		if timeout <= 0 {
			timeout = defaultBotTimeout
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		en, err := e.acquire(ctx, id)
		if err != nil {
			e.logger().Error("bot: load conversation", "conversation", id, "err", err)
			return
		}
		conv, recent := en.conv, en.recent
		e.release(id, en)
		if !conv.Mode.BotMayReply() || conv.Mode == baton.ModeHandoff {
			return // a human or the handoff procedure has it now
		}
		// The bot sees the timeline before this message, as an inline bot would.
		if n := len(recent); n > 0 && recent[n-1].Author == baton.AuthorCustomer && recent[n-1].Text == in.Text {
			recent = recent[:n-1]
		}
		reply, err := e.botReply(ctx, baton.BotRequest{Conversation: conv, Text: in.Text, Payload: in.Payload, Recent: recent})
		if err != nil {
			e.logger().Warn("bot failed; handing off", "conversation", id, "err", err)
			reply = botFailure(err)
		}
		// The bot's time may be up; storing its answer has its own.
		storeCtx, cancelStore := context.WithTimeout(context.Background(), storeTimeout)
		defer cancelStore()
		e.storeRemote(storeCtx, id, reply, in.Text)
	}
	if !e.bots.submit(id, job) {
		e.logger().Error("bot: too many messages waiting for the bot; handing off", "conversation", id)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			defer cancel()
			e.storeRemote(ctx, id, botFailure(errors.New("too many messages waiting for the bot")), in.Text)
		}()
	}
}

// storeRemote stores a remote bot's reply (or the failure standing in
// for it) and places a handoff it starts.
func (e *Engine) storeRemote(ctx context.Context, id string, reply *baton.BotReply, text string) {
	_, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		now := e.now()
		d, err := e.botDecision(c, reply, text, now)
		if err != nil {
			return nil, err
		}
		return d, e.place(ctx, d, now)
	})
	switch baton.ErrorCode(err) {
	case "":
	case baton.ECONFLICT:
		e.logger().Info("late bot reply dropped", "conversation", id)
	default:
		e.logger().Error("bot: store reply", "conversation", id, "err", err)
	}
}
