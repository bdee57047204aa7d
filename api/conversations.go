package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// conversationView is a conversation as the API shows it. Agents and
// integrations see everything; customers see customerConversation.
type conversationView struct {
	*baton.Conversation
	Customer       *customerConversation `json:"-"`
	CustomerToken  string                `json:"customer_token,omitempty"`
	WaitingSeconds *int64                `json:"waiting_seconds,omitempty"`
	// QueuePosition is the 1-based place in the department's queue.
	QueuePosition int `json:"queue_position,omitempty"`
	// Position is the place in a queue listing.
	Position int `json:"position,omitempty"`
	// Summary is the pinned handoff summary for agents.
	Summary *baton.Summary `json:"summary,omitempty"`
	// ReplyWindow says whether an agent's reply can reach the customer now,
	// on channels whose platform limits it (WhatsApp, Messenger).
	ReplyWindow *baton.ReplyWindow `json:"reply_window,omitempty"`
	// TemplateAvailable: outside WhatsApp's window, the department has an
	// approved template to send instead.
	TemplateAvailable bool `json:"template_available,omitempty"`
}

// customerConversation is what a customer sees of their conversation: where
// it stands, not the internal reason, trigger, priority or agent ids.
type customerConversation struct {
	ID             string           `json:"id"`
	Channel        baton.Channel    `json:"channel"`
	Locale         string           `json:"locale"`
	Contact        baton.Contact    `json:"contact"`
	Mode           baton.Mode       `json:"mode"`
	Department     string           `json:"department"`
	Survey         baton.SurveyStep `json:"survey_step,omitempty"`
	LastSeq        int64            `json:"last_seq"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	CustomerToken  string           `json:"customer_token,omitempty"`
	WaitingSeconds *int64           `json:"waiting_seconds,omitempty"`
	QueuePosition  int              `json:"queue_position,omitempty"`
	// ExpectedWait is what the customer was last told while queued.
	ExpectedWait *customerWait `json:"expected_wait,omitempty"`
	// AgentName is the name of the agent talking with the customer.
	AgentName string `json:"agent_name,omitempty"`
}

// customerWait is the expected wait as the customer was told it: seconds
// is absent when no honest estimate exists (nobody can take a
// conversation right now).
type customerWait struct {
	Position int    `json:"position"`
	Seconds  *int64 `json:"seconds"`
}

// MarshalJSON writes the customer's view when the viewer is the customer.
func (v conversationView) MarshalJSON() ([]byte, error) {
	if v.Customer != nil {
		cv := *v.Customer
		cv.CustomerToken, cv.WaitingSeconds, cv.QueuePosition = v.CustomerToken, v.WaitingSeconds, v.QueuePosition
		return json.Marshal(cv)
	}
	type plain conversationView // without this method
	return json.Marshal(plain(v))
}

func (s *Server) view(a baton.Actor, c *baton.Conversation, now time.Time) conversationView {
	v := conversationView{Conversation: c}
	if a.Role == baton.RoleCustomer {
		v.Customer = &customerConversation{ID: c.ID, Channel: c.Channel, Locale: c.Locale, Contact: c.Contact,
			Mode: c.Mode, Department: c.Department, Survey: c.Survey, LastSeq: c.LastSeq,
			CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
		if w := c.Handoff; c.Mode == baton.ModeQueued && w != nil && w.Wait != nil {
			cw := &customerWait{Position: w.Wait.Position}
			if w.Wait.Known {
				sec := int64(time.Duration(w.Wait.Estimate) / time.Second)
				cw.Seconds = &sec
			}
			v.Customer.ExpectedWait = cw
		}
		if c.Mode == baton.ModeAgent && c.Assignee != "" {
			v.Customer.AgentName = s.agentName(c.Assignee)
		}
	} else {
		v.Summary = c.Summary(now)
		if c.Channel == baton.ChannelWhatsApp || c.Channel == baton.ChannelMessenger {
			w := c.Window(baton.AuthorAgent, now)
			v.ReplyWindow = &w
			v.TemplateAvailable = w.TemplateOnly && s.Engine.Rules.Template != nil && s.Engine.Rules.Template(c) != nil
		}
	}
	if c.Mode == baton.ModeQueued && c.QueuedAt != nil {
		w := int64(now.Sub(*c.QueuedAt) / time.Second)
		v.WaitingSeconds = &w
	}
	return v
}

// agentName returns an agent's name for customers' views. Names are
// cached: they change rarely, and updateAgent forgets the old one.
func (s *Server) agentName(id string) string {
	if n, ok := s.agentNames.Load(id); ok {
		return n.(string)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := s.Store.Agent(ctx, id)
	if err != nil {
		return ""
	}
	s.agentNames.Store(id, a.Name)
	return a.Name
}

type createConversationRequest struct {
	Channel baton.Channel `json:"channel"`
	Locale  string        `json:"locale"`
	Contact baton.Contact `json:"contact"`
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) error {
	if err := s.limit(w, r); err != nil {
		return err
	}
	var req createConversationRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	switch req.Channel {
	case "":
		req.Channel = baton.ChannelWeb
	case baton.ChannelWeb, baton.ChannelAPI:
	default:
		// Messaging-app conversations are opened by their channel's webhook,
		// not by anyone who claims to be on WhatsApp.
		return baton.Errorf(baton.EINVALID, "channel must be web or api")
	}
	if len(req.Locale) > 35 {
		return baton.Errorf(baton.EINVALID, "locale %q is not a language tag", req.Locale)
	}
	c, token, err := s.Engine.CreateConversation(r.Context(), baton.Conversation{Channel: req.Channel, Locale: req.Locale, Contact: req.Contact})
	if err != nil {
		return err
	}
	v := s.view(baton.Actor{Role: baton.RoleCustomer, ConversationID: c.ID}, c, s.now())
	v.CustomerToken = token
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	a, c, err := s.conversationFor(r, baton.RoleCustomer, baton.RoleAgent, baton.RoleAdmin, baton.RoleBot)
	if err != nil {
		return err
	}
	v := s.view(a, c, s.now())
	if c.Mode == baton.ModeQueued {
		if q, err := s.Engine.Queue(r.Context(), c.Department); err == nil {
			for i, qc := range q {
				if qc.ID == c.ID {
					v.QueuePosition = i + 1
				}
			}
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := baton.ConversationFilter{Departments: q["department"]}
	for _, m := range q["mode"] {
		if !baton.Mode(m).Valid() {
			return baton.Errorf(baton.EINVALID, "unknown mode %q", m)
		}
		f.Modes = append(f.Modes, baton.Mode(m))
	}
	if as := q.Get("assignee"); as == "me" && a.Agent != nil {
		f.Assignee = a.Agent.ID
	} else {
		f.Assignee = as
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	f.Limit = int(limit)
	list, err := s.Store.Conversations(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.now()
	out := []conversationView{}
	for _, c := range list {
		if a.CanSee(c) {
			out = append(out, s.view(a, c, now))
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"conversations": out})
}

type postMessageRequest struct {
	Text            string         `json:"text"`
	ClientMessageID string         `json:"client_message_id"`
	Private         bool           `json:"private"`
	Buttons         []baton.Button `json:"buttons"`
	// Payload: a customer tapped a quick reply with this payload.
	Payload string `json:"payload"`
	// Template: an agent sends the department's approved WhatsApp template
	// (outside the 24-hour window); text is not used.
	Template bool `json:"template"`
	// Intent, Understood and State: an external bot's reply.
	Intent     string          `json:"intent"`
	Understood *bool           `json:"understood"`
	State      *baton.BotState `json:"state"`
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleCustomer, baton.RoleAgent, baton.RoleBot)
	if err != nil {
		return err
	}
	var req postMessageRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if utf8.RuneCountInString(req.ClientMessageID) > 200 {
		return baton.Errorf(baton.EINVALID, "client_message_id is longer than 200 characters")
	}
	id := r.PathValue("id")
	ctx := r.Context()
	switch a.Role {
	case baton.RoleCustomer:
		m, err := s.Engine.CustomerMessage(ctx, id, lifecycle.CustomerInput{Text: req.Text, ClientMessageID: req.ClientMessageID,
			Payload: req.Payload})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, m)
	case baton.RoleAgent:
		if _, err := s.visibleTo(r, a); err != nil { // authenticated above: check access only
			return err
		}
		var m *baton.Message
		if req.Template {
			m, err = s.Engine.AgentTemplate(ctx, a.Agent, id, req.ClientMessageID)
		} else {
			m, err = s.Engine.AgentMessage(ctx, a.Agent, id, req.Text, req.ClientMessageID, req.Private)
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, m)
	default: // an external bot's reply
		m, err := s.Engine.BotMessage(ctx, id, &baton.BotReply{Understood: req.Understood == nil || *req.Understood,
			ClientMessageID: req.ClientMessageID, Intent: req.Intent, State: req.State,
			Messages: []baton.BotMessage{{Text: req.Text, Buttons: req.Buttons}}})
		if baton.ErrorCode(err) == baton.ECONFLICT {
			return writeJSON(w, http.StatusAccepted, map[string]any{"dropped": true, "reason": baton.ErrorMessage(err)})
		} else if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, m)
	}
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	a, c, err := s.conversationFor(r, baton.RoleCustomer, baton.RoleAgent, baton.RoleAdmin, baton.RoleBot)
	if err != nil {
		return err
	}
	after, err := queryInt(r, "after", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 500)
	if err != nil {
		return err
	}
	if limit == 0 || limit > 1000 {
		limit = 1000
	}
	msgs, err := s.Store.Messages(r.Context(), c.ID, after, int(limit))
	if err != nil {
		return err
	}
	// next_after continues the listing; for a customer it may skip entries
	// they do not see, so it is not always the last seq shown.
	next := after
	if len(msgs) > 0 {
		next = msgs[len(msgs)-1].Seq
	}
	if a.Role == baton.RoleCustomer {
		msgs = customerVisible(msgs)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"messages": msgs, "last_seq": c.LastSeq, "next_after": next})
}

func customerVisible(msgs []baton.Message) []baton.Message {
	out := msgs[:0]
	for _, m := range msgs {
		if m.VisibleToCustomer() {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) requestHandoff(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.conversationFor(r, baton.RoleBot, baton.RoleAgent, baton.RoleAdmin, baton.RoleCustomer)
	if err != nil {
		return err
	}
	var req baton.HandoffRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if a.Role == baton.RoleCustomer {
		// A customer asks for a person; routing, not the customer, decides
		// how urgent it is, and the trigger is always the customer's request.
		req = baton.HandoffRequest{Trigger: baton.TriggerText, Department: req.Department, Details: req.Details}
	}
	if req.Trigger == "" {
		switch a.Role {
		case baton.RoleAgent, baton.RoleAdmin:
			req.Trigger = baton.TriggerAgent
		default:
			req.Trigger = baton.TriggerBot
		}
	}
	c, err := s.Engine.RequestHandoff(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(a, c, s.now()))
}

func (s *Server) claim(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.conversationFor(r, baton.RoleAgent)
	if err != nil {
		return err
	}
	c, err := s.Engine.Claim(r.Context(), a.Agent, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(a, c, s.now()))
}

func (s *Server) release(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.conversationFor(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		Survey bool `json:"survey"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return err
	}
	c, err := s.Engine.Release(r.Context(), a.Agent, r.PathValue("id"), req.Survey)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(a, c, s.now()))
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.conversationFor(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		Department string `json:"department"`
		AgentID    string `json:"agent_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var to lifecycle.TransferTarget
	if req.Department != "" {
		if to.Department = s.department(req.Department); to.Department == nil {
			return baton.Errorf(baton.EINVALID, "unknown department %q", req.Department)
		}
	}
	if req.AgentID != "" {
		ag, err := s.Store.Agent(r.Context(), req.AgentID)
		if baton.ErrorCode(err) == baton.ENOTFOUND {
			return baton.Errorf(baton.EINVALID, "unknown agent %q", req.AgentID)
		} else if err != nil {
			return err
		}
		to.Agent = ag
	}
	c, err := s.Engine.Transfer(r.Context(), a.Agent, r.PathValue("id"), to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(a, c, s.now()))
}

func (s *Server) close(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.conversationFor(r, baton.RoleAgent, baton.RoleAdmin, baton.RoleCustomer)
	if err != nil {
		return err
	}
	who := string(a.Role)
	if a.Agent != nil {
		who = a.Agent.Name
	}
	c, err := s.Engine.Close(r.Context(), a.Agent, r.PathValue("id"), who)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(a, c, s.now()))
}

func (s *Server) listSurveys(w http.ResponseWriter, r *http.Request) error {
	_, c, err := s.conversationFor(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	list, err := s.Store.Surveys(r.Context(), c.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"surveys": list})
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	depts := r.URL.Query()["department"]
	if len(depts) == 0 {
		if a.Agent != nil {
			depts = a.Agent.Departments
		} else {
			for _, d := range s.Departments {
				depts = append(depts, d.Name)
			}
		}
	}
	now := s.now()
	out := []conversationView{}
	for _, d := range slices.Compact(slices.Sorted(slices.Values(depts))) {
		if a.Agent != nil && !a.Agent.InDepartment(d) {
			return baton.Errorf(baton.EFORBIDDEN, "you are not in department %q", d)
		}
		q, err := s.Engine.Queue(r.Context(), d)
		if err != nil {
			return err
		}
		for i, c := range q {
			v := s.view(a, c, now)
			v.Position, v.QueuePosition = i+1, i+1
			out = append(out, v)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"queue": out})
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	status := baton.TicketStatus(r.URL.Query().Get("status"))
	if status != "" && status != baton.TicketOpen && status != baton.TicketClosed {
		return baton.Errorf(baton.EINVALID, "status must be open or closed")
	}
	all, err := s.Store.Tickets(r.Context(), status, 1000)
	if err != nil {
		return err
	}
	list := []*baton.Ticket{}
	for _, t := range all {
		if a.Agent == nil || a.Agent.InDepartment(t.Department) {
			list = append(list, t)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tickets": list})
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	t, err := s.Store.Ticket(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if a.Agent != nil && !a.Agent.InDepartment(t.Department) {
		return baton.Errorf(baton.EFORBIDDEN, "ticket %s is not in your departments", t.ID)
	}
	return writeJSON(w, http.StatusOK, t)
}
