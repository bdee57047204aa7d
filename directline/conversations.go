package directline

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// Limits on what a client names itself by.
const (
	maxUserIDLength   = 200
	maxLocaleLength   = 35
	maxClientIDLength = 200
)

// startRequest is the optional body of tokens/generate and of starting a
// conversation: who the user is and, for a new conversation, its language.
type startRequest struct {
	User struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"user"`
	Locale string `json:"locale"`
}

// conversationResponse is Direct Line's Conversation object.
type conversationResponse struct {
	ConversationID string `json:"conversationId"`
	Token          string `json:"token,omitempty"`
	ExpiresIn      int64  `json:"expires_in,omitempty"`
	StreamURL      string `json:"streamUrl,omitempty"`
}

// generateToken opens a conversation for a client the caller (the
// company's server, holding the secret) vouches for, and returns a token
// for it alone.
func (s *Server) generateToken(w http.ResponseWriter, r *http.Request) error {
	cred, err := s.authenticate(r, false)
	if err != nil {
		return err
	}
	if !cred.secret {
		return baton.Errorf(baton.EFORBIDDEN, "generating a token needs a Direct Line secret")
	}
	var req startRequest
	if err := decode(r, &req, true); err != nil {
		return err
	}
	c, err := s.openConversation(r.Context(), req)
	if err != nil {
		return err
	}
	exp := s.now().Add(s.tokenTTL())
	return writeJSON(w, http.StatusOK, conversationResponse{ConversationID: c.ID,
		Token: s.mint(c.ID, req.User.ID, scopeConversation, exp), ExpiresIn: s.expiresIn(exp)})
}

// refreshToken returns a new token for the same conversation and user,
// valid for another TokenTTL. An expired token cannot be refreshed.
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) error {
	cred, err := s.authenticate(r, false)
	if err != nil {
		return err
	}
	if cred.secret {
		return baton.Errorf(baton.EFORBIDDEN, "refresh takes a token, not a secret; a secret does not expire")
	}
	if err := cred.grants(cred.claims.ConversationID, scopeConversation); err != nil {
		return err
	}
	if _, err := s.conversation(r.Context(), cred.claims.ConversationID); err != nil {
		return err
	}
	exp := s.now().Add(s.tokenTTL())
	return writeJSON(w, http.StatusOK, conversationResponse{ConversationID: cred.claims.ConversationID,
		Token: s.mint(cred.claims.ConversationID, cred.claims.User, scopeConversation, exp), ExpiresIn: s.expiresIn(exp)})
}

// startConversation opens a new conversation (with a secret) or starts
// the token's: 201 the first time, 200 once the customer has written, as
// Direct Line answers a token whose conversation was started already.
func (s *Server) startConversation(w http.ResponseWriter, r *http.Request) error {
	cred, err := s.authenticate(r, false)
	if err != nil {
		return err
	}
	var req startRequest
	if err := decode(r, &req, true); err != nil {
		return err
	}
	ctx := r.Context()
	if cred.secret {
		c, err := s.openConversation(ctx, req)
		if err != nil {
			return err
		}
		exp := s.now().Add(s.tokenTTL())
		token := s.mint(c.ID, req.User.ID, scopeConversation, exp)
		return writeJSON(w, http.StatusCreated, conversationResponse{ConversationID: c.ID, Token: token,
			ExpiresIn: s.expiresIn(exp), StreamURL: s.streamURL(r, c.ID, req.User.ID, "")})
	}
	id := cred.claims.ConversationID
	if err := cred.grants(id, scopeConversation); err != nil {
		return err
	}
	c, err := s.conversation(ctx, id)
	if err != nil {
		return err
	}
	token, user, exp := cred.token, cred.claims.User, cred.claims.expiry()
	if user == "" && req.User.ID != "" && c.Contact.Attributes[UserIDAttribute] == "" {
		// The client names its user only now (directlinejs' setUserId): the
		// conversation was opened without one, so the token carries it,
		// expiring when the one it replaces does.
		if err := checkUserID(req.User.ID); err != nil {
			return err
		}
		user = req.User.ID
		token = s.mint(id, user, scopeConversation, exp)
	}
	status := http.StatusOK
	if c.LastCustomerAt == nil {
		status = http.StatusCreated
	}
	return writeJSON(w, status, conversationResponse{ConversationID: id, Token: token,
		ExpiresIn: s.expiresIn(exp), StreamURL: s.streamURL(r, id, user, "")})
}

// reconnect gives a client whose stream closed a fresh streamUrl that
// replays what came after its watermark.
func (s *Server) reconnect(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	cred, err := s.conversationToken(r, id)
	if err != nil {
		return err
	}
	wm := r.URL.Query().Get("watermark")
	if _, err := parseWatermark(wm); err != nil {
		return err
	}
	if _, err := s.conversation(r.Context(), id); err != nil {
		return err
	}
	var user string
	if cred.claims != nil {
		user = cred.claims.User
	}
	resp := conversationResponse{ConversationID: id, StreamURL: s.streamURL(r, id, user, wm)}
	if cred.secret {
		exp := s.now().Add(s.tokenTTL())
		resp.Token, resp.ExpiresIn = s.mint(id, "", scopeConversation, exp), s.expiresIn(exp)
	} else {
		resp.Token, resp.ExpiresIn = cred.token, s.expiresIn(cred.claims.expiry())
	}
	return writeJSON(w, http.StatusOK, resp)
}

// openConversation creates a web conversation for a Direct Line client.
func (s *Server) openConversation(ctx context.Context, req startRequest) (*baton.Conversation, error) {
	if err := checkUserID(req.User.ID); err != nil {
		return nil, err
	}
	if len(req.Locale) > maxLocaleLength {
		return nil, baton.Errorf(baton.EINVALID, "locale %q is not a language tag", req.Locale)
	}
	contact := baton.Contact{Name: req.User.Name}
	if req.User.ID != "" {
		contact.Attributes = map[string]string{UserIDAttribute: req.User.ID}
	}
	// The customer token the engine returns stays unused: Direct Line
	// tokens stand in for it.
	c, _, err := s.Engine.CreateConversation(ctx, baton.Conversation{Channel: baton.ChannelWeb, Locale: req.Locale, Contact: contact})
	if err != nil {
		return nil, err
	}
	s.logger().Info("directline conversation opened", "conversation", c.ID, "locale", c.Locale)
	return c, nil
}

// conversation returns a conversation a Direct Line client may reach: one
// on the web channel. A secret grants every conversation, but a customer on
// WhatsApp or Telegram is not reached by writing through Direct Line.
func (s *Server) conversation(ctx context.Context, id string) (*baton.Conversation, error) {
	c, err := s.Engine.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Channel != baton.ChannelWeb {
		return nil, baton.Errorf(baton.ENOTFOUND, "conversation %s is on %s, not reachable through Direct Line", id, c.Channel)
	}
	return c, nil
}

func checkUserID(id string) error {
	if utf8.RuneCountInString(id) > maxUserIDLength {
		return baton.Errorf(baton.EINVALID, "user id is longer than %d characters", maxUserIDLength)
	}
	return nil
}

func (s *Server) expiresIn(exp time.Time) int64 {
	return max(0, int64(exp.Sub(s.now())/time.Second))
}

// streamURL is the WebSocket address of the conversation's stream, with a
// stream token and the watermark to replay from.
func (s *Server) streamURL(r *http.Request, id, user, wm string) string {
	u := &url.URL{Scheme: "ws", Host: r.Host}
	if r.TLS != nil {
		u.Scheme = "wss"
	}
	if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(p), "https") {
		u.Scheme = "wss"
	}
	if s.PublicURL != "" {
		if pub, err := url.Parse(s.PublicURL); err == nil && pub.Host != "" {
			u.Host, u.Path = pub.Host, strings.TrimSuffix(pub.Path, "/")
			u.Scheme = "ws"
			if pub.Scheme == "https" || pub.Scheme == "wss" {
				u.Scheme = "wss"
			}
		}
	}
	u.Path += "/v3/directline/conversations/" + id + "/stream"
	q := url.Values{}
	if wm != "" {
		q.Set("watermark", wm)
	}
	q.Set("t", s.mint(id, user, scopeStream, s.now().Add(streamTokenTTL)))
	u.RawQuery = q.Encode()
	return u.String()
}

// inActivity is an activity a client posts. channelData is the client's
// own bag: only clientActivityID and postBack are read from it.
type inActivity struct {
	Type        string                     `json:"type"`
	ID          string                     `json:"id"`
	Text        string                     `json:"text"`
	Locale      string                     `json:"locale"`
	Name        string                     `json:"name"`
	Value       json.RawMessage            `json:"value"`
	ChannelData map[string]json.RawMessage `json:"channelData"`
	Attachments []json.RawMessage          `json:"attachments"`
	ReplyToID   string                     `json:"replyToId"`
}

// clientID is the client's id for the activity: Web Chat's
// channelData.clientActivityID, else the activity's own id.
func (a *inActivity) clientID() string {
	var id string
	if raw, ok := a.ChannelData["clientActivityID"]; !ok || json.Unmarshal(raw, &id) != nil || id == "" {
		id = a.ID
	}
	return id
}

// payload is the quick reply a client tapped: a string value, or the text
// of a postBack (Web Chat sends a postBack's string value as its text).
func (a *inActivity) payload() string {
	var v string
	if len(a.Value) > 0 && json.Unmarshal(a.Value, &v) == nil && v != "" {
		return v
	}
	var postBack bool
	if raw, ok := a.ChannelData["postBack"]; ok && json.Unmarshal(raw, &postBack) == nil && postBack {
		return a.Text
	}
	return ""
}

// postActivity takes a client's activity. A message goes to the engine;
// typing, events and the rest are only echoed to the conversation's live
// streams, as Web Chat waits for the echo of everything it sends.
func (s *Server) postActivity(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	cred, err := s.conversationToken(r, id)
	if err != nil {
		return err
	}
	var in inActivity
	if err := decode(r, &in, false); err != nil {
		return err
	}
	clientID := in.clientID()
	if utf8.RuneCountInString(clientID) > maxClientIDLength {
		return baton.Errorf(baton.EINVALID, "channelData.clientActivityID is longer than %d characters", maxClientIDLength)
	}
	ctx := r.Context()
	c, err := s.conversation(ctx, id)
	if err != nil {
		return err
	}
	switch in.Type {
	case "":
		return baton.Errorf(baton.EINVALID, "activity type is required")
	case "message":
	default:
		a := s.echo(c, cred, &in, clientID)
		return writeJSON(w, http.StatusOK, map[string]string{"id": a.ID})
	}
	if len(in.Attachments) > 0 {
		return baton.Errorf(baton.EINVALID, "attachments are not supported; send text")
	}
	payload := in.payload()
	text := in.Text
	if payload != "" {
		if title := s.buttonTitle(ctx, id, payload); title != "" {
			text = title
		} else if text == "" || text == payload {
			text = payload
		}
	}
	if strings.TrimSpace(text) == "" {
		return baton.Errorf(baton.EINVALID, "text is required")
	}
	m, err := s.Engine.CustomerMessage(ctx, id, lifecycle.CustomerInput{Text: text, ClientMessageID: clientID, Payload: payload,
		Locale: usableLocale(in.Locale)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"id": activityID(id, m.Seq)})
}

// buttonTitle is the title of the quick reply with this payload in the
// latest message that offered quick replies, or "".
func (s *Server) buttonTitle(ctx context.Context, id, payload string) string {
	recent, err := s.Store.RecentMessages(ctx, id, 8)
	if err != nil {
		s.logger().Warn("directline: read recent messages", "conversation", id, "err", err)
		return ""
	}
	for i := len(recent) - 1; i >= 0; i-- {
		if len(recent[i].Buttons) == 0 {
			continue
		}
		for _, b := range recent[i].Buttons {
			if b.Payload == payload {
				return b.Title
			}
		}
		return ""
	}
	return ""
}

// listActivities answers polling clients: what the customer may see after
// the watermark, and the watermark to ask with next.
func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	cred, err := s.conversationToken(r, id)
	if err != nil {
		return err
	}
	after, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.conversation(ctx, id)
	if err != nil {
		return err
	}
	msgs, err := s.Store.Messages(ctx, id, after, 1000)
	if err != nil {
		return err
	}
	last := after
	if len(msgs) > 0 {
		last = msgs[len(msgs)-1].Seq
	}
	m := s.newMapper(c, cred)
	if err := m.prime(ctx, after); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, activitySet{Activities: m.activities(ctx, msgs), Watermark: watermark(last)})
}

// upload is where directlinejs sends messages with files, which Baton does
// not take.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.conversationToken(r, r.PathValue("id")); err != nil {
		return err
	}
	return baton.Errorf(baton.EINVALID, "attachments are not supported; send text")
}

// usableLocale is the activity's locale if it can be a language tag, else
// "": a client's odd locale must not cost the customer their message.
func usableLocale(l string) string {
	if len(l) > 35 || strings.ContainsAny(l, " \t\n/") {
		return ""
	}
	return l
}
