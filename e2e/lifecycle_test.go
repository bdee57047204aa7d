package e2e_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// story is what the lifecycle story leaves behind.
type story struct {
	conv  conversation // carries the customer token
	agent agent        // carries the agent token
}

// runStory takes one conversation through the whole lifecycle over HTTP:
// bot answer, text trigger, queue, claim, agent reply, a silent bot, hand
// back with a survey, rating and comment.
func runStory(t *testing.T, s *server, adminToken string) story {
	t.Helper()

	// The admin creates an agent; the agent goes away so nothing is
	// assigned automatically and the conversation waits for a claim.
	var ag agent
	s.must(t, http.StatusCreated, "POST", "/api/v1/agents", adminToken,
		map[string]any{"name": "Alex", "departments": []string{"support"}, "max_concurrent": 2}, &ag)
	if ag.ID == "" || !strings.HasPrefix(ag.Token, "agt_") {
		t.Fatalf("create agent: %+v", ag)
	}
	var away agent
	s.must(t, http.StatusOK, "PUT", "/api/v1/agents/me/status", ag.Token, map[string]string{"status": "away"}, &away)
	if away.Status != "away" {
		t.Fatalf("agent status after PUT away: %q", away.Status)
	}

	c := s.createConversation(t, "Dana")
	if c.Mode != "bot" {
		t.Fatalf("new conversation is in mode %q, want bot", c.Mode)
	}

	// A FAQ: the built-in bot answers right after the question.
	q := s.say(t, c, "how long does shipping take?", "dana-1")
	tl := s.timeline(t, c.ID, c.CustomerToken)
	answer := entryAt(tl, q.Seq+1)
	if answer == nil || answer.Author != "bot" || !strings.Contains(strings.ToLower(answer.Text), "ship") {
		t.Fatalf("no bot answer about shipping after seq %d; timeline:\n%s", q.Seq, dump(tl))
	}

	// Asking for a person: text trigger. Support needs an email first.
	s.say(t, c, "I want to talk to a human", "dana-2")
	if got := s.conversation(t, c.ID, ag.Token); got.Mode != "handoff" || len(got.Handoff.Missing) != 1 {
		t.Fatalf("after asking for a human: mode %q, handoff %+v; want the email asked", got.Mode, got.Handoff)
	}
	// Queued once it is given (the agent is away, not offline).
	s.say(t, c, "dana@example.com", "dana-2b")
	got := s.conversation(t, c.ID, ag.Token)
	if got.Mode != "queued" {
		t.Fatalf("after asking for a human: mode %q, want queued", got.Mode)
	}
	if got.Handoff == nil || got.Handoff.Trigger != "text" || got.Handoff.Department != "support" {
		t.Fatalf("after asking for a human: handoff %+v, want trigger text to support", got.Handoff)
	}
	if got.QueuePosition != 1 {
		t.Errorf("agent view: queue_position %d, want 1", got.QueuePosition)
	}
	// The customer sees where they stand, not the internal trigger.
	mine := s.conversation(t, c.ID, c.CustomerToken)
	if mine.Handoff != nil || mine.Mode != "queued" || mine.QueuePosition != 1 {
		t.Errorf("customer view while queued: mode %q, position %d, handoff %+v", mine.Mode, mine.QueuePosition, mine.Handoff)
	}

	var queue struct {
		Queue []struct {
			Position int    `json:"position"`
			ID       string `json:"id"`
			Mode     string `json:"mode"`
		} `json:"queue"`
	}
	s.must(t, http.StatusOK, "GET", "/api/v1/queue", ag.Token, nil, &queue)
	if len(queue.Queue) != 1 || queue.Queue[0].ID != c.ID || queue.Queue[0].Position != 1 {
		t.Fatalf("queue: %+v, want %s at position 1 alone", queue.Queue, c.ID)
	}

	// The agent claims it and answers.
	var claimed conversation
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+c.ID+"/claim", ag.Token, nil, &claimed)
	if claimed.Mode != "agent" || claimed.Assignee != ag.ID {
		t.Fatalf("after claim: mode %q assignee %q, want agent %s", claimed.Mode, claimed.Assignee, ag.ID)
	}
	var hi message
	s.must(t, http.StatusCreated, "POST", "/api/v1/conversations/"+c.ID+"/messages", ag.Token,
		map[string]string{"text": "Hi, Alex here"}, &hi)
	if hi.Author != "agent" || hi.AgentID != ag.ID || hi.Text != "Hi, Alex here" {
		t.Fatalf("agent message stored as %+v", hi)
	}

	// With a human in charge the bot stays silent, even on a message it
	// would answer ("thanks" is one of its intents).
	thanks := s.say(t, c, "thanks, that works", "dana-3")
	tl = s.timeline(t, c.ID, ag.Token)
	if last := tl[len(tl)-1]; last.Seq != thanks.Seq || last.Author != "customer" || last.Text != "thanks, that works" {
		t.Fatalf("in agent mode something followed the customer's message (seq %d); timeline:\n%s", thanks.Seq, dump(tl))
	}

	// Hand back with a survey: the bot asks for a rating with buttons 1..5.
	var released conversation
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+c.ID+"/release", ag.Token,
		map[string]bool{"survey": true}, &released)
	if released.Mode != "bot" || released.Assignee != "" {
		t.Fatalf("after release: mode %q assignee %q, want bot and nobody", released.Mode, released.Assignee)
	}
	tl = s.timeline(t, c.ID, c.CustomerToken)
	var ask *message
	for i := range tl {
		if tl[i].Seq > thanks.Seq && tl[i].Author == "bot" && len(tl[i].Buttons) > 0 {
			ask = &tl[i]
		}
	}
	want := []button{{"1", "1"}, {"2", "2"}, {"3", "3"}, {"4", "4"}, {"5", "5"}}
	if ask == nil || !reflect.DeepEqual(ask.Buttons, want) {
		t.Fatalf("no survey question with buttons 1..5 after the release; timeline:\n%s", dump(tl))
	}

	// The customer rates 4 and adds a comment.
	s.say(t, c, "4", "dana-4")
	const comment = "Quick and friendly, thank you"
	s.say(t, c, comment, "dana-5")
	var surveys struct {
		Surveys []survey `json:"surveys"`
	}
	s.must(t, http.StatusOK, "GET", "/api/v1/conversations/"+c.ID+"/surveys", ag.Token, nil, &surveys)
	if len(surveys.Surveys) != 1 {
		t.Fatalf("surveys: %+v, want exactly one", surveys.Surveys)
	}
	if sv := surveys.Surveys[0]; sv.Rating != 4 || sv.Comment != comment || sv.AgentID != ag.ID || sv.Resolution != 1 {
		t.Fatalf("survey %+v, want rating 4, comment %q, agent %s, resolution 1", sv, comment, ag.ID)
	}
	if final := s.conversation(t, c.ID, ag.Token); final.Mode != "bot" || final.SurveyStep != "" {
		t.Errorf("after the survey: mode %q, survey step %q; want bot and none", final.Mode, final.SurveyStep)
	}

	// Whatever happened, the customer never sees a private entry, and the
	// full timeline is numbered 1..N.
	for _, m := range s.timeline(t, c.ID, c.CustomerToken) {
		if m.Private {
			t.Errorf("customer sees private entry %+v", m)
		}
	}
	checkContiguous(t, c.ID, s.timeline(t, c.ID, adminToken))
	return story{conv: c, agent: ag}
}

func TestLifecycle(t *testing.T) {
	s := start(t, t.TempDir())
	runStory(t, s, testAdminToken)
}

var adminTokenRE = regexp.MustCompile(`adm_[a-z0-9]+`)

func TestRestartKeepsConversationAndTokens(t *testing.T) {
	dir := t.TempDir()

	// First start without BATON_ADMIN_TOKEN: the server generates one and
	// prints it once.
	s := startWith(t, dir, startOptions{noAdminToken: true})
	admin := adminTokenRE.FindString(s.output())
	if admin == "" {
		t.Fatalf("no generated admin token on stdout:\n%s", s.output())
	}
	st := runStory(t, s, admin)
	c := st.conv
	before := s.timeline(t, c.ID, admin)
	convBefore := rawJSON(t, s, "/api/v1/conversations/"+c.ID, admin)
	surveysBefore := rawJSON(t, s, "/api/v1/conversations/"+c.ID+"/surveys", admin)
	s.stop(t)

	// Second start on the same data: the stored admin token holds, no new
	// one is printed.
	s = startWith(t, dir, startOptions{noAdminToken: true})
	if out := s.output(); adminTokenRE.MatchString(out) {
		t.Errorf("second start printed an admin token again:\n%s", out)
	}
	var agents struct {
		Agents []agent `json:"agents"`
	}
	s.must(t, http.StatusOK, "GET", "/api/v1/agents", admin, nil, &agents)
	// The test's agent and the demo agent of the first start; a restart
	// creates no second demo agent.
	ids := map[string]bool{}
	for _, a := range agents.Agents {
		ids[a.ID] = true
	}
	if len(agents.Agents) != 2 || !ids[st.agent.ID] {
		t.Errorf("agents after restart: %+v, want %s and the demo agent", agents.Agents, st.agent.ID)
	}
	if code, body, err := s.call("GET", "/api/v1/agents", "adm_notthetoken0000000000000000", nil); err != nil || code != http.StatusUnauthorized {
		t.Errorf("a wrong admin token after restart: status %d (%v) %s, want 401", code, err, body)
	}
	var me agent
	s.must(t, http.StatusOK, "GET", "/api/v1/agents/me", st.agent.Token, nil, &me)
	if me.ID != st.agent.ID {
		t.Errorf("agent token after restart is agent %q, want %q", me.ID, st.agent.ID)
	}

	// The conversation and its whole timeline, unchanged.
	after := s.timeline(t, c.ID, admin)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("timeline changed across the restart\nbefore:\n%s\nafter:\n%s", dump(before), dump(after))
	}
	if convAfter := rawJSON(t, s, "/api/v1/conversations/"+c.ID, admin); !reflect.DeepEqual(convBefore, convAfter) {
		t.Errorf("conversation changed across the restart\nbefore: %v\nafter:  %v", convBefore, convAfter)
	}
	if surveysAfter := rawJSON(t, s, "/api/v1/conversations/"+c.ID+"/surveys", admin); !reflect.DeepEqual(surveysBefore, surveysAfter) {
		t.Errorf("surveys changed across the restart\nbefore: %v\nafter:  %v", surveysBefore, surveysAfter)
	}

	// The customer token still works, numbering goes on where it stopped,
	// and a client message id from before the restart is still known.
	last := before[len(before)-1].Seq
	var rating *message
	for i := range before {
		if before[i].ClientMessageID == "dana-4" {
			rating = &before[i]
		}
	}
	if rating == nil {
		t.Fatalf("no entry with client_message_id dana-4 in the timeline:\n%s", dump(before))
	}
	if again := s.say(t, c, "4", "dana-4"); again.Seq != rating.Seq || again.ClientMessageID != "dana-4" {
		t.Errorf("re-sent dana-4 after restart: got %+v, want seq %d", again, rating.Seq)
	}
	if n := s.conversation(t, c.ID, admin).LastSeq; n != last {
		t.Errorf("re-sending a known client_message_id after restart moved last_seq from %d to %d", last, n)
	}
	m := s.say(t, c, "hello again", "dana-6")
	if m.Seq != last+1 {
		t.Errorf("first message after restart got seq %d, want %d", m.Seq, last+1)
	}
	checkContiguous(t, c.ID, s.timeline(t, c.ID, admin))
}

// rawJSON GETs path and decodes it generically, for whole-document comparison.
func rawJSON(t *testing.T, s *server, path, token string) map[string]any {
	t.Helper()
	var v map[string]any
	s.must(t, http.StatusOK, "GET", path, token, nil, &v)
	return v
}

func entryAt(tl []message, seq int64) *message {
	for i := range tl {
		if tl[i].Seq == seq {
			return &tl[i]
		}
	}
	return nil
}

// checkContiguous checks a full timeline is numbered 1..N without gaps.
func checkContiguous(t *testing.T, id string, tl []message) {
	t.Helper()
	for i, m := range tl {
		if m.Seq != int64(i+1) {
			t.Errorf("conversation %s: entry %d has seq %d, want %d", id, i, m.Seq, i+1)
			return
		}
	}
}

func dump(tl []message) string {
	var b strings.Builder
	for _, m := range tl {
		j, _ := json.Marshal(m)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestSurveyCommentMentioningTheAgent: a survey comment is a comment, even
// when it mentions the agent. It must be stored and must not start a new
// handoff.
func TestSurveyCommentMentioningTheAgent(t *testing.T) {
	s := start(t, t.TempDir())
	var ag agent
	s.must(t, http.StatusCreated, "POST", "/api/v1/agents", testAdminToken,
		map[string]any{"name": "Alex", "departments": []string{"support"}, "max_concurrent": 2}, &ag)
	s.must(t, http.StatusOK, "PUT", "/api/v1/agents/me/status", ag.Token, map[string]string{"status": "away"}, nil)
	c := s.createConversation(t, "Dana")
	s.say(t, c, "I want to talk to a human", "dana-1")
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+c.ID+"/claim", ag.Token, nil, nil)
	s.must(t, http.StatusCreated, "POST", "/api/v1/conversations/"+c.ID+"/messages", ag.Token,
		map[string]string{"text": "Hi, Alex here. Done!"}, nil)
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+c.ID+"/release", ag.Token, map[string]bool{"survey": true}, nil)
	s.say(t, c, "5", "dana-2")
	const comment = "The agent was very helpful"
	s.say(t, c, comment, "dana-3")

	var surveys struct {
		Surveys []survey `json:"surveys"`
	}
	s.must(t, http.StatusOK, "GET", "/api/v1/conversations/"+c.ID+"/surveys", ag.Token, nil, &surveys)
	if len(surveys.Surveys) != 1 || surveys.Surveys[0].Rating != 5 || surveys.Surveys[0].Comment != comment {
		t.Errorf("surveys: %+v, want rating 5 with comment %q", surveys.Surveys, comment)
	}
	if got := s.conversation(t, c.ID, ag.Token); got.Mode != "bot" || got.Handoff == nil || got.Handoff.Trigger != "text" {
		t.Errorf("after the comment: mode %q, handoff %+v; want bot mode and the first handoff unchanged", got.Mode, got.Handoff)
	}
}
