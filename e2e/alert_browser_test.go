package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// fakeAlerts replaces, before any page script runs, what the inbox's
// opt-in alerts use: notifications (granted, and recorded in
// window.__notes), the window's focus (elsewhere, so notifications show)
// and the chime's oscillators (counted in window.__tones).
const fakeAlerts = `(() => {
	window.__notes = [];
	window.__tones = 0;
	class FakeNotification {
		constructor(title, opts) { window.__notes.push({ title, body: (opts && opts.body) || "", tag: (opts && opts.tag) || "" }); }
		close() {}
	}
	FakeNotification.permission = "granted";
	FakeNotification.requestPermission = () => Promise.resolve("granted");
	window.Notification = FakeNotification;
	document.hasFocus = () => false;
	const start = OscillatorNode.prototype.start;
	OscillatorNode.prototype.start = function (...args) { window.__tones++; return start.apply(this, args); };
})()`

// banner is a JavaScript expression for the urgent alert of a conversation.
func banner(id string) string {
	return `document.querySelector('[data-testid=urgent-alert][data-id="` + id + `"]')`
}

// visibleBanners is a JavaScript expression for the ids of the urgent
// alerts on screen, top first.
const visibleBanners = `[...document.querySelectorAll('[data-testid=urgent-alert]')].filter(b => b.offsetParent !== null).map(b => b.dataset.id)`

// urgentCustomer opens a web conversation over the API and writes an urgent
// message; it returns the conversation as the admin sees it.
func urgentCustomer(t *testing.T, s *server, contact map[string]any, text string) conversation {
	t.Helper()
	c := s.open(t, "en", contact)
	s.say(t, c, text, "")
	got := s.conversation(t, c.ID, testAdminToken)
	if got.Priority != "urgent" || got.Handoff == nil || got.Handoff.Reason == "" {
		t.Fatalf("%q did not make an urgent handoff: priority %q, handoff %+v", text, got.Priority, got.Handoff)
	}
	got.CustomerToken = c.CustomerToken
	return got
}

// bannerState is what a banner shows and how it is marked up.
type bannerState struct {
	Role, Live, Name, Reason, Dept, Text string
	NameDir, ReasonDir                   string
	OpenTag                              string
	OpenTabIndex                         int
	Title                                string
}

func (p *person) bannerState(id string) bannerState {
	p.t.Helper()
	var b bannerState
	p.eval("the banner of "+id, `(() => { const b = `+banner(id)+`; const q = (s) => b.querySelector('[data-testid=' + s + ']');
		return { Role: b.getAttribute("role"), Live: b.getAttribute("aria-live"), Name: q("alert-name").textContent,
			Reason: q("alert-reason").textContent, Dept: q("alert-department").textContent, Text: b.textContent,
			NameDir: q("alert-name").getAttribute("dir"), ReasonDir: q("alert-reason").getAttribute("dir"),
			OpenTag: q("alert-open").tagName, OpenTabIndex: q("alert-open").tabIndex, Title: document.title } })()`, &b)
	return b
}

// TestUrgentAlertInTheBrowser: the demo agent, online with alerts on, is
// alerted at once when customers write that it is urgent: a banner each,
// newest first, with the customer and the reason, a sound, a notification
// and "⚠" in the tab's title. A banner goes when the agent claims the
// conversation or another agent does, stays otherwise until dismissed
// (with × or Esc), and the lists mark urgent rows.
func TestUrgentAlertInTheBrowser(t *testing.T) {
	alex := newPerson(t, "agent")
	s := start(t, t.TempDir())
	email, password := demoAgent(t, s)
	alex.run("fake notifications and sound", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(fakeAlerts).Do(ctx)
		return err
	}))
	alex.signIn(s.base, email, password, "online")
	alex.waitJS("the live stream", `document.querySelector('#conn').dataset.state === "live"`)
	alex.run("turn alerts on", chromedp.Click(`#alerts`))
	alex.waitJS("alerts on", `document.querySelector('#alerts').getAttribute('aria-pressed') === "true"`)
	var title string
	alex.eval("the title", `document.title`, &title)
	if strings.HasPrefix(title, "⚠") {
		t.Fatalf("title %q before any alert", title)
	}
	var tones int
	alex.eval("tones so far", `window.__tones`, &tones)

	// The demo's support department needs an email first: the bot asks for
	// it, and the agent is alerted while it does.
	maya := urgentCustomer(t, s, map[string]any{"name": "Maya Cohen"}, "this is urgent, my card was charged twice")
	if maya.Mode != "handoff" || maya.Department != "support" {
		t.Fatalf("Maya's conversation: mode %s, department %s; want handoff in support", maya.Mode, maya.Department)
	}
	alex.waitJS("Maya's banner", `!!`+banner(maya.ID))
	b := alex.bannerState(maya.ID)
	if b.Role != "alert" || b.Live != "assertive" {
		t.Errorf("banner role %q, aria-live %q; want alert, assertive", b.Role, b.Live)
	}
	if b.Name != "Maya Cohen" || b.Reason != maya.Handoff.Reason || !strings.Contains(b.Text, "Urgent") {
		t.Errorf("banner says %q (name %q, reason %q); want Urgent, Maya Cohen and %q", b.Text, b.Name, b.Reason, maya.Handoff.Reason)
	}
	if b.Dept != "Customer Service" {
		t.Errorf("banner department %q, want Customer Service", b.Dept)
	}
	if b.NameDir != "auto" || b.ReasonDir != "auto" {
		t.Errorf("dir on the customer's words: name %q, reason %q; want auto", b.NameDir, b.ReasonDir)
	}
	if b.OpenTag != "BUTTON" || b.OpenTabIndex < 0 {
		t.Errorf("the Open control is a %s with tabIndex %d; want a focusable button", b.OpenTag, b.OpenTabIndex)
	}
	if !strings.HasPrefix(b.Title, "⚠") {
		t.Errorf("title %q while an urgent alert is open; want it to start with ⚠", b.Title)
	}
	// Alerts are on: the chime and a notification naming the customer.
	alex.waitJS("the urgent notification", `window.__notes.some(n => n.title.startsWith("Urgent") && n.title.includes("Maya Cohen") && n.body === `+js(maya.Handoff.Reason)+`)`)
	alex.waitJS("the chime", fmt.Sprintf(`window.__tones > %d`, tones))
	// Her row in Collecting details carries the Urgent badge.
	alex.waitJS("the Urgent badge on Maya's row", `(() => { const r = document.querySelector('[data-testid=handoff-list] [data-testid=conversation-row][data-id="`+maya.ID+`"]');
		const b = r && r.querySelector('.prio'); return !!b && b.textContent === "Urgent" && b.offsetParent !== null && getComputedStyle(b).display !== "none" })()`)

	// A second urgent customer: a second banner, on top.
	noam := urgentCustomer(t, s, map[string]any{"name": "Noam Levi"}, "this is urgent, I am locked out of my account")
	alex.waitJS("two banners, Noam's first", visibleBanners+`.join() === `+js(noam.ID+","+maya.ID))
	alex.still()
	alex.screenshot("banners")
	alex.run("dark mode", emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}))
	alex.still()
	alex.screenshot("banners-dark")
	alex.run("light mode", emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}))
	alex.run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	alex.waitJS("the phone layout", `window.matchMedia("(max-width: 760px)").matches`)
	alex.still()
	alex.screenshot("banners-phone")
	var fits bool
	alex.eval("the banners fit the phone", `[...document.querySelectorAll('[data-testid=urgent-alert]')].every(b => { const r = b.getBoundingClientRect();
		const o = b.querySelector('[data-testid=alert-open]').getBoundingClientRect(), x = b.querySelector('[data-testid=alert-dismiss]').getBoundingClientRect();
		return r.left >= 0 && r.right <= innerWidth && o.right <= r.right && x.right <= r.right && o.width > 0 && x.width > 0 })`, &fits)
	if !fits {
		t.Error("on a phone a banner or its buttons run off the screen")
	}
	alex.run("desktop size", chromedp.EmulateViewport(1366, 768))
	alex.waitJS("the desktop layout", `!window.matchMedia("(max-width: 760px)").matches`)

	// Open shows Maya's conversation with its summary; the alert stays
	// until someone takes her.
	alex.run("open Maya from her banner", chromedp.Click(`[data-testid=urgent-alert][data-id="`+maya.ID+`"] [data-testid=alert-open]`))
	alex.waitJS("Maya's conversation and summary", `document.querySelector('[data-testid=conversation]')?.dataset.id === `+js(maya.ID)+
		` && document.querySelector('[data-testid=summary]')?.textContent.includes(`+js(maya.Handoff.Reason)+`)`)
	alex.eval("the title", `document.title`, &title)
	if !strings.HasPrefix(title, "⚠") || !alex.has(banner(maya.ID)) {
		t.Errorf("after opening: title %q, Maya's banner shown %v; want ⚠ and the banner until she is claimed", title, alex.has(banner(maya.ID)))
	}
	alex.still()
	alex.screenshot("opened")
	alex.run("claim Maya", chromedp.Click(`[data-testid=claim]`))
	alex.waitJS("Maya's banner gone, Noam's kept", `!`+banner(maya.ID)+` && !!`+banner(noam.ID))
	if got := s.conversation(t, maya.ID, testAdminToken); got.Mode != "agent" || got.Assignee == "" {
		t.Fatalf("Maya after the claim: mode %s, assignee %q", got.Mode, got.Assignee)
	}

	// Another agent claims an urgent conversation: it goes from this inbox too.
	var sam agent
	s.must(t, http.StatusCreated, "POST", "/api/v1/agents", testAdminToken,
		map[string]any{"name": "Sam", "departments": []string{"support"}, "max_concurrent": 3}, &sam)
	sara := urgentCustomer(t, s, map[string]any{"name": "Sara Gold"}, "this is urgent, the wrong item arrived")
	alex.waitJS("Sara's banner", `!!`+banner(sara.ID))
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+sara.ID+"/claim", sam.Token, nil, nil)
	alex.waitJS("Sara's banner gone once Sam has her, Noam's kept", `!`+banner(sara.ID)+` && !!`+banner(noam.ID))

	// A customer whose email is known is queued and, the agent being online
	// with room, assigned to them at once: the banner says so and goes
	// once they open it. Without a name the banner says "A customer".
	anon := urgentCustomer(t, s, map[string]any{"email": "anon@example.com"}, "this is urgent, my card was charged twice")
	alex.waitJS("the anonymous customer's banner, assigned to the agent", `(() => { const b = `+banner(anon.ID)+`;
		return !!b && b.querySelector('[data-testid=alert-name]').textContent === "A customer" && b.textContent.includes("Assigned to you") })()`)
	alex.waitJS("the conversation in Mine", `!!document.querySelector('[data-testid=mine-list] [data-testid=conversation-row][data-id="`+anon.ID+`"] .prio-urgent')`)
	alex.run("open it from the banner", chromedp.Click(`[data-testid=urgent-alert][data-id="`+anon.ID+`"] [data-testid=alert-open]`))
	alex.waitJS("its banner gone once opened", `document.querySelector('[data-testid=conversation]')?.dataset.id === `+js(anon.ID)+` && !`+banner(anon.ID))

	// Four alerts: three shown, then "+1 more".
	var more []conversation
	for _, name := range []string{"Ari", "Bea", "Cy"} {
		more = append(more, urgentCustomer(t, s, map[string]any{"name": name}, "this is urgent, please help"))
	}
	alex.waitJS("three banners and +1 more", visibleBanners+`.join() === `+js(more[2].ID+","+more[1].ID+","+more[0].ID)+
		` && document.querySelector('[data-testid=alert-more]').textContent.includes("+1 more")`)
	alex.run("show all", chromedp.Click(`[data-testid=alert-more]`))
	alex.waitJS("four banners", visibleBanners+`.length === 4`)
	alex.still()
	alex.screenshot("banners-all")
	alex.run("show fewer", chromedp.Click(`[data-testid=alert-more]`))
	alex.waitJS("three banners again", visibleBanners+`.length === 3`)

	// × dismisses one; Esc dismisses the one that has the focus, and only then.
	alex.run("dismiss Cy", chromedp.Click(`[data-testid=urgent-alert][data-id="`+more[2].ID+`"] [data-testid=alert-dismiss]`))
	alex.waitJS("Cy's banner gone, Noam's shown", `!`+banner(more[2].ID)+` && `+visibleBanners+`.join() === `+js(more[1].ID+","+more[0].ID+","+noam.ID)+
		` && document.querySelector('[data-testid=alert-more]').hidden`)
	alex.run("Esc outside the banners", chromedp.Evaluate(`document.activeElement && document.activeElement.blur()`, nil), chromedp.KeyEvent(kb.Escape))
	var n int
	alex.eval("banners after Esc elsewhere", visibleBanners+`.length`, &n)
	if n != 3 {
		t.Errorf("Esc with the focus outside the banners left %d banners, want 3", n)
	}
	alex.run("focus Bea's Open button", chromedp.Focus(`[data-testid=urgent-alert][data-id="`+more[1].ID+`"] [data-testid=alert-open]`))
	alex.run("Esc in Bea's banner", chromedp.KeyEvent(kb.Escape))
	alex.waitJS("Bea's banner gone, the focus on the next one", `!`+banner(more[1].ID)+
		` && document.activeElement === document.querySelector('[data-testid=urgent-alert][data-id="`+more[0].ID+`"] [data-testid=alert-open]')`)
	alex.run("dismiss Ari", chromedp.Click(`[data-testid=urgent-alert][data-id="`+more[0].ID+`"] [data-testid=alert-dismiss]`))

	// Noam, claimed by nobody, kept his banner through all of this.
	alex.waitJS("only Noam's banner", visibleBanners+`.join() === `+js(noam.ID))
	alex.eval("the title", `document.title`, &title)
	if !strings.HasPrefix(title, "⚠") {
		t.Errorf("title %q with Noam's alert open", title)
	}
	alex.run("dismiss Noam", chromedp.Click(`[data-testid=urgent-alert][data-id="`+noam.ID+`"] [data-testid=alert-dismiss]`))
	alex.waitJS("no banner left, no ⚠", `!document.querySelector('[data-testid=urgent-alert]') && document.querySelector('[data-testid=urgent-alerts]').hidden && !document.title.startsWith("⚠")`)

	// A dismissed alert does not come back when the conversation moves on:
	// Noam gives his email and is queued, then assigned to the alex.
	s.say(t, noam, "noam@example.com", "")
	alex.waitJS("Noam in Mine", `!!document.querySelector('[data-testid=mine-list] [data-testid=conversation-row][data-id="`+noam.ID+`"]')`)
	if alex.has(banner(noam.ID)) {
		t.Error("Noam's dismissed alert came back")
	}

	if errs := alex.pageErrors(); len(errs) > 0 {
		t.Errorf("the inbox reported errors: %v", errs)
	}
}

// still waits until no animation runs, for a screenshot.
func (p *person) still() {
	p.t.Helper()
	p.waitJS("animations to end", `document.getAnimations().every(a => a.playState !== "running")`)
}

// has reports whether a JavaScript expression yields an element.
func (p *person) has(expr string) bool {
	p.t.Helper()
	var ok bool
	p.eval("look for "+expr, `!!(`+expr+`)`, &ok)
	return ok
}

// row is a JavaScript expression for a conversation's row in one of the
// inbox's lists (queue, mine, handoff, ticket).
func row(list, id string) string {
	return `document.querySelector('[data-testid=` + list + `-list] [data-testid=conversation-row][data-id="` + id + `"]')`
}

// reload reloads the inbox and waits until it listens again.
func (p *person) reload() {
	p.t.Helper()
	p.run("reload the inbox", chromedp.Reload())
	p.waitJS("the live stream after the reload", `document.querySelector('#conn').dataset.state === "live"`)
}

// TestUrgentAlertAfterAReload: the server sends an urgent alert once, yet an
// urgent conversation still waiting for someone keeps its banner when the
// agent reloads the inbox: rebuilt from the lists, with the customer's name,
// silently (no chime, no notification: only live alerts make a sound). A
// banner dismissed by hand, live or rebuilt, stays dismissed through a
// reload until the customer makes a new urgent request; a conversation
// someone claimed gets no banner.
func TestUrgentAlertAfterAReload(t *testing.T) {
	alex := newPerson(t, "agent")
	s := start(t, t.TempDir())
	email, password := demoAgent(t, s)
	alex.run("fake notifications and sound", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(fakeAlerts).Do(ctx)
		return err
	}))
	// Away: nothing is assigned to the agent on its own, so what is queued
	// stays waiting for whoever takes it.
	alex.signIn(s.base, email, password, "away")
	alex.waitJS("the live stream", `document.querySelector('#conn').dataset.state === "live"`)
	alex.run("turn alerts on", chromedp.Click(`#alerts`))
	alex.waitJS("alerts on", `document.querySelector('#alerts').getAttribute('aria-pressed') === "true"`)
	var sam agent
	s.must(t, http.StatusCreated, "POST", "/api/v1/agents", testAdminToken,
		map[string]any{"name": "Sam", "departments": []string{"support"}, "max_concurrent": 3}, &sam)

	// Maya is still asked for her email (collecting details); Noam gave his
	// and waits for an agent; Sara is taken by Sam; the agent dismisses Ari's
	// banner.
	maya := urgentCustomer(t, s, map[string]any{"name": "Maya Cohen"}, "this is urgent, my card was charged twice")
	noam := urgentCustomer(t, s, map[string]any{"name": "Noam Levi", "email": "noam@example.com"}, "this is urgent, I am locked out of my account")
	sara := urgentCustomer(t, s, map[string]any{"name": "Sara Gold"}, "this is urgent, the wrong item arrived")
	ari := urgentCustomer(t, s, map[string]any{"name": "Ari"}, "this is urgent, please help")
	if maya.Mode != "handoff" || maya.Assignee != "" {
		t.Fatalf("Maya's conversation: mode %s, assignee %q; want handoff with nobody", maya.Mode, maya.Assignee)
	}
	noamList := map[string]string{"queued": "queue", "ticket": "ticket"}[noam.Mode]
	if noamList == "" || noam.Assignee != "" {
		t.Fatalf("Noam's conversation: mode %s, assignee %q; want queued (or a ticket) with nobody", noam.Mode, noam.Assignee)
	}
	alex.waitJS("four live banners", visibleBanners+`.length === 3 && document.querySelectorAll('[data-testid=urgent-alert]').length === 4`)
	alex.waitJS("the live alerts chimed", `window.__tones > 0 && window.__notes.some(n => n.title.includes("Noam Levi"))`)
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+sara.ID+"/claim", sam.Token, nil, nil)
	alex.waitJS("Sara's banner gone once Sam has her", `!`+banner(sara.ID))
	alex.run("dismiss Ari's live banner", chromedp.Click(`[data-testid=urgent-alert][data-id="`+ari.ID+`"] [data-testid=alert-dismiss]`))
	alex.waitJS("Ari's banner gone", `!`+banner(ari.ID)+` && `+visibleBanners+`.join() === `+js(noam.ID+","+maya.ID))

	// A reload: the page forgets everything but what the server and the
	// tab's storage hold.
	alex.reload()
	alex.waitJS("the banners back, newest first", visibleBanners+`.join() === `+js(noam.ID+","+maya.ID))
	alex.waitJS("the rows", `!!`+row("handoff", maya.ID)+` && !!`+row(noamList, noam.ID)+` && !!`+row("handoff", ari.ID))
	for _, c := range []struct {
		conv conversation
		name string
	}{{maya, "Maya Cohen"}, {noam, "Noam Levi"}} {
		b := alex.bannerState(c.conv.ID)
		if b.Name != c.name || b.Reason != c.conv.Handoff.Reason || b.Role != "alert" {
			t.Errorf("rebuilt banner of %s says %q (name %q, reason %q, role %q); want %q and %q", c.name, b.Text, b.Name, b.Reason, b.Role, c.name, c.conv.Handoff.Reason)
		}
		if !strings.HasPrefix(b.Title, "⚠") {
			t.Errorf("title %q with rebuilt banners; want it to start with ⚠", b.Title)
		}
	}
	if alex.has(banner(sara.ID)) {
		t.Error("Sara, claimed by Sam before the reload, got a banner")
	}
	if alex.has(banner(ari.ID)) {
		t.Error("Ari's banner, dismissed before the reload, came back")
	}
	// Alerts are still on, yet the rebuilt banners made no sound and no
	// notification: they are not news.
	var quiet struct {
		On    bool
		Tones int
		Notes int
	}
	alex.eval("sounds and notifications after the reload", `({ On: document.querySelector('#alerts').getAttribute('aria-pressed') === "true",
		Tones: window.__tones, Notes: window.__notes.length })`, &quiet)
	if !quiet.On || quiet.Tones != 0 || quiet.Notes != 0 {
		t.Errorf("after the reload: alerts on %v, %d tones, %d notifications; want alerts on, and neither a tone nor a notification", quiet.On, quiet.Tones, quiet.Notes)
	}

	// A rebuilt banner dismissed stays dismissed through the next reload.
	alex.run("dismiss Noam's rebuilt banner", chromedp.Click(`[data-testid=urgent-alert][data-id="`+noam.ID+`"] [data-testid=alert-dismiss]`))
	alex.waitJS("Noam's banner gone", `!`+banner(noam.ID))

	// Ari asks again after the bot had him back: a new urgent request, a
	// new banner, dismissal or not.
	requestedAt := func() any {
		h, _ := rawJSON(t, s, "/api/v1/conversations/"+ari.ID, testAdminToken)["handoff"].(map[string]any)
		return h["requested_at"]
	}
	first := requestedAt()
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+ari.ID+"/claim", sam.Token, nil, nil)
	s.must(t, http.StatusOK, "POST", "/api/v1/conversations/"+ari.ID+"/release", sam.Token, map[string]any{"survey": false}, nil)
	if got := s.conversation(t, ari.ID, testAdminToken); got.Mode != "bot" {
		t.Fatalf("Ari after the release: mode %s, want bot", got.Mode)
	}
	s.say(t, ari, "this is urgent, I still need help", "")
	if got := s.conversation(t, ari.ID, testAdminToken); got.Priority != "urgent" || got.Handoff == nil || requestedAt() == first {
		t.Fatalf("Ari's second request: priority %q, handoff %+v; want a new urgent request", got.Priority, got.Handoff)
	}
	alex.waitJS("Ari's new banner", `!!`+banner(ari.ID))

	alex.reload()
	alex.waitJS("the banners after the second reload", visibleBanners+`.join() === `+js(ari.ID+","+maya.ID))
	alex.waitJS("Noam still waiting", `!!`+row(noamList, noam.ID))
	if alex.has(banner(noam.ID)) {
		t.Error("Noam's banner, dismissed before the reload, came back")
	}
	if b := alex.bannerState(ari.ID); b.Name != "Ari" {
		t.Errorf("Ari's banner names %q, want Ari", b.Name)
	}
	alex.eval("sounds and notifications after the second reload", `({ On: true, Tones: window.__tones, Notes: window.__notes.length })`, &quiet)
	if quiet.Tones != 0 || quiet.Notes != 0 {
		t.Errorf("after the second reload: %d tones, %d notifications; want none", quiet.Tones, quiet.Notes)
	}

	if errs := alex.pageErrors(); len(errs) > 0 {
		t.Errorf("the inbox reported errors: %v", errs)
	}
}
