package directline

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/batonhq/baton"
	"github.com/coder/websocket"
)

// writeTimeout bounds one write to a stream, so a client that stopped
// reading cannot hold its stream open.
const writeTimeout = 10 * time.Second

// stream is the WebSocket of a streamUrl: what came after the watermark
// first, then every new entry the customer may see, each seq once, in
// frames of {"activities":[...],"watermark":"N"}. An idle stream gets an
// empty message now and then, which Direct Line clients ignore.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	cred, err := s.authenticate(r, true)
	if err != nil {
		return err
	}
	if err := cred.grants(id, scopeStream); err != nil {
		return err
	}
	last, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.conversation(ctx, id)
	if err != nil {
		return err
	}
	// Subscribe before replaying, so nothing falls between the two.
	sub := s.Hub.Subscribe(func(e baton.Event) bool {
		return e.Type == baton.EventTypeMessage && e.Message != nil && e.Message.ConversationID == id
	})
	defer sub.Close()
	echoes := s.echoes.subscribe(id)
	defer s.echoes.unsubscribe(id, echoes)

	// Bearer tokens, never cookies: a page on any origin may connect.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered the client
	}
	defer conn.CloseNow()
	s.logger().Debug("directline stream opened", "conversation", id, "watermark", last)
	defer s.logger().Debug("directline stream closed", "conversation", id)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// directlinejs sends an empty message every 20 seconds to notice a
	// broken connection; read and drop them (which also takes the pongs).
	conn.SetReadLimit(4096)
	go func() {
		defer cancel()
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()

	m := s.newMapper(c, cred)
	if err := m.prime(ctx, last); err != nil {
		if ctx.Err() == nil {
			s.logger().Error("directline: replay timeline", "conversation", id, "err", err)
			conn.Close(websocket.StatusInternalError, "could not read the timeline")
		}
		return nil
	}
	send := func(acts []activity) bool {
		if len(acts) == 0 {
			return true
		}
		b, err := json.Marshal(activitySet{Activities: acts, Watermark: watermark(last)})
		if err != nil {
			s.logger().Error("directline: encode activities", "conversation", id, "err", err)
			return false
		}
		return s.write(ctx, conn, b) == nil
	}
	for {
		msgs, err := s.Store.Messages(ctx, id, last, 500)
		if err != nil {
			if ctx.Err() == nil {
				s.logger().Error("directline: replay timeline", "conversation", id, "err", err)
				conn.Close(websocket.StatusInternalError, "could not read the timeline")
			}
			return nil
		}
		if len(msgs) > 0 {
			last = msgs[len(msgs)-1].Seq
		}
		if !send(m.activities(ctx, msgs)) {
			return nil
		}
		if len(msgs) < 500 {
			break
		}
	}

	keepAlive := time.NewTicker(s.keepAlive())
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return nil
		case <-s.Closing:
			conn.Close(websocket.StatusGoingAway, "the server is shutting down; reconnect")
			return nil
		case <-keepAlive.C:
			if s.write(ctx, conn, nil) != nil {
				return nil
			}
			pctx, pcancel := context.WithTimeout(ctx, writeTimeout)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				return nil
			}
		case a := <-echoes:
			if !send([]activity{a}) {
				return nil
			}
		case e, ok := <-sub.C:
			if !ok {
				// Fell behind: the client reconnects from its watermark.
				conn.Close(websocket.StatusTryAgainLater, "fell behind; reconnect")
				return nil
			}
			if e.Message.Seq <= last {
				continue
			}
			if e.Message.Seq != last+1 {
				// An entry went missing between replay and live (it never
				// should): start over from the watermark rather than skip it.
				conn.Close(websocket.StatusTryAgainLater, "missed an entry; reconnect")
				return nil
			}
			last = e.Message.Seq
			if e.Conversation != nil {
				m.locale = e.Conversation.Locale
			}
			if a, ok := m.activity(ctx, e.Message); ok && !send([]activity{a}) {
				return nil
			}
		}
	}
}

func (s *Server) write(ctx context.Context, conn *websocket.Conn, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, b)
}

// echo builds the echo of an activity Baton does not store (typing, an
// event) and hands it to the conversation's live streams.
func (s *Server) echo(c *baton.Conversation, cred credential, in *inActivity, clientID string) activity {
	a := activity{
		Type:         in.Type,
		ID:           fmt.Sprintf("%s.%s", activityID(c.ID, c.LastSeq), randomSuffix()),
		Timestamp:    timestamp(s.now()),
		ChannelID:    channelID,
		Conversation: conversationRef{ID: c.ID},
		From:         customerAccount(c, cred),
		Locale:       in.Locale,
		ReplyToID:    in.ReplyToID,
		Name:         in.Name,
		Value:        in.Value,
	}
	if clientID != "" {
		a.ChannelData = &channelData{ClientActivityID: clientID}
	}
	s.echoes.publish(c.ID, a)
	return a
}

var suffixEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

func randomSuffix() string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		panic("directline: no randomness: " + err.Error())
	}
	return suffixEncoding.EncodeToString(b)
}

// echoHub carries echoes of unstored activities to the streams of their
// conversation. Like the hub it never blocks: a stream too slow for them
// misses some, which only ever are typing and events.
type echoHub struct {
	mu   sync.Mutex
	subs map[string]map[chan activity]struct{}
}

func (h *echoHub) subscribe(id string) chan activity {
	ch := make(chan activity, 16)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[string]map[chan activity]struct{}{}
	}
	if h.subs[id] == nil {
		h.subs[id] = map[chan activity]struct{}{}
	}
	h.subs[id][ch] = struct{}{}
	return ch
}

func (h *echoHub) unsubscribe(id string, ch chan activity) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[id], ch)
	if len(h.subs[id]) == 0 {
		delete(h.subs, id)
	}
}

func (h *echoHub) publish(id string, a activity) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[id] {
		select {
		case ch <- a:
		default:
		}
	}
}
