// Package lifecycle decides every change of a conversation: which mode
// follows which event, who may do what, and what the customer is told.
//
// It is plain functions over plain data: no I/O, no clock reads, no
// goroutines. The engine feeds it events and stores what it decides.
package lifecycle

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Limits on what callers may store. They keep one request from bloating a
// conversation that every queue read and every agent's screen must carry.
const (
	MaxTextLength  = 8000 // a message, in characters
	MaxFieldLength = 1000 // a handoff reason, a detail, a contact field or attribute, in characters
	MaxKeyLength   = 64   // the name of a detail or attribute
	MaxKeys        = 30   // details of a handoff, attributes of a contact
)

// checkFields refuses a map of details or attributes over the limits.
func checkFields(what string, m map[string]string) error {
	if len(m) > MaxKeys {
		return baton.Errorf(baton.EINVALID, "%s: %d entries; the limit is %d", what, len(m), MaxKeys)
	}
	for k, v := range m {
		if utf8.RuneCountInString(k) > MaxKeyLength || k == "" {
			return baton.Errorf(baton.EINVALID, "%s: names must be 1 to %d characters", what, MaxKeyLength)
		}
		if utf8.RuneCountInString(v) > MaxFieldLength {
			return baton.Errorf(baton.EINVALID, "%s: %q is longer than %d characters", what, k, MaxFieldLength)
		}
	}
	return nil
}

// checkContact refuses contact fields over the limits.
func checkContact(c baton.Contact) error {
	for name, v := range map[string]string{"name": c.Name, "email": c.Email, "phone": c.Phone} {
		if utf8.RuneCountInString(v) > MaxFieldLength {
			return baton.Errorf(baton.EINVALID, "contact %s is longer than %d characters", name, MaxFieldLength)
		}
	}
	return checkFields("contact attributes", c.Attributes)
}

// Rules holds the settings the lifecycle decisions depend on.
type Rules struct {
	// Departments looks a department up by name; nil if it does not exist.
	Departments func(name string) *baton.Department
	// DefaultDepartment takes handoffs that name no department.
	DefaultDepartment string
	// InactivityTimeout returns a conversation in agent mode to the bot
	// after this long without a customer or agent message.
	InactivityTimeout time.Duration
	// Texts returns the texts for a locale; nil means Baton's shipped texts
	// (TextsFor).
	Texts func(locale string) *Texts
	// UnknownLimit hands off after this many "did not understand" answers
	// in a row; 0 never.
	UnknownLimit int
	// Sensitive reports whether an intent is a topic the bot must not
	// handle alone; nil means none is.
	Sensitive func(intent string) bool
	// Route picks the department and priority of a handoff that names no
	// department, from the conversation, the request and the customer's
	// message that led to it (may be empty). An empty department means the
	// default one; the handoff keeps the higher of the requested and the
	// routed priority. nil routes everything to the default department.
	Route func(c *baton.Conversation, req baton.HandoffRequest, text string) (department string, priority baton.Priority)
	// Template is the approved WhatsApp template for a conversation's
	// department and account, for agents outside the 24-hour window; nil
	// (or a nil func) when none is configured.
	Template func(c *baton.Conversation) *baton.Template
}

// Facts are what the engine knows about a department at the moment a
// handoff is placed. Gathering them needs I/O, so the engine does it.
type Facts struct {
	// Staffed is true when at least one agent of the department is signed
	// in (online or away).
	Staffed bool
	// QueueAhead is the number of conversations waiting before this one.
	QueueAhead int
	// Capacity is how many conversations the department's online agents
	// can hold at once, and Free how many more they can take right now.
	Capacity, Free int
	// HandlingTime is the department's recent average time per
	// conversation (or its configured default).
	HandlingTime time.Duration
}

// EstimateWait is the expected wait of the conversation at position (1 for
// next) in a queue: nothing when an online agent can take it now; else the
// conversations that must finish first, at the pace the online agents
// finish them (capacity per handling time). Without anyone online to take
// conversations there is no honest number: known is false.
func EstimateWait(position int, f Facts) (wait time.Duration, known bool) {
	if position <= f.Free {
		return 0, true
	}
	if f.Capacity <= 0 || f.HandlingTime <= 0 {
		return 0, false
	}
	return time.Duration(position-f.Free) * f.HandlingTime / time.Duration(f.Capacity), true
}

// Decision is the outcome of one event: the conversation's next state and
// what to append to its timeline, plus work for the engine.
type Decision struct {
	Conversation *baton.Conversation
	Entries      []baton.Message
	// Unchanged is true when the event changed nothing (an idempotent repeat);
	// there is nothing to store.
	Unchanged bool
	// AskBot: the customer's message goes to the bot.
	AskBot bool
	// NeedsPlacement: the handoff is ready to go to a human; the engine
	// gathers Facts and calls Place.
	NeedsPlacement bool
	// Enqueued: the conversation joined its department's queue.
	Enqueued bool
	// Freed names the agent who no longer holds the conversation.
	Freed string
	// Assigned names the agent who now holds it.
	Assigned    string
	Ticket      *baton.Ticket
	CloseTicket string
	Survey      *baton.SurveyResponse
	Handled     *baton.Handling
}

// Change returns the store write for this decision, taken on prev. When
// the decision only appends to the timeline (a bot answering in bot mode,
// the commonest event by far), the conversation keeps its version and the
// change is append-only.
func (d *Decision) Change(prev *baton.Conversation) *baton.Change {
	ch := &baton.Change{Conversation: d.Conversation, Messages: d.Entries, Ticket: d.Ticket, CloseTicket: d.CloseTicket,
		Survey: d.Survey, Assigned: d.Assigned, Handled: d.Handled}
	if prev != nil && len(d.Entries) > 0 && d.Ticket == nil && d.CloseTicket == "" && d.Survey == nil && d.Assigned == "" &&
		d.Handled == nil &&
		d.Conversation.SameState(prev) {
		d.Conversation.Version = prev.Version
		ch.AppendOnly = true
	}
	return ch
}

type step struct {
	r   *Rules
	d   *Decision
	c   *baton.Conversation
	now time.Time
	t   *Texts
	// text is the customer's message this event is about, if any.
	text string
}

func (r *Rules) begin(c *baton.Conversation, now time.Time) *step {
	n := c.Clone()
	n.Version++
	n.UpdatedAt = now
	return &step{r: r, d: &Decision{Conversation: n}, c: n, now: now, t: r.texts(n.Locale)}
}

func (r *Rules) texts(locale string) *Texts {
	if r.Texts != nil {
		if t := r.Texts(locale); t != nil {
			return t
		}
	}
	return TextsFor(locale)
}

func (r *Rules) department(name string) *baton.Department {
	if r.Departments == nil {
		return nil
	}
	return r.Departments(name)
}

func (s *step) add(m baton.Message) *baton.Message {
	s.c.LastSeq++
	m.ConversationID = s.c.ID
	m.Seq = s.c.LastSeq
	m.CreatedAt = s.now
	s.d.Entries = append(s.d.Entries, m)
	return &s.d.Entries[len(s.d.Entries)-1]
}

func (s *step) system(event, text string, private bool) {
	s.add(baton.Message{Author: baton.AuthorSystem, Event: event, Text: text, Private: private})
}

func (s *step) bot(text string, buttons ...baton.Button) {
	if text == "" {
		return
	}
	s.add(baton.Message{Author: baton.AuthorBot, Text: text, Buttons: buttons})
}

func checkText(text string) error {
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		return baton.Errorf(baton.EINVALID, "text is required")
	case n > MaxTextLength:
		return baton.Errorf(baton.EINVALID, "text is %d characters long; the limit is %d", n, MaxTextLength)
	case !utf8.ValidString(text):
		return baton.Errorf(baton.EINVALID, "text is not valid UTF-8")
	}
	return nil
}

// Create starts a conversation in bot mode. c carries the id, channel,
// locale, contact and customer token hash; the rest is set here.
func (r *Rules) Create(c baton.Conversation, now time.Time) (*Decision, error) {
	if c.ID == "" {
		return nil, baton.Errorf(baton.EINVALID, "conversation id is required")
	}
	if !c.Channel.Valid() {
		return nil, baton.Errorf(baton.EINVALID, "unknown channel %q", c.Channel)
	}
	if err := checkContact(c.Contact); err != nil {
		return nil, err
	}
	if c.Locale == "" {
		c.Locale = "en"
	}
	c.Version, c.LastSeq = 0, 0
	c.Mode = baton.ModeBot
	c.Priority = baton.PriorityNormal
	c.CreatedAt = now
	c.LastActivityAt = now
	s := r.begin(&c, now)
	s.system(baton.EventCreated, fmt.Sprintf("Conversation started on %s (%s)", c.Channel, c.Locale), true)
	return s.d, nil
}

// CustomerInput is a message from the customer. Handoff is set when a
// trigger fired on this message (the engine detects triggers).
type CustomerInput struct {
	Text            string
	ClientMessageID string
	// Payload is the payload of the quick reply the customer tapped.
	Payload string
	Handoff *baton.HandoffRequest
	// Locale is the language the customer's client says they use. It
	// becomes the conversation's language if the customer has not written
	// before (a client that learns the language only when the customer
	// types, such as Bot Framework Web Chat).
	Locale string
	// SentAt is when the customer sent it, if their platform says. A
	// platform's reply window counts from then, not from when a delayed
	// webhook reached Baton.
	SentAt time.Time
}

// CustomerMessage appends a customer message and decides what follows:
// the bot answers, a handoff starts, a handoff question is answered, a
// survey answer is recorded, or (with a human) nothing automatic happens.
func (r *Rules) CustomerMessage(c *baton.Conversation, in CustomerInput, now time.Time) (*Decision, error) {
	if err := checkText(in.Text); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Payload) > MaxFieldLength {
		return nil, baton.Errorf(baton.EINVALID, "payload is longer than %d characters", MaxFieldLength)
	}
	if len(in.Locale) > 35 {
		return nil, baton.Errorf(baton.EINVALID, "locale %q is not a language tag", in.Locale)
	}
	s := r.begin(c, now)
	s.text = in.Text
	if in.Locale != "" && s.c.LastCustomerAt == nil {
		s.c.Locale = in.Locale
		s.t = r.texts(in.Locale)
	}
	if s.c.Mode == baton.ModeClosed {
		s.c.Mode = baton.ModeBot
		s.system(baton.EventReopened, "Conversation reopened by the customer", false)
	}
	m := s.add(baton.Message{Author: baton.AuthorCustomer, Text: in.Text, ClientMessageID: in.ClientMessageID, Payload: in.Payload})
	if !in.SentAt.IsZero() && in.SentAt.Before(now) {
		// The entry says when the customer wrote; the stored conversation's
		// last customer message time, which windows count from, follows.
		m.CreatedAt = in.SentAt
	}
	if s.c.LastCustomerAt == nil || m.CreatedAt.After(*s.c.LastCustomerAt) {
		s.c.LastCustomerAt = &m.CreatedAt
	}
	if s.c.Mode == baton.ModeAgent {
		s.c.LastActivityAt = now
	}

	switch s.c.Mode {
	case baton.ModeBot:
		switch {
		case s.c.Survey == baton.SurveyComment:
			// Any text is a comment here, even "the agent was great".
			s.surveyAnswer(in.Text)
		case in.Handoff != nil:
			s.c.Survey = baton.SurveyNone
			return s.d, s.startHandoff(*in.Handoff)
		case s.c.Survey != baton.SurveyNone && s.surveyAnswer(in.Text):
		default:
			s.c.Survey = baton.SurveyNone
			s.d.AskBot = true
		}
	case baton.ModeHandoff:
		if in.Handoff != nil && s.validStructuredAnswer(in.Text) {
			// "human@example.com" answers the email question; it is not a
			// request for a human.
			in.Handoff = nil
		}
		if in.Handoff != nil || s.t.isCancel(in.Text) {
			// Asked again, or gave up answering: hand off with what is known.
			if len(s.c.Handoff.Missing) > 0 {
				s.bot(s.t.DetailsSkipped)
			}
			s.c.Handoff.Missing = nil
			s.d.NeedsPlacement = true
			break
		}
		s.detailAnswer(in.Text)
	}
	return s.d, nil
}

// BotReply appends the bot's answer to the customer's message text (empty
// when not known). In any mode but bot and handoff it is refused: a late
// bot reply never talks over a human. A reply whose intent is sensitive
// starts a handoff, whatever the bot said.
func (r *Rules) BotReply(c *baton.Conversation, reply *baton.BotReply, text string, now time.Time) (*Decision, error) {
	if !c.Mode.BotMayReply() {
		return nil, errDropped(c.Mode)
	}
	if len(reply.Messages) == 0 && reply.Handoff == nil {
		return nil, baton.Errorf(baton.EINVALID, "a bot reply needs a message or a handoff")
	}
	for _, m := range reply.Messages {
		if err := checkText(m.Text); err != nil {
			return nil, err
		}
	}
	if err := checkState(reply.State); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(reply.Intent) > MaxKeyLength {
		return nil, baton.Errorf(baton.EINVALID, "intent is longer than %d characters", MaxKeyLength)
	}
	s := r.begin(c, now)
	s.text = text
	for i, m := range reply.Messages {
		s.bot(m.Text, m.Buttons...)
		if i == 0 {
			e := &s.d.Entries[len(s.d.Entries)-1]
			e.ClientMessageID, e.Intent = reply.ClientMessageID, reply.Intent
		}
	}
	if reply.State != nil {
		s.c.BotState = reply.State.Clone()
		if s.c.BotState.Empty() {
			s.c.BotState = nil
		}
	}
	if reply.Understood {
		s.c.UnknownStreak = 0
	} else {
		s.c.UnknownStreak++
	}
	if s.c.Mode != baton.ModeBot {
		return s.d, nil
	}
	switch {
	case reply.Handoff != nil:
		h := *reply.Handoff
		if h.Trigger == "" {
			h.Trigger = baton.TriggerBot
		}
		if h.Intent == "" {
			h.Intent = reply.Intent
		}
		return s.d, s.startHandoff(h)
	case reply.Intent != "" && r.Sensitive != nil && r.Sensitive(reply.Intent):
		return s.d, s.startHandoff(baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent,
			Reason: "sensitive topic: " + reply.Intent, Intent: reply.Intent})
	case r.UnknownLimit > 0 && s.c.UnknownStreak >= r.UnknownLimit:
		return s.d, s.startHandoff(baton.HandoffRequest{Trigger: baton.TriggerUnknown,
			Reason: fmt.Sprintf("the bot did not understand %d times in a row", s.c.UnknownStreak)})
	}
	return s.d, nil
}

// checkState refuses a bot state over the limits.
func checkState(st *baton.BotState) error {
	if st == nil {
		return nil
	}
	if utf8.RuneCountInString(st.Flow) > MaxKeyLength || utf8.RuneCountInString(st.Pending) > MaxKeyLength {
		return baton.Errorf(baton.EINVALID, "state: flow and pending must be at most %d characters", MaxKeyLength)
	}
	return checkFields("state slots", st.Slots)
}

// errDropped refuses a bot reply because a human has the conversation.
func errDropped(m baton.Mode) error {
	return baton.Errorf(baton.ECONFLICT, "the conversation is in %s mode; bot replies are dropped", m)
}

// RequestHandoff starts the handoff procedure from bot mode (or reopens a
// closed conversation into it).
func (r *Rules) RequestHandoff(c *baton.Conversation, req baton.HandoffRequest, now time.Time) (*Decision, error) {
	switch c.Mode {
	case baton.ModeBot, baton.ModeClosed:
	case baton.ModeHandoff:
		return nil, baton.Errorf(baton.ECONFLICT, "a handoff is already in progress")
	default:
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is already %s", c.Mode)
	}
	s := r.begin(c, now)
	if s.c.Mode == baton.ModeClosed {
		s.system(baton.EventReopened, "Conversation reopened for a handoff", false)
	}
	return s.d, s.startHandoff(req)
}

var defaultReasons = map[baton.Trigger]string{
	baton.TriggerText:            "the customer asked for a person",
	baton.TriggerUnknown:         "the bot did not understand",
	baton.TriggerFeedback:        "the answer did not help",
	baton.TriggerSensitiveIntent: "a sensitive topic",
	baton.TriggerFrustration:     "the customer is frustrated",
	baton.TriggerBotFailure:      "the bot failed to answer",
	baton.TriggerBot:             "the bot asked for a person",
	baton.TriggerAgent:           "an agent joined",
}

func (s *step) startHandoff(req baton.HandoffRequest) error {
	if !req.Trigger.Valid() {
		return baton.Errorf(baton.EINVALID, "unknown trigger %q", req.Trigger)
	}
	if req.Priority != "" && !req.Priority.Valid() {
		return baton.Errorf(baton.EINVALID, "unknown priority %q (use low, normal, high or urgent)", req.Priority)
	}
	if s.r.Route != nil {
		dept, prio := s.r.Route(s.c, req, s.text)
		if req.Department == "" {
			req.Department = dept
		}
		if prio.Rank() > req.Priority.Rank() {
			req.Priority = prio
		}
	}
	if req.Priority == "" {
		req.Priority = baton.PriorityNormal
	}
	if req.Department == "" {
		req.Department = s.r.DefaultDepartment
	}
	dept := s.r.department(req.Department)
	if dept == nil {
		return baton.Errorf(baton.EINVALID, "unknown department %q", req.Department)
	}
	if req.Reason == "" {
		req.Reason = defaultReasons[req.Trigger]
	}
	if n := utf8.RuneCountInString(req.Reason); n > MaxFieldLength {
		return baton.Errorf(baton.EINVALID, "reason is %d characters long; the limit is %d", n, MaxFieldLength)
	}
	if n := utf8.RuneCountInString(req.Intent); n > MaxKeyLength {
		return baton.Errorf(baton.EINVALID, "intent is %d characters long; the limit is %d", n, MaxKeyLength)
	}
	if err := checkFields("details", req.Details); err != nil {
		return err
	}
	h := &baton.Handoff{Trigger: req.Trigger, Reason: req.Reason, Department: dept.Name, Intent: req.Intent,
		Priority: req.Priority, Details: s.knownDetails(req.Details), RequestedAt: s.now}
	for _, spec := range dept.Required {
		if h.Details[spec.Key] != "" || !spec.When.Applies(h.Intent, h.Trigger) {
			continue
		}
		// A contact attribute of the same name is known too.
		if v, ok := spec.Validate(s.c.Contact.Attributes[spec.Key]); ok {
			h.Details[spec.Key] = v
			continue
		}
		h.Missing = append(h.Missing, spec.Key)
	}
	s.c.Handoff = h
	s.c.Handoffs++
	s.c.Mode = baton.ModeHandoff
	s.c.Department = dept.Name
	s.c.Priority = req.Priority
	s.c.Survey = baton.SurveyNone
	s.c.UnknownStreak = 0
	s.system(baton.EventHandoffRequested, fmt.Sprintf("Handoff to %s requested (%s): %s", dept.DisplayName(), req.Trigger, req.Reason), true)
	if len(h.Missing) > 0 {
		s.bot(s.prompt(dept, h.Missing[0]))
		return nil
	}
	s.d.NeedsPlacement = true
	return nil
}

// knownDetails gathers what is already known, so the customer is not asked
// again: the conversation's known details and the request's (which win).
func (s *step) knownDetails(req map[string]string) map[string]string {
	details := s.c.KnownDetails()
	for k, v := range req {
		if v = strings.TrimSpace(v); v != "" {
			details[k] = v
		}
	}
	return details
}

func (s *step) spec(dept *baton.Department, key string) *baton.DetailSpec {
	for i := range dept.Required {
		if dept.Required[i].Key == key {
			return &dept.Required[i]
		}
	}
	return &baton.DetailSpec{Key: key, Kind: baton.DetailText}
}

// prompt is the question for a detail in the customer's language: the
// department's own, else Baton's question for the kind.
func (s *step) prompt(dept *baton.Department, key string) string {
	spec := s.spec(dept, key)
	if p := spec.Prompt.In(s.c.Locale); p != "" {
		return p
	}
	switch spec.Kind {
	case baton.DetailEmail:
		return s.t.AskEmail
	case baton.DetailPhone:
		return s.t.AskPhone
	case baton.DetailDate:
		return s.t.AskDate
	case baton.DetailOrderNumber:
		return s.t.AskOrderNumber
	}
	return sprintf(s.t.AskDetail, key)
}

// validStructuredAnswer reports whether text is a valid answer to the
// pending detail question when that question expects a structured value
// (anything but free text).
func (s *step) validStructuredAnswer(text string) bool {
	h := s.c.Handoff
	dept := s.r.department(h.Department)
	if len(h.Missing) == 0 || dept == nil {
		return false
	}
	spec := s.spec(dept, h.Missing[0])
	if spec.Kind == "" || spec.Kind == baton.DetailText {
		return false
	}
	_, ok := spec.Validate(text)
	return ok
}

// detailAnswer takes the customer's answer to the pending detail question.
func (s *step) detailAnswer(text string) {
	h := s.c.Handoff
	dept := s.r.department(h.Department)
	if len(h.Missing) == 0 || dept == nil {
		s.d.NeedsPlacement = true
		return
	}
	key := h.Missing[0]
	value, ok := s.spec(dept, key).Validate(text)
	if !ok {
		s.bot(sprintf(s.t.InvalidDetail, s.prompt(dept, key)))
		return
	}
	h.Details[key] = value
	if key == "email" && s.c.Contact.Email == "" {
		s.c.Contact.Email = value
	}
	h.Missing = h.Missing[1:]
	if len(h.Missing) > 0 {
		s.bot(s.prompt(dept, h.Missing[0]))
		return
	}
	s.system(baton.EventDetailsComplete, "All details collected", true)
	s.d.NeedsPlacement = true
}

// Place sends a handoff whose details are complete to a human: into the
// department's queue when it is open and someone is signed in, else to a
// ticket with an honest word on when to expect an answer.
func (r *Rules) Place(d *Decision, f Facts, now time.Time) error {
	c := d.Conversation
	if c.Mode != baton.ModeHandoff && c.Mode != baton.ModeQueued {
		return baton.Errorf(baton.ECONFLICT, "cannot place a conversation in %s mode", c.Mode)
	}
	dept := r.department(c.Department)
	if dept == nil {
		return baton.Errorf(baton.EINVALID, "unknown department %q", c.Department)
	}
	s := &step{r: r, d: d, c: c, now: now, t: r.texts(c.Locale)}
	d.NeedsPlacement = false
	if c.Handoff != nil {
		c.Handoff.Missing = nil
	}
	open := dept.Hours == nil || dept.Hours.OpenAt(now)
	if open && f.Staffed {
		c.Mode = baton.ModeQueued
		if c.QueuedAt == nil {
			c.QueuedAt = &s.now
		}
		s.system(baton.EventQueued, "Waiting for "+dept.DisplayName(), false)
		w := wait(f, now)
		if c.Handoff != nil {
			c.Handoff.Wait = w
		}
		if w.Known {
			s.bot(sprintf(s.t.Connecting, dept.DisplayName(), w.Position, s.t.Wait(time.Duration(w.Estimate))))
		} else {
			s.bot(sprintf(s.t.ConnectingBusy, dept.DisplayName(), w.Position))
		}
		d.Enqueued = true
		return nil
	}
	t := &baton.Ticket{
		// The version is unique per change, so a second ticket for the same
		// conversation (after a transfer, say) never reuses an id.
		ID: fmt.Sprintf("%s-%d", c.ID, c.Version), ConversationID: c.ID, Department: dept.Name,
		Priority: c.Priority, Status: baton.TicketOpen, CreatedAt: now, UpdatedAt: now,
	}
	why := "nobody signed in"
	if c.Handoff != nil {
		t.Subject, t.Trigger, t.Details = c.Handoff.Reason, c.Handoff.Trigger, c.Handoff.Details
	}
	if !open {
		why = "out of hours"
	}
	next, ok := time.Time{}, false
	if !open {
		next, ok = dept.Hours.NextOpen(now)
	}
	if ok {
		t.ExpectedBy = &next
		s.bot(sprintf(s.t.TicketNextOpen, dept.DisplayName(), s.t.Opening(now, next)))
	} else {
		s.bot(sprintf(s.t.TicketCreated, dept.DisplayName()))
	}
	c.Mode = baton.ModeTicket
	c.TicketID = t.ID
	c.QueuedAt = nil
	d.Ticket = t
	d.Enqueued = false
	s.system(baton.EventTicketCreated, fmt.Sprintf("Ticket %s created (%s)", t.ID, why), true)
	return nil
}

func wait(f Facts, now time.Time) *baton.Wait {
	position := f.QueueAhead + 1
	est, known := EstimateWait(position, f)
	return &baton.Wait{Position: position, Estimate: baton.Duration(est), Known: known, ToldAt: now}
}

// MinWaitUpdate is the least time between two expected-wait updates to
// one customer.
const MinWaitUpdate = time.Minute

// UpdateWait tells a queued customer their new position and expected wait
// when it changed meaningfully since they were last told, and at most once
// per MinWaitUpdate. Meaningful: an estimate appears or disappears, or the
// estimate reads differently and moved by at least a minute and a fifth.
// Otherwise the decision is Unchanged.
func (r *Rules) UpdateWait(c *baton.Conversation, f Facts, now time.Time) (*Decision, error) {
	if c.Mode != baton.ModeQueued || c.Handoff == nil {
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is %s, not queued", c.Mode)
	}
	w, last := wait(f, now), c.Handoff.Wait
	t := r.texts(c.Locale)
	if last != nil {
		if now.Sub(last.ToldAt) < MinWaitUpdate {
			return &Decision{Conversation: c, Unchanged: true}, nil
		}
		if w.Known == last.Known {
			if !w.Known {
				return &Decision{Conversation: c, Unchanged: true}, nil
			}
			oldEst, newEst := time.Duration(last.Estimate), time.Duration(w.Estimate)
			delta := (newEst - oldEst).Abs()
			if t.Wait(oldEst) == t.Wait(newEst) || delta < time.Minute || delta < oldEst/5 {
				return &Decision{Conversation: c, Unchanged: true}, nil
			}
		}
	}
	s := r.begin(c, now)
	s.c.Handoff.Wait = w
	text := sprintf(t.WaitUpdateBusy, w.Position)
	if w.Known {
		text = sprintf(t.WaitUpdate, w.Position, t.Wait(time.Duration(w.Estimate)))
	}
	s.add(baton.Message{Author: baton.AuthorBot, Event: baton.EventWaitUpdated, Text: text})
	return s.d, nil
}

// AssignHow says how an agent came to hold a conversation.
type AssignHow int

const (
	AssignAuto  AssignHow = iota // picked by automatic assignment
	AssignClaim                  // the agent claimed it
	AssignReply                  // the agent replied: takeover
)

// Assign gives the conversation to an agent. Automatic assignment takes
// only queued conversations; a claim or a reply takes over from any mode
// ("barge in"). A conversation held by another agent is refused: there is
// never more than one assignee.
func (r *Rules) Assign(c *baton.Conversation, a *baton.Agent, how AssignHow, now time.Time) (*Decision, error) {
	if c.Mode == baton.ModeAgent {
		if c.Assignee == a.ID {
			return &Decision{Conversation: c, Unchanged: true}, nil
		}
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is assigned to another agent")
	}
	if how == AssignAuto && c.Mode != baton.ModeQueued {
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is %s, not queued", c.Mode)
	}
	s := r.begin(c, now)
	from := s.c.Mode
	if from == baton.ModeBot || from == baton.ModeClosed || s.c.Handoff == nil {
		dept := s.c.Department
		if dept == "" && len(a.Departments) > 0 {
			dept = a.Departments[0]
		}
		s.c.Handoff = &baton.Handoff{Trigger: baton.TriggerAgent, Reason: defaultReasons[baton.TriggerAgent],
			Department: dept, Priority: s.c.Priority, Details: map[string]string{}, RequestedAt: now}
		s.c.Handoffs++
		s.c.Department = dept
	}
	s.c.Mode = baton.ModeAgent
	s.c.Assignee = a.ID
	s.c.LastAgent = a.ID
	s.c.AssignedAt = &s.now
	s.d.Assigned = a.ID
	s.c.LastActivityAt = now
	s.c.Survey = baton.SurveyNone
	if s.c.Handoff != nil {
		s.c.Handoff.Missing = nil
		if s.c.Handoff.AnsweredAt == nil {
			s.c.Handoff.AnsweredAt = &s.now
		}
	}
	switch how {
	case AssignReply:
		s.add(baton.Message{Author: baton.AuthorSystem, Event: baton.EventAgentTookOver, AgentID: a.ID,
			Text: sprintf(s.t.AgentJoined, a.Name)})
	default:
		s.add(baton.Message{Author: baton.AuthorSystem, Event: baton.EventAssigned, AgentID: a.ID,
			Text: sprintf(s.t.AgentJoined, a.Name)})
	}
	return s.d, nil
}

// AgentMessage appends an agent's message. A private note changes nothing
// else; a reply from an agent who does not hold the conversation takes it
// over first, unless another agent holds it.
func (r *Rules) AgentMessage(c *baton.Conversation, a *baton.Agent, text, clientMessageID string, private bool, now time.Time) (*Decision, error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	if !private {
		if w := c.Window(baton.AuthorAgent, now); !w.Open {
			return nil, r.windowClosed(c, w)
		}
	}
	d := &Decision{Conversation: c}
	if !private && !(c.Mode == baton.ModeAgent && c.Assignee == a.ID) {
		var err error
		if d, err = r.Assign(c, a, AssignReply, now); err != nil {
			return nil, err
		}
	}
	var s *step
	if d.Unchanged || d.Conversation == c {
		s = r.begin(c, now)
	} else {
		s = &step{r: r, d: d, c: d.Conversation, now: now, t: r.texts(c.Locale)}
	}
	s.add(baton.Message{Author: baton.AuthorAgent, AgentID: a.ID, Text: text, ClientMessageID: clientMessageID, Private: private})
	if !private {
		s.c.LastActivityAt = now
	}
	return s.d, nil
}

// windowClosed is the agent's error when the platform takes no free-form
// reply: it says why, and what can still be done.
func (r *Rules) windowClosed(c *baton.Conversation, w baton.ReplyWindow) error {
	switch {
	case w.TemplateOnly && r.template(c) != nil:
		return baton.Errorf(baton.ECONFLICT, "%s; send the department's approved template instead", w.Reason)
	case w.TemplateOnly:
		return baton.Errorf(baton.ECONFLICT, "%s, and none is configured for department %q", w.Reason, c.Department)
	}
	return baton.Errorf(baton.ECONFLICT, "%s", w.Reason)
}

func (r *Rules) template(c *baton.Conversation) *baton.Template {
	if r.Template == nil {
		return nil
	}
	return r.Template(c)
}

// AgentTemplate sends the department's approved template for the agent:
// outside WhatsApp's 24-hour window the only way to reach the customer,
// who can then answer and open the window again. The timeline shows which
// template went out.
func (r *Rules) AgentTemplate(c *baton.Conversation, a *baton.Agent, clientMessageID string, now time.Time) (*Decision, error) {
	if c.Channel != baton.ChannelWhatsApp {
		return nil, baton.Errorf(baton.EINVALID, "templates are sent on WhatsApp only; this conversation is on %s", c.Channel.Title())
	}
	t := r.template(c)
	if t == nil {
		return nil, baton.Errorf(baton.EINVALID, "no WhatsApp template is configured for department %q", c.Department)
	}
	if w := c.Window(baton.AuthorAgent, now); w.Open {
		return nil, baton.Errorf(baton.ECONFLICT, "the customer service window is open; write a normal reply")
	}
	d := &Decision{Conversation: c}
	if !(c.Mode == baton.ModeAgent && c.Assignee == a.ID) {
		var err error
		if d, err = r.Assign(c, a, AssignReply, now); err != nil {
			return nil, err
		}
	}
	var s *step
	if d.Unchanged || d.Conversation == c {
		s = r.begin(c, now)
	} else {
		s = &step{r: r, d: d, c: d.Conversation, now: now, t: r.texts(c.Locale)}
	}
	s.add(baton.Message{Author: baton.AuthorAgent, AgentID: a.ID, ClientMessageID: clientMessageID, Event: baton.EventTemplate,
		Text: fmt.Sprintf("[WhatsApp template %s (%s)]", t.Name, t.Language)})
	s.c.LastActivityAt = now
	return s.d, nil
}

// DeliveryFailed notes for the agents that entry seq never reached the
// customer on their messaging channel, and why.
func (r *Rules) DeliveryFailed(c *baton.Conversation, seq int64, reason string, now time.Time) (*Decision, error) {
	s := r.begin(c, now)
	s.system(baton.EventDeliveryFailed, fmt.Sprintf("Message %d was not delivered on %s: %s", seq, c.Channel.Title(), reason), true)
	return s.d, nil
}

// Release hands the conversation back to the bot: by its agent (a nil
// agent is an administrator), optionally starting the satisfaction survey.
func (r *Rules) Release(c *baton.Conversation, a *baton.Agent, survey bool, now time.Time) (*Decision, error) {
	if c.Mode != baton.ModeAgent {
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is %s, not with an agent", c.Mode)
	}
	if a != nil && c.Assignee != a.ID {
		return nil, baton.Errorf(baton.EFORBIDDEN, "only the assigned agent can hand the conversation back")
	}
	s := r.begin(c, now)
	who := "The agent"
	if a != nil {
		who = a.Name
	}
	s.returnToBot(who + " handed the conversation back to the bot")
	if survey {
		s.c.Survey = baton.SurveyRating
		s.system(baton.EventSurveyStarted, "Satisfaction survey started", false)
		s.bot(s.t.SurveyAsk, ratingButtons...)
	} else {
		s.bot(s.t.Returned)
	}
	return s.d, nil
}

var ratingButtons = []baton.Button{{Title: "1", Payload: "1"}, {Title: "2", Payload: "2"},
	{Title: "3", Payload: "3"}, {Title: "4", Payload: "4"}, {Title: "5", Payload: "5"}}

// handled records the end of the current agent's stretch of work.
func (s *step) handled(end time.Time) {
	if s.d.Handled != nil || s.c.Mode != baton.ModeAgent || s.c.Assignee == "" || s.c.AssignedAt == nil {
		return
	}
	if end.Before(*s.c.AssignedAt) {
		end = *s.c.AssignedAt
	}
	s.d.Handled = &baton.Handling{ConversationID: s.c.ID, Department: s.c.Department, AgentID: s.c.Assignee,
		Start: *s.c.AssignedAt, End: end}
}

func (s *step) returnToBot(text string) {
	s.handled(s.now)
	s.d.Freed = s.c.Assignee
	s.c.Mode = baton.ModeBot
	s.c.Assignee = ""
	s.c.AssignedAt = nil
	s.c.QueuedAt = nil
	s.c.Resolution++
	s.c.UnknownStreak = 0
	s.c.Survey = baton.SurveyNone
	if s.c.TicketID != "" {
		s.d.CloseTicket, s.c.TicketID = s.c.TicketID, ""
	}
	s.system(baton.EventReturnedToBot, text, false)
}

// Timeout returns a conversation to the bot when it has been in agent mode
// with no message for the inactivity timeout.
func (r *Rules) Timeout(c *baton.Conversation, now time.Time) (*Decision, error) {
	if r.InactivityTimeout <= 0 {
		return nil, baton.Errorf(baton.ECONFLICT, "the inactivity timeout is disabled")
	}
	if c.Mode != baton.ModeAgent {
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is %s, not with an agent", c.Mode)
	}
	if idle := now.Sub(c.LastActivityAt); idle < r.InactivityTimeout {
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation has been quiet for only %s", idle.Round(time.Second))
	}
	s := r.begin(c, now)
	// The quiet time at the end was not spent on the customer.
	s.handled(c.LastActivityAt)
	s.returnToBot(fmt.Sprintf("Returned to the bot after %s without messages", formatDuration(r.InactivityTimeout)))
	s.bot(s.t.TimedOut)
	return s.d, nil
}

func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return d.String()
}

// TransferTarget is where a transfer goes: a department or an agent.
type TransferTarget struct {
	Department *baton.Department
	Agent      *baton.Agent
}

// Transfer moves a conversation held by a human (or waiting for one) to
// another department's queue or straight to another agent. by is the
// agent doing it; nil is an administrator.
func (r *Rules) Transfer(c *baton.Conversation, by *baton.Agent, to TransferTarget, now time.Time) (*Decision, error) {
	if (to.Department == nil) == (to.Agent == nil) {
		return nil, baton.Errorf(baton.EINVALID, "transfer to exactly one of a department or an agent")
	}
	switch c.Mode {
	case baton.ModeAgent:
		if by != nil && c.Assignee != by.ID {
			return nil, baton.Errorf(baton.EFORBIDDEN, "only the assigned agent can transfer the conversation")
		}
	case baton.ModeQueued, baton.ModeTicket, baton.ModeHandoff:
	default:
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is %s; only a handoff can be transferred", c.Mode)
	}
	s := r.begin(c, now)
	if to.Agent != nil {
		a := to.Agent
		if a.Status == baton.StatusOffline {
			return nil, baton.Errorf(baton.EINVALID, "%s is offline", a.Name)
		}
		if c.Mode == baton.ModeAgent && c.Assignee == a.ID {
			return &Decision{Conversation: c, Unchanged: true}, nil
		}
		s.handled(now)
		s.d.Freed = s.c.Assignee
		s.d.Assigned = a.ID
		s.c.Mode = baton.ModeAgent
		s.c.Assignee, s.c.LastAgent = a.ID, a.ID
		s.c.AssignedAt = &s.now
		s.c.LastActivityAt = now
		if s.c.Handoff != nil {
			s.c.Handoff.Missing = nil
		}
		s.add(baton.Message{Author: baton.AuthorSystem, Event: baton.EventTransferred, AgentID: a.ID,
			Text: "Transferred to " + a.Name})
		return s.d, nil
	}
	dept := to.Department
	s.handled(now)
	s.d.Freed = s.c.Assignee
	s.c.Assignee = ""
	s.c.AssignedAt = nil
	s.c.Department = dept.Name
	if s.c.Handoff != nil {
		s.c.Handoff.Department = dept.Name
	}
	if s.c.TicketID != "" {
		s.d.CloseTicket, s.c.TicketID = s.c.TicketID, ""
	}
	s.c.Mode = baton.ModeHandoff
	s.add(baton.Message{Author: baton.AuthorSystem, Event: baton.EventTransferred, Text: "Transferred to " + dept.DisplayName()})
	s.bot(sprintf(s.t.Transferred, dept.DisplayName()))
	s.d.NeedsPlacement = true
	return s.d, nil
}

// AgentLeft puts a conversation whose agent signed off back in its
// department's queue, so the customer is not left waiting for the
// inactivity timeout. The engine places it (queue, or a ticket if nobody
// else is signed in).
func (r *Rules) AgentLeft(c *baton.Conversation, a *baton.Agent, now time.Time) (*Decision, error) {
	if c.Mode != baton.ModeAgent || c.Assignee != a.ID {
		return nil, baton.Errorf(baton.ECONFLICT, "the conversation is not held by %s", a.Name)
	}
	dept := r.department(c.Department)
	if dept == nil {
		return nil, baton.Errorf(baton.EINVALID, "unknown department %q", c.Department)
	}
	s := r.begin(c, now)
	s.handled(now)
	s.d.Freed = a.ID
	s.c.Mode = baton.ModeHandoff
	s.c.Assignee = ""
	s.c.AssignedAt = nil
	if s.c.Handoff != nil {
		s.c.Handoff.Missing = nil
	}
	s.add(baton.Message{Author: baton.AuthorSystem, Event: baton.EventAgentLeft, AgentID: a.ID, Text: a.Name + " signed off"})
	s.bot(sprintf(s.t.AgentLeft, a.Name, dept.DisplayName()))
	s.d.NeedsPlacement = true
	return s.d, nil
}

// Close ends the conversation. A customer message reopens it to the bot.
// by is the agent closing it (nil for the customer or an administrator);
// an agent cannot close a conversation another agent holds.
func (r *Rules) Close(c *baton.Conversation, by *baton.Agent, who string, now time.Time) (*Decision, error) {
	if c.Mode == baton.ModeClosed {
		return &Decision{Conversation: c, Unchanged: true}, nil
	}
	if by != nil && c.Mode == baton.ModeAgent && c.Assignee != by.ID {
		return nil, baton.Errorf(baton.EFORBIDDEN, "only the assigned agent can close the conversation")
	}
	s := r.begin(c, now)
	if s.c.Mode == baton.ModeAgent {
		s.c.Resolution++
		s.handled(now)
	}
	s.d.Freed = s.c.Assignee
	s.c.Mode = baton.ModeClosed
	s.c.Assignee = ""
	s.c.AssignedAt = nil
	s.c.QueuedAt = nil
	s.c.Survey = baton.SurveyNone
	if s.c.TicketID != "" {
		s.d.CloseTicket, s.c.TicketID = s.c.TicketID, ""
	}
	s.system(baton.EventClosed, "Conversation closed by "+who, false)
	return s.d, nil
}

// surveyAnswer takes a message during a survey. It returns false when the
// message is not a survey answer: the survey is dropped and the bot answers.
func (s *step) surveyAnswer(text string) bool {
	text = strings.TrimSpace(text)
	switch s.c.Survey {
	case baton.SurveyRating:
		n, err := strconv.Atoi(strings.TrimSuffix(westernDigits(text), "/5"))
		if err != nil {
			return false
		}
		if n < 1 || n > 5 {
			s.bot(s.t.SurveyAsk, ratingButtons...)
			return true
		}
		s.d.Survey = &baton.SurveyResponse{ConversationID: s.c.ID, Resolution: s.c.Resolution,
			AgentID: s.c.LastAgent, Rating: n, CreatedAt: s.now, UpdatedAt: s.now}
		s.c.Survey = baton.SurveyComment
		s.system(baton.EventSurveyAnswered, fmt.Sprintf("Rated %d/5", n), true)
		s.bot(s.t.SurveyComment, baton.Button{Title: s.t.SurveySkip, Payload: "skip"})
	case baton.SurveyComment:
		s.c.Survey = baton.SurveyNone
		if !strings.EqualFold(text, "skip") && !strings.EqualFold(text, s.t.SurveySkip) {
			s.d.Survey = &baton.SurveyResponse{ConversationID: s.c.ID, Resolution: s.c.Resolution,
				AgentID: s.c.LastAgent, Comment: text, CreatedAt: s.now, UpdatedAt: s.now}
		}
		s.bot(s.t.SurveyThanks)
	default:
		return false
	}
	return true
}

// Then folds the decision next, taken on d's conversation, into d: one
// stored change with the entries of both.
func (d *Decision) Then(next *Decision) *Decision {
	if next.Unchanged {
		return d
	}
	next.Conversation.Version = d.Conversation.Version
	d.Conversation = next.Conversation
	d.Entries = append(d.Entries, next.Entries...)
	d.AskBot = next.AskBot
	d.NeedsPlacement = d.NeedsPlacement || next.NeedsPlacement
	d.Enqueued = d.Enqueued || next.Enqueued
	d.Freed = cmp.Or(next.Freed, d.Freed)
	d.Assigned = cmp.Or(next.Assigned, d.Assigned)
	d.Ticket = cmp.Or(next.Ticket, d.Ticket)
	d.CloseTicket = cmp.Or(next.CloseTicket, d.CloseTicket)
	d.Survey = cmp.Or(next.Survey, d.Survey)
	d.Handled = cmp.Or(next.Handled, d.Handled)
	return d
}

// westernDigits turns Arabic-Indic and Persian digits ("٥", "۵") into 0–9,
// so a rating typed on an Arabic keyboard counts.
func westernDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\u0660' && r <= '\u0669':
			return '0' + r - '\u0660'
		case r >= '\u06F0' && r <= '\u06F9':
			return '0' + r - '\u06F0'
		}
		return r
	}, s)
}
