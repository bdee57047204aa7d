package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// widget is a JavaScript expression for an element inside the chat
// widget's shadow root.
func widget(sel string) string {
	return `document.querySelector("baton-chat").shadowRoot.querySelector(` + js(sel) + `)`
}

// say types a message into the widget and sends it.
func (p *person) say(text string) {
	p.t.Helper()
	p.run("type "+text,
		chromedp.WaitVisible(widget(`[data-testid=input]`), chromedp.ByJSPath),
		chromedp.SendKeys(widget(`[data-testid=input]`), text, chromedp.ByJSPath),
		chromedp.Click(widget(`[data-testid=send]`), chromedp.ByJSPath),
	)
}

// widgetSaw waits until a widget message by author contains text.
func (p *person) widgetSaw(author, text string) {
	p.t.Helper()
	p.waitJS(author+" says "+text, `[...document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=message][data-author=`+author+`]')]
		.some(m => m.textContent.includes(`+js(text)+`))`)
}

// inboxSaw waits until the open conversation's timeline has an entry by author containing text.
func (p *person) inboxSaw(author, text string) {
	p.t.Helper()
	p.waitJS("inbox entry "+author+": "+text, `[...document.querySelectorAll('[data-testid=timeline] [data-testid=entry][data-author=`+author+`]')]
		.some(m => m.textContent.includes(`+js(text)+`))`)
}

// signIn signs an agent in to the inbox and sets their status.
func (p *person) signIn(base, email, password, status string) {
	p.t.Helper()
	p.run("sign in",
		chromedp.Navigate(base+"/inbox/"),
		chromedp.WaitVisible(`[data-testid=email]`),
		chromedp.SendKeys(`[data-testid=email]`, email),
		chromedp.SendKeys(`[data-testid=password]`, password),
		chromedp.Click(`[data-testid=sign-in]`),
		chromedp.WaitVisible(`[data-testid=status]`),
	)
	p.setStatus(status)
}

func (p *person) setStatus(status string) {
	p.t.Helper()
	p.run("set status "+status, chromedp.SetValue(`[data-testid=status]`, status),
		chromedp.Evaluate(`document.querySelector('[data-testid=status]').dispatchEvent(new Event('change', {bubbles: true}))`, nil))
	p.waitJS("status "+status, `document.querySelector('[data-testid=status]').value === `+js(status))
}

// TestHandoffInTheBrowser is the whole handoff as two people see it: an
// agent signed in to the inbox, a customer on the demo page's widget.
func TestHandoffInTheBrowser(t *testing.T) {
	agent := newPerson(t, "agent")
	customer := newPerson(t, "customer")
	s := start(t, t.TempDir())
	email, password := demoAgent(t, s)

	// A wrong password is refused on the page.
	agent.run("open the inbox", chromedp.Navigate(s.base+"/inbox/"), chromedp.WaitVisible(`[data-testid=email]`))
	agent.run("wrong password",
		chromedp.SendKeys(`[data-testid=email]`, email),
		chromedp.SendKeys(`[data-testid=password]`, "not the password"),
		chromedp.Click(`[data-testid=sign-in]`),
		chromedp.WaitVisible(`[data-testid=sign-in-error]`),
	)
	// Away: signed in, so the customer is queued, and claimed by hand.
	agent.signIn(s.base, email, password, "away")

	customer.run("open the demo page", chromedp.Navigate(s.base+"/"), chromedp.WaitReady(`baton-chat`))
	customer.run("open the widget", chromedp.Evaluate(`window.Baton.open()`, nil))
	customer.say("how long does shipping take?")
	customer.widgetSaw("bot", "")
	customer.say("I want to talk to a human")
	customer.widgetSaw("bot", "email")
	customer.say("dana@example.com")
	customer.waitJS("the queue status", `(`+widget(`[data-testid=status]`)+`)?.textContent.trim().length > 0`)

	// The agent sees the customer arrive, live, and claims.
	agent.waitJS("the customer in the queue", `document.querySelectorAll('[data-testid=queue-list] [data-testid=conversation-row]').length === 1`)
	agent.run("open the conversation", chromedp.Click(`[data-testid=queue-list] [data-testid=conversation-row]`))
	agent.waitJS("the summary", `document.querySelector('[data-testid=summary]')?.textContent.includes("dana@example.com")`)
	agent.inboxSaw("customer", "I want to talk to a human")
	agent.run("claim", chromedp.Click(`[data-testid=claim]`))
	agent.waitJS("the conversation in Mine", `document.querySelectorAll('[data-testid=mine-list] [data-testid=conversation-row]').length === 1`)
	agent.run("reply",
		chromedp.SendKeys(`[data-testid=composer]`, "Hi Dana, Alex here. Let me check your order."),
		chromedp.Click(`[data-testid=send]`))
	agent.inboxSaw("agent", "Let me check your order")

	// The customer sees the reply and who wrote it.
	customer.widgetSaw("agent", "Let me check your order")
	customer.waitJS("the agent's name", `(`+widget(`[data-testid=agent-name]`)+`)?.textContent.includes("Alex")`)
	agent.screenshot("inbox")
	customer.screenshot("widget")

	// Hand back with the survey; the customer answers it with a button.
	agent.run("hand back", chromedp.Click(`[data-testid=release]`),
		chromedp.WaitVisible(`[data-testid=release-with-survey]`),
		chromedp.Click(`[data-testid=release-with-survey]`))
	customer.waitJS("the survey buttons", `document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=survey]').length >= 5`)
	customer.screenshot("survey")
	customer.run("rate 5", chromedp.Click(`[...document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=survey]')].find(b => b.textContent.includes("5"))`, chromedp.ByJSPath))
	customer.widgetSaw("customer", "5")

	// The rating is stored, as the admin API shows.
	var id string
	customer.eval("conversation id", `window.Baton.conversationId()`, &id)
	waitFor(t, "the survey answer", func() bool {
		var out struct {
			Surveys []struct {
				Rating int `json:"rating"`
			} `json:"surveys"`
		}
		code, body, err := s.call("GET", "/api/v1/conversations/"+id+"/surveys", testAdminToken, nil)
		if err != nil || code != 200 || json.Unmarshal(body, &out) != nil {
			return false
		}
		return len(out.Surveys) == 1 && out.Surveys[0].Rating == 5
	})
	for _, p := range []*person{agent, customer} {
		if errs := p.pageErrors(); len(errs) > 0 {
			t.Errorf("%s's pages reported errors: %v", p.name, errs)
		}
	}
}

// TestHebrewConversationInTheBrowser: a customer writes in Hebrew; the
// widget and the inbox lay the conversation out right to left, and the
// agent, online, gets it at once.
func TestHebrewConversationInTheBrowser(t *testing.T) {
	agent := newPerson(t, "agent")
	customer := newPerson(t, "customer")
	s := start(t, t.TempDir())
	email, password := demoAgent(t, s)
	agent.signIn(s.base, email, password, "online")

	customer.run("open the demo page in Hebrew", chromedp.Navigate(s.base+"/?locale=he"), chromedp.WaitReady(`baton-chat`))
	customer.run("open the widget", chromedp.Evaluate(`window.Baton.open()`, nil))
	customer.say("אני רוצה לדבר עם נציג")
	customer.widgetSaw("bot", "האימייל") // the email question, in Hebrew
	customer.say("noa@example.co.il")

	agent.waitJS("the conversation in Mine", `document.querySelectorAll('[data-testid=mine-list] [data-testid=conversation-row]').length === 1`)
	agent.run("open it", chromedp.Click(`[data-testid=mine-list] [data-testid=conversation-row]`))
	agent.inboxSaw("customer", "נציג")
	agent.run("reply in Hebrew",
		chromedp.SendKeys(`[data-testid=composer]`, "שלום נועה, כאן אלכס. איך אפשר לעזור?"),
		chromedp.Click(`[data-testid=send]`))
	customer.widgetSaw("agent", "איך אפשר לעזור")

	// Right to left where the text is Hebrew, in both pages.
	var inboxDir, widgetDir, panelDir string
	agent.eval("direction of the customer's message", `getComputedStyle([...document.querySelectorAll('[data-testid=entry][data-author=customer]')]
		.find(e => e.textContent.includes("נציג")).querySelector('[dir]') || [...document.querySelectorAll('[data-testid=entry][data-author=customer]')].find(e => e.textContent.includes("נציג"))).direction`, &inboxDir)
	customer.eval("direction of the agent's message", `getComputedStyle([...document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=message][data-author=agent]')]
		.find(e => e.textContent.includes("לעזור")).querySelector('[dir]') || document.body).direction`, &widgetDir)
	customer.eval("direction of the panel", `getComputedStyle(`+widget(`[data-testid=panel]`)+`).direction`, &panelDir)
	if inboxDir != "rtl" || widgetDir != "rtl" || panelDir != "rtl" {
		t.Errorf("directions: inbox message %q, widget message %q, widget panel %q; want rtl", inboxDir, widgetDir, panelDir)
	}
	agent.screenshot("inbox-hebrew")
	customer.screenshot("widget-hebrew")

	// On a phone.
	agent.run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	customer.run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	agent.screenshot("inbox-hebrew-phone")
	customer.screenshot("widget-hebrew-phone")
	for _, p := range []*person{agent, customer} {
		if errs := p.pageErrors(); len(errs) > 0 {
			t.Errorf("%s's pages reported errors: %v", p.name, errs)
		}
	}
}

// TestWidgetSurvivesARestart: the server goes away while the customer
// types; the widget keeps the message, and once the server is back it is
// delivered once and answered, and nothing on screen is doubled.
func TestWidgetSurvivesARestart(t *testing.T) {
	customer := newPerson(t, "customer")
	data := t.TempDir()
	s := start(t, data)
	customer.run("open the demo page", chromedp.Navigate(s.base+"/"), chromedp.WaitReady(`baton-chat`))
	customer.run("open the widget", chromedp.Evaluate(`window.Baton.open()`, nil))
	customer.say("how long does shipping take?")
	customer.widgetSaw("bot", "")
	var id string
	customer.eval("conversation id", `window.Baton.conversationId()`, &id)

	s.stop(t)
	customer.say("and do you ship to Belgium?")
	customer.waitJS("the message waiting to be sent", `[...document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=message][data-pending=true]')]
		.some(m => m.textContent.includes("Belgium"))`)

	s = startWith(t, data, startOptions{addr: strings.TrimPrefix(s.base, "http://")})
	customer.waitJS("the message delivered", `[...document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=message][data-author=customer][data-seq]')]
		.filter(m => m.textContent.includes("Belgium")).length === 1`)
	// The bot's answer to it arrives too, and every entry is on screen once.
	waitFor(t, "the bot's answer stored", func() bool {
		msgs := s.timeline(t, id, testAdminToken)
		return len(msgs) > 0 && msgs[len(msgs)-1].Author == "bot"
	})
	msgs := s.timeline(t, id, testAdminToken)
	n := 0
	for _, m := range msgs {
		if m.Author == "customer" && strings.Contains(m.Text, "Belgium") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the message is stored %d times", n)
	}
	last := msgs[len(msgs)-1].Seq
	customer.waitJS("the bot's answer on screen", fmt.Sprintf(`!!document.querySelector("baton-chat").shadowRoot.querySelector('[data-testid=message][data-seq="%d"]')`, last))
	var dup bool
	customer.eval("no entry twice", `(() => { const seqs = [...document.querySelector("baton-chat").shadowRoot.querySelectorAll('[data-testid=message][data-seq]')].map(m => m.dataset.seq);
		return new Set(seqs).size !== seqs.length })()`, &dup)
	if dup {
		t.Error("the widget shows an entry twice after reconnecting")
	}
	customer.screenshot("after-restart")
}
