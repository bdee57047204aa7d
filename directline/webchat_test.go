package directline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// webchatDir holds the page and the locked botframework-webchat package,
// whose prebuilt browser bundle is all the test uses.
var webchatDir = filepath.Join("testdata", "webchat")

// webchatBundle is Web Chat's browser bundle without Adaptive Cards and
// speech, which Baton does not use: the same Direct Line client, half the size.
var webchatBundle = filepath.Join(webchatDir, "node_modules", "botframework-webchat", "dist", "webchat-minimal.js")

// installWebChat runs npm ci once, if the bundle is missing. Install
// scripts are skipped: they only build things for Node, and the bundle
// comes prebuilt in the package.
var installWebChat = sync.OnceValues(func() ([]byte, error) {
	if _, err := os.Stat(webchatBundle); err == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = webchatDir
	return cmd.CombinedOutput()
})

// webchatChromium finds the browser, or skips the test where none is
// installed; CI sets BATON_REQUIRE_BROWSER so a missing browser fails.
func webchatChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("BATON_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("BATON_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found (apt-get install -y chromium), and BATON_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium on this machine (apt-get install -y chromium); skipping Web Chat")
	return ""
}

// webchatBubble is one activity of Web Chat's transcript as the DOM shows it.
type webchatBubble struct {
	FromUser bool   `json:"fromUser"`
	Text     string `json:"text"`
	// Status is the activity status line: a time once sent, "Sending" or a
	// retry link while not.
	Status  string `json:"status"`
	Pending bool   `json:"pending"`
}

func (b webchatBubble) String() string {
	who := "bot"
	if b.FromUser {
		who = "user"
	}
	s := fmt.Sprintf("%s: %q", who, b.Text)
	if b.Status != "" {
		s += fmt.Sprintf(" [%s]", b.Status)
	}
	if b.Pending {
		s += " (PENDING)"
	}
	return s
}

// Selectors of Web Chat 4.18's DOM. The transcript is a list of
// .webchat__basic-transcript__activity; a user's has
// .webchat__stacked-layout--from-user, its text is in
// .webchat__bubble__content, and while it is sending or failed its status
// carries .webchat__activity-status--sending.
const (
	selSendBox         = `textarea.webchat__send-box-text-box__text-area, input.webchat__send-box-text-box__input`
	selSuggestedAction = `button.webchat__suggested-action`
	transcriptJS       = `Array.from(document.querySelectorAll('.webchat__basic-transcript__activity')).map(el => {
	const content = el.querySelector('.webchat__bubble__content');
	const status = el.querySelector('.webchat__activity-status');
	return {
		fromUser: !!el.querySelector('.webchat__stacked-layout--from-user, .webchat__bubble--from-user'),
		text: content ? content.innerText.trim() : '',
		status: status ? status.innerText.trim().split(/\s*\n\s*/).join(' | ') : '',
		pending: !!el.querySelector('.webchat__activity-status--sending')
	};
})`
)

// webchatProbe is what the page recorded of Web Chat's Direct Line actions.
type webchatProbe struct {
	Actions  []string `json:"actions"`
	Rejected []string `json:"rejected"`
	Statuses []int    `json:"statuses"`
	Posted   []string `json:"posted"`   // activities Web Chat posted
	Incoming []string `json:"incoming"` // activities Web Chat received
}

// TestWebChat renders the unmodified Bot Framework Web Chat in headless
// Chromium, on a page of another origin than Baton's, as a company embeds
// it: the page gets a token its server generated with the secret, and the
// customer types, taps a quick reply and asks for a person, whom an agent
// answers.
func TestWebChat(t *testing.T) {
	browser := webchatChromium(t)
	if _, err := exec.LookPath("npm"); err != nil {
		// CI sets BATON_REQUIRE_NODE so a missing npm fails instead.
		if os.Getenv("BATON_REQUIRE_NODE") != "" {
			t.Fatalf("npm is needed to install Web Chat (%v), and BATON_REQUIRE_NODE is set", err)
		}
		if _, err := os.Stat(webchatBundle); err != nil {
			t.Skipf("npm is needed to install Web Chat: %v", err)
		}
	}
	if out, err := installWebChat(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", webchatDir, err, out)
	}

	st := newStack(t)
	alex := st.agent(t, "a_alex", "Alex")
	const userID = "webchat-user"
	conv := st.generate(t, userID)

	// The company's site: the page and the bundle, on an origin of its
	// own (another host name and port than Baton's), so every Direct Line
	// call is cross-origin.
	site := http.NewServeMux()
	site.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, filepath.Join(webchatDir, "index.html"))
	})
	site.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	site.HandleFunc("GET /webchat-minimal.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, webchatBundle)
	})
	siteServer := httptest.NewServer(site)
	t.Cleanup(siteServer.Close)
	_, sitePort, err := net.SplitHostPort(strings.TrimPrefix(siteServer.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	batonURL, err := url.Parse(st.URL)
	if err != nil {
		t.Fatal(err)
	}
	frag := url.Values{"token": {conv.Token}, "domain": {st.URL + "/v3/directline"}, "user": {userID}, "locale": {"en-US"}}
	pageURL := "http://localhost:" + sitePort + "/#" + frag.Encode()

	b := newWebChatBrowser(t, browser, batonURL.Host)
	b.run("open the page", chromedp.Navigate(pageURL))
	b.run("wait for the send box", chromedp.WaitVisible(selSendBox, chromedp.ByQuery))
	var label string
	var ok bool
	b.run("read the send box's label", chromedp.AttributeValue(selSendBox, "aria-label", &label, &ok, chromedp.ByQuery))
	t.Logf("send box %q, aria-label %q", selSendBox, label)

	// 1. Say hello: the bot answers and offers a quick reply.
	b.send("hello")
	b.waitBubble("the bot's greeting", false, "Hi! What can I do for you?")
	b.run("wait for the quick reply", chromedp.WaitVisible(selSuggestedAction, chromedp.ByQuery))
	var buttons []string
	b.eval("read the quick replies", `Array.from(document.querySelectorAll('`+selSuggestedAction+`')).map(b => b.innerText.trim())`, &buttons)
	if !slices.Equal(buttons, []string{"Shipping times"}) {
		t.Fatalf("quick replies %q, want [Shipping times]", buttons)
	}

	// 2. Tap it: Web Chat posts a postBack, the bot answers it.
	b.run("tap the quick reply", chromedp.Click(selSuggestedAction, chromedp.ByQuery))
	b.waitBubble("the answer to the tap", false, "We ship within one business day.")

	// 3. Ask for a person: the conversation queues for Support.
	b.send("I want to talk to a human")
	b.waitJS("the queue's acknowledgement", `(`+transcriptJS+`).some(b => !b.fromUser && b.text.includes('connecting you with a person from Support'))`)

	// 4. An agent claims it and writes.
	st.takeOver(t, alex, conv.ConversationID, "Hi, this is Alex.")
	b.waitBubble("the agent's reply", false, "Hi, this is Alex.")
	// Every message of the user is sent, none still sending or failed.
	b.waitJS("the user's messages to be sent", `(`+transcriptJS+`).filter(b => b.fromUser).every(b => !b.pending)`)

	var bubbles []webchatBubble
	b.eval("read the transcript", transcriptJS, &bubbles)
	b.screenshot("transcript")
	checkWebChatTranscript(t, "live", bubbles)
	b.checkProbe("live")

	// 5. Reload the page, as a customer does: the same token resumes the
	// conversation, and the stream replays it all, each once, in order.
	b.reloading()
	b.run("reload the page", chromedp.Reload())
	live := bubbles
	b.waitJS("the transcript after the reload", fmt.Sprintf(`(%s).length >= %d`, transcriptJS, len(live)))
	b.eval("read the transcript after the reload", transcriptJS, &bubbles)
	checkWebChatTranscript(t, "after a reload", bubbles)
	if !slices.EqualFunc(bubbles, live, func(a, b webchatBubble) bool { return a.FromUser == b.FromUser && a.Text == b.Text }) {
		t.Errorf("after a reload, Web Chat shows another transcript than it did live")
	}
	b.checkProbe("after a reload")

	// Baton stored each of the customer's messages once.
	var stored []string
	clientIDs := map[string]bool{}
	for _, m := range customerMessages(st.timeline(t, conv.ConversationID)) {
		stored = append(stored, m.Text)
		if m.Text == "Shipping times" && m.Payload != "shipping" {
			t.Errorf("the tap is stored with payload %q, want shipping", m.Payload)
		}
		if m.ClientMessageID == "" || clientIDs[m.ClientMessageID] {
			t.Errorf("customer message %q has client id %q, empty or repeated", m.Text, m.ClientMessageID)
		}
		clientIDs[m.ClientMessageID] = true
	}
	if want := []string{"hello", "Shipping times", "I want to talk to a human"}; !slices.Equal(stored, want) {
		t.Errorf("stored customer messages %q, want %q", stored, want)
	}
	c, err := st.Engine.Conversation(context.Background(), conv.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != baton.ModeAgent || c.Assignee != alex.ID {
		t.Errorf("conversation is in mode %s with %q, want %s with %s", c.Mode, c.Assignee, baton.ModeAgent, alex.ID)
	}

	// The protocol failed nowhere.
	protocol, other := b.problems()
	for _, p := range other {
		t.Logf("page reported (not Direct Line): %s", p)
	}
	for _, p := range protocol {
		t.Errorf("Direct Line problem in the page: %s", p)
	}
	t.Logf("requests to Baton:\n\t%s", strings.Join(b.batonRequests(), "\n\t"))
}

// checkWebChatTranscript checks what Web Chat shows: each message once, in
// order, and the user's all sent.
func checkWebChatTranscript(t *testing.T, when string, bubbles []webchatBubble) {
	t.Helper()
	var shown []string
	for _, bb := range bubbles {
		shown = append(shown, bb.String())
	}
	t.Logf("Web Chat's transcript, %s:\n\t%s", when, strings.Join(shown, "\n\t"))

	is := func(s string) func(string) bool { return func(text string) bool { return text == s } }
	// In transcript order, each once.
	want := []struct {
		what     string
		fromUser bool
		match    func(string) bool
	}{
		{"the user's hello", true, is("hello")},
		{"the bot's greeting", false, is("Hi! What can I do for you?")},
		{"the answer to the tap", false, is("We ship within one business day.")},
		{"the user's request for a person", true, is("I want to talk to a human")},
		{"the queue's acknowledgement", false, func(text string) bool { return strings.Contains(text, "connecting you with a person from Support") }},
		{"Alex joining", false, is("Alex has joined the conversation.")},
		{"the agent's reply", false, is("Hi, this is Alex.")},
	}
	prev := -1
	for _, w := range want {
		i, n := -1, 0
		for j, bb := range bubbles {
			if bb.FromUser == w.fromUser && w.match(bb.Text) {
				i, n = j, n+1
			}
		}
		switch {
		case n != 1:
			t.Errorf("%d bubbles of %s in the transcript %s, want 1", n, w.what, when)
		case i < prev:
			t.Errorf("%s shows above what came before it, %s", w.what, when)
		default:
			prev = i
		}
	}
	// Web Chat hides a postBack it sends; Baton's echo of the tap carries
	// the button's title and no channelData.postBack, so it shows as the
	// user's message. Either way, it must not show twice.
	taps := 0
	for _, bb := range bubbles {
		if bb.FromUser && (bb.Text == "Shipping times" || bb.Text == "shipping") {
			taps++
		}
	}
	if taps > 1 {
		t.Errorf("the tap shows %d times, %s", taps, when)
	}
	// Every message of the user is sent: none still sending, none failed,
	// and the last of each group shows its time.
	for i, bb := range bubbles {
		if bb.FromUser && bb.Pending {
			t.Errorf("a message of the user is still sending or failed, %s: %v", when, bb)
		}
		if bb.FromUser && (i+1 == len(bubbles) || !bubbles[i+1].FromUser) && !strings.Contains(bb.Status, "Sent at") {
			t.Errorf("the user's %q shows no time sent, %s: %v", bb.Text, when, bb)
		}
	}
}

// compact folds runs of the same action into one with a count.
func compact(actions []string) []string {
	var out []string
	for i := 0; i < len(actions); {
		j := i
		for j < len(actions) && actions[j] == actions[i] {
			j++
		}
		a := strings.TrimPrefix(actions[i], "DIRECT_LINE/")
		if j-i > 1 {
			a += fmt.Sprintf("×%d", j-i)
		}
		out = append(out, a)
		i = j
	}
	return out
}

// webchatBrowser is a headless Chromium with one tab, and what its page
// reported: errors, and every request to Baton with its outcome.
type webchatBrowser struct {
	t     *testing.T
	ctx   context.Context
	baton string // Baton's host:port

	mu       sync.Mutex
	errors   []string          // page exceptions, console errors, log errors
	urls     map[string]string // request id → method and URL, of Baton's
	sockets  map[string]bool   // Baton's WebSockets: request id → expected to close
	requests []string          // Baton's requests with their outcome
	failures []string          // failed requests and WebSocket errors, of Baton's
}

func newWebChatBrowser(t *testing.T, execPath, batonHost string) *webchatBrowser {
	t.Helper()
	// Chromium's profile. Not t.TempDir: its helper processes may still
	// write there a moment after the browser has gone, so removing it
	// takes a few tries.
	profile, err := os.MkdirTemp("", "baton-webchat-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for range 50 {
			if err = os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("remove Chromium's profile: %v", err)
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(900, 900),
		chromedp.UserDataDir(profile),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		// Close the browser gracefully, or kill it after 10 seconds.
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = chromedp.Cancel(ctx)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Log("Chromium did not close within 10 seconds; killing it")
		}
		cancel()
	})
	b := &webchatBrowser{t: t, ctx: ctx, baton: batonHost, urls: map[string]string{}, sockets: map[string]bool{}}
	chromedp.ListenTarget(ctx, b.listen)
	// The first Run starts the browser, which lives as long as its context:
	// this one must not carry the deadline, so a timer cancels it instead.
	timer := time.AfterFunc(30*time.Second, cancel)
	err = chromedp.Run(ctx, cdplog.Enable(), network.Enable())
	if !timer.Stop() {
		err = fmt.Errorf("timed out after 30s (%v)", err)
	}
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

func (b *webchatBrowser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ours := func(u string) bool {
		p, err := url.Parse(u)
		return err == nil && p.Host == b.baton
	}
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeWarning {
			msg := "console." + string(ev.Type) + ":"
			for _, a := range ev.Args {
				if a.Value != nil {
					msg += " " + string(a.Value)
				} else {
					msg += " " + a.Description
				}
			}
			b.errors = append(b.errors, msg)
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.LevelError {
			b.errors = append(b.errors, "log "+string(ev.Entry.Source)+": "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		if ours(ev.Request.URL) {
			b.urls[string(ev.RequestID)] = ev.Request.Method + " " + redactToken(ev.Request.URL)
		}
	case *network.EventResponseReceived:
		if req, ok := b.urls[string(ev.RequestID)]; ok {
			b.requests = append(b.requests, fmt.Sprintf("%s → %d", req, ev.Response.Status))
			if ev.Response.Status >= 400 {
				b.failures = append(b.failures, fmt.Sprintf("%s answered %d", req, ev.Response.Status))
			}
		}
	case *network.EventLoadingFailed:
		if req, ok := b.urls[string(ev.RequestID)]; ok {
			msg := fmt.Sprintf("%s failed: %s", req, ev.ErrorText)
			if ev.CorsErrorStatus != nil {
				msg += fmt.Sprintf(" (CORS: %s %s)", ev.CorsErrorStatus.CorsError, ev.CorsErrorStatus.FailedParameter)
			}
			b.requests = append(b.requests, msg)
			b.failures = append(b.failures, msg)
		}
	case *network.EventWebSocketCreated:
		if ours(ev.URL) {
			b.urls[string(ev.RequestID)] = "WebSocket " + redactToken(ev.URL)
			b.sockets[string(ev.RequestID)] = false
		}
	case *network.EventWebSocketHandshakeResponseReceived:
		if req, ok := b.urls[string(ev.RequestID)]; ok {
			b.requests = append(b.requests, fmt.Sprintf("%s → %d", req, ev.Response.Status))
			if ev.Response.Status != http.StatusSwitchingProtocols {
				b.failures = append(b.failures, fmt.Sprintf("%s answered %d", req, ev.Response.Status))
			}
		}
	case *network.EventWebSocketFrameError:
		if req, ok := b.urls[string(ev.RequestID)]; ok {
			b.failures = append(b.failures, fmt.Sprintf("%s: frame error %s", req, ev.ErrorMessage))
		}
	case *network.EventWebSocketClosed:
		if req, ok := b.urls[string(ev.RequestID)]; ok {
			b.requests = append(b.requests, req+" closed")
			// Web Chat keeps its socket as long as the page: another close
			// is the server dropping it.
			if !b.sockets[string(ev.RequestID)] {
				b.failures = append(b.failures, req+" closed")
			}
		}
	}
}

// reloading notes that the page is about to go, and its socket with it.
func (b *webchatBrowser) reloading() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := range b.sockets {
		b.sockets[id] = true
	}
}

// redactToken shortens the token in a streamUrl, to keep logs readable.
func redactToken(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	if q.Has("t") {
		q.Set("t", "…")
		p.RawQuery = q.Encode()
	}
	return p.String()
}

// problems splits what the page reported into what concerns Direct Line
// (a request to Baton that failed, a Web Chat message about Direct Line,
// a CORS or WebSocket error) and the rest.
func (b *webchatBrowser) problems() (protocol, other []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	protocol = slices.Clone(b.failures)
	for _, e := range b.errors {
		l := strings.ToLower(e)
		if strings.Contains(e, b.baton) || strings.Contains(l, "directline") || strings.Contains(l, "direct line") ||
			strings.Contains(l, "websocket") || strings.Contains(l, "cors") || strings.Contains(l, "access-control") ||
			strings.Contains(l, "activity") || strings.Contains(l, "token") {
			protocol = append(protocol, e)
		} else {
			other = append(other, e)
		}
	}
	return protocol, other
}

// checkProbe checks that Web Chat went online and that none of its Direct
// Line actions failed since the page loaded.
func (b *webchatBrowser) checkProbe(when string) {
	b.t.Helper()
	var probe webchatProbe
	b.eval("read Web Chat's Direct Line actions", `window.batonProbe`, &probe)
	b.t.Logf("%s: connection statuses %v; Direct Line actions: %s", when, probe.Statuses, strings.Join(compact(probe.Actions), ", "))
	if testing.Verbose() {
		b.t.Logf("%s: Web Chat posted:\n\t%s\nand received:\n\t%s", when, strings.Join(probe.Posted, "\n\t"), strings.Join(probe.Incoming, "\n\t"))
	}
	if len(probe.Rejected) > 0 {
		b.t.Errorf("%s: Web Chat's Direct Line actions failed: %q", when, probe.Rejected)
	}
	// 0 Uninitialized, 1 Connecting, 2 Online, 3 ExpiredToken, 4 FailedToConnect, 5 Ended.
	if !slices.Equal(probe.Statuses, []int{0, 1, 2}) {
		b.t.Errorf("%s: connection statuses %v, want [0 1 2]: Uninitialized, Connecting, Online", when, probe.Statuses)
	}
}

func (b *webchatBrowser) batonRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requests)
}

// run runs actions with a deadline; on failure it saves a screenshot and
// fails the test with what the page reported.
func (b *webchatBrowser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.screenshot("failed")
		var bubbles []webchatBubble
		dctx, dcancel := context.WithTimeout(b.ctx, 5*time.Second)
		_ = chromedp.Run(dctx, chromedp.Evaluate(transcriptJS, &bubbles))
		dcancel()
		protocol, other := b.problems()
		b.t.Fatalf("%s: %v\ntranscript: %v\nDirect Line problems: %q\nother page errors: %q\nrequests to Baton: %q",
			what, err, bubbles, protocol, other, b.batonRequests())
	}
}

func (b *webchatBrowser) eval(what, expr string, out any) {
	b.t.Helper()
	b.run(what, chromedp.Evaluate(expr, out))
}

// waitJS polls a JavaScript condition until it holds, for up to 10 seconds.
func (b *webchatBrowser) waitJS(what, cond string) {
	b.t.Helper()
	b.run("wait for "+what, chromedp.Poll(cond, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
}

// waitBubble waits for a bubble with exactly this text on one side.
func (b *webchatBrowser) waitBubble(what string, fromUser bool, text string) {
	b.t.Helper()
	quoted, _ := json.Marshal(text)
	b.waitJS(what, fmt.Sprintf(`(%s).some(b => b.fromUser === %t && b.text === %s)`, transcriptJS, fromUser, quoted))
}

// send types text into Web Chat's send box and presses Enter, then waits
// for Web Chat to show it as sent.
func (b *webchatBrowser) send(text string) {
	b.t.Helper()
	b.run("type "+strconv.Quote(text), chromedp.SendKeys(selSendBox, text+kb.Enter, chromedp.ByQuery))
	quoted, _ := json.Marshal(text)
	b.waitJS(strconv.Quote(text)+" to be sent", fmt.Sprintf(`(%s).some(b => b.fromUser && b.text === %s && !b.pending)`, transcriptJS, quoted))
}

// screenshot saves a PNG of the page in BATON_SCREENSHOTS (or a folder in
// the system's temporary directory), never in the repository.
func (b *webchatBrowser) screenshot(name string) {
	dir := os.Getenv("BATON_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "baton-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.t.Logf("screenshot: %s", path)
}
