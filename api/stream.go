package api

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/hub"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// frame is one message on a WebSocket stream.
type frame struct {
	Type           string            `json:"type"`
	ConversationID string            `json:"conversation_id,omitempty"`
	Message        *baton.Message    `json:"message,omitempty"`
	Conversation   *conversationView `json:"conversation,omitempty"`
	Agent          *baton.Agent      `json:"agent,omitempty"`
}

const pingInterval = 30 * time.Second

func accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	// A stream opened with a bearer token may come from a page on another
	// origin (the widget on a customer's site). One opened with the inbox's
	// session cookie must come from Baton's own pages: browsers send cookies
	// with a WebSocket handshake from any site, and no CSRF header.
	return websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: bearer(r) != ""})
}

// conversationStream streams one conversation's new timeline entries and
// state changes. With ?after=SEQ it first replays what came after SEQ, so a
// client that reconnects misses nothing and sees nothing twice.
func (s *Server) conversationStream(w http.ResponseWriter, r *http.Request) error {
	a, c, err := s.conversationFor(r, baton.RoleCustomer, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	after, err := queryInt(r, "after", 0)
	if err != nil {
		return err
	}
	sub := s.Hub.Subscribe(func(e baton.Event) bool {
		return e.Conversation != nil && e.Conversation.ID == c.ID && e.Type != baton.EventTypeAgent && e.Type != baton.EventTypeAlert
	})
	defer sub.Close()
	conn, err := accept(w, r)
	if err != nil {
		return nil // Accept has answered the client
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context())

	// Replay from the store, then follow the live events, skipping what the
	// replay already sent.
	last := after
	for {
		msgs, err := s.Store.Messages(ctx, c.ID, last, 500)
		if err != nil {
			conn.Close(websocket.StatusInternalError, "could not read the timeline")
			return nil
		}
		for i := range msgs {
			if err := s.sendMessage(ctx, conn, a, &msgs[i]); err != nil {
				return nil
			}
			last = msgs[i].Seq
		}
		if len(msgs) < 500 {
			break
		}
	}
	cur, err := s.Engine.Conversation(ctx, c.ID)
	if err == nil {
		v := s.view(a, cur, s.now())
		if wsjson.Write(ctx, conn, frame{Type: baton.EventTypeConversation, ConversationID: c.ID, Conversation: &v}) != nil {
			return nil
		}
	}
	return s.follow(ctx, conn, sub, a, func(e baton.Event) bool {
		if a.Role == baton.RoleAgent && e.Conversation != nil && !a.CanSee(e.Conversation) {
			// Transferred out of the agent's departments: the stream ends here.
			conn.Close(websocket.StatusPolicyViolation, "the conversation left your departments")
			return false
		}
		if e.Message != nil {
			if e.Message.Seq <= last {
				return false
			}
			last = e.Message.Seq
		}
		return true
	})
}

// agentStream streams everything in the agent's departments plus their own
// conversations, and agents' status changes.
func (s *Server) agentStream(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	// The agent as of now: an admin may change their departments while
	// they are connected, and the agent event that says so comes this way.
	var me atomic.Pointer[baton.Agent]
	me.Store(a.Agent)
	sub := s.Hub.Subscribe(func(e baton.Event) bool {
		if e.Type == baton.EventTypeAgent {
			if cur := me.Load(); cur != nil && e.Agent != nil && e.Agent.ID == cur.ID {
				me.Store(e.Agent)
			}
			return true
		}
		if e.Conversation == nil {
			return false
		}
		if a.Role == baton.RoleAdmin {
			return true
		}
		// Before or after the change: an agent also hears that a
		// conversation left their view (transferred to another department).
		cur := me.Load()
		return inView(cur, e.Conversation) || (e.Previous != nil && inView(cur, e.Previous))
	})
	defer sub.Close()
	conn, err := accept(w, r)
	if err != nil {
		return nil
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context())
	return s.follow(ctx, conn, sub, a, func(baton.Event) bool { return true })
}

// inView reports whether a conversation belongs in an agent's inbox stream:
// theirs, or handed off to one of their departments.
func inView(a *baton.Agent, c *baton.Conversation) bool {
	return c.Assignee == a.ID || (c.Department != "" && a.InDepartment(c.Department))
}

// follow writes the subscription's events to the connection until either ends.
func (s *Server) follow(ctx context.Context, conn *websocket.Conn, sub *hub.Subscription, a baton.Actor, keep func(baton.Event) bool) error {
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return nil
		case <-s.Closing:
			conn.Close(websocket.StatusGoingAway, "the server is shutting down; reconnect")
			return nil
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return nil
			}
		case e, ok := <-sub.C:
			if !ok {
				conn.Close(websocket.StatusTryAgainLater, "fell behind; reconnect and reload")
				return nil
			}
			if !keep(e) {
				continue
			}
			var err error
			switch {
			case e.Message != nil:
				err = s.sendMessage(ctx, conn, a, e.Message)
			case e.Conversation != nil:
				v := s.view(a, e.Conversation, s.now())
				err = wsjson.Write(ctx, conn, frame{Type: e.Type, ConversationID: e.Conversation.ID, Conversation: &v})
			case e.Agent != nil:
				err = wsjson.Write(ctx, conn, frame{Type: e.Type, Agent: e.Agent})
			}
			if err != nil {
				return nil
			}
		}
	}
}

func (s *Server) sendMessage(ctx context.Context, conn *websocket.Conn, a baton.Actor, m *baton.Message) error {
	if a.Role == baton.RoleCustomer && !m.VisibleToCustomer() {
		return nil
	}
	return wsjson.Write(ctx, conn, frame{Type: baton.EventTypeMessage, ConversationID: m.ConversationID, Message: m})
}
