package baton_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

func TestAlertTitleHeadlineCustomer(t *testing.T) {
	tests := []struct {
		name                string
		a                   baton.Alert
		title, head, person string
	}{
		{"urgent with a reason", baton.Alert{Priority: baton.PriorityUrgent, Reason: "refund dispute", Customer: baton.Contact{Name: " Anna\r\nCohen "}},
			"Urgent: refund dispute", "Urgent handoff", "Anna Cohen"},
		{"high without a reason", baton.Alert{Priority: baton.PriorityHigh, Trigger: baton.TriggerFrustration, Customer: baton.Contact{Email: "anna@example.com", Phone: "+31"}},
			"High priority: Customer is frustrated", "High-priority handoff", "anna@example.com"},
		{"normal, a phone only", baton.Alert{Priority: baton.PriorityNormal, Reason: "x", Customer: baton.Contact{Phone: "+31612345678"}},
			"Normal priority: x", "Handoff", "+31612345678"},
		{"low, nobody known", baton.Alert{Priority: baton.PriorityLow, Reason: "x"}, "Low priority: x", "Handoff", "a customer"},
		{"nothing known", baton.Alert{}, "Handoff: a customer needs a person", "Handoff", "a customer"},
		{"an unknown trigger", baton.Alert{Trigger: "new\ttrigger"}, "Handoff: new trigger", "Handoff", "a customer"},
		{"a department", baton.Alert{Priority: baton.PriorityUrgent, Reason: "x", Department: " Billing\n(EU) "},
			"Urgent: x", "Urgent handoff · Billing (EU)", "a customer"},
		{"a reason on many lines", baton.Alert{Priority: baton.PriorityHigh, Reason: "refund\nBcc: evil@x"},
			"High priority: refund Bcc: evil@x", "High-priority handoff", "a customer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Title(); got != tt.title {
				t.Errorf("Title %q, want %q", got, tt.title)
			}
			if got := tt.a.Headline(); got != tt.head {
				t.Errorf("Headline %q, want %q", got, tt.head)
			}
			if got := tt.a.CustomerName(); got != tt.person {
				t.Errorf("CustomerName %q, want %q", got, tt.person)
			}
		})
	}
}

func TestAlertCaps(t *testing.T) {
	a := baton.Alert{
		Priority:   baton.PriorityUrgent,
		Reason:     strings.Repeat("הלקוחה ביקשה נציג ", 30),
		Department: strings.Repeat("d", 400),
		Customer:   baton.Contact{Name: strings.Repeat("n", 200)},
	}
	capped := func(what, s string, limit int) {
		t.Helper()
		if n := utf8.RuneCountInString(s); n != limit || !strings.HasSuffix(s, "…") || strings.HasSuffix(s, " …") {
			t.Errorf("%s of %d characters ending %q, want %d ending with a word and …", what, n, s[len(s)-8:], limit)
		}
	}
	capped("Title", a.Title(), 150)
	capped("Headline", a.Headline(), 150)
	capped("CustomerName", a.CustomerName(), 100)
	for _, f := range a.Facts() {
		switch f.Label {
		case "Department", "Reason":
			capped(f.Label, f.Value, 300)
		}
	}
}

func TestAlertFacts(t *testing.T) {
	tests := []struct {
		name string
		a    baton.Alert
		want []baton.Fact
	}{
		{"everything", baton.Alert{
			Priority: baton.PriorityUrgent, Department: "Billing", Trigger: baton.TriggerText,
			Reason:   "the customer asked for a person (“I want a human”)",
			Customer: baton.Contact{Name: "Anna Cohen", Email: "anna@example.com"}, Channel: baton.ChannelWhatsApp,
		}, []baton.Fact{
			{Label: "Customer", Value: "Anna Cohen"},
			{Label: "Channel", Value: "WhatsApp"},
			{Label: "Department", Value: "Billing"},
			{Label: "Trigger", Value: "Asked for a person"},
			{Label: "Priority", Value: "Urgent"},
			{Label: "Reason", Value: "the customer asked for a person (“I want a human”)"},
		}},
		{"nothing: no department, dashes", baton.Alert{}, []baton.Fact{
			{Label: "Customer", Value: "a customer"},
			{Label: "Channel", Value: "—"},
			{Label: "Trigger", Value: "—"},
			{Label: "Priority", Value: "—"},
			{Label: "Reason", Value: "—"},
		}},
		{"values Baton does not know, on one line", baton.Alert{
			Priority: "p1\n", Department: "\r\n", Trigger: "custom\rtrigger", Channel: "sms\t", Reason: " \t ",
		}, []baton.Fact{
			{Label: "Customer", Value: "a customer"},
			{Label: "Channel", Value: "sms"},
			{Label: "Trigger", Value: "custom trigger"},
			{Label: "Priority", Value: "p1"},
			{Label: "Reason", Value: "—"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Facts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Facts\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestAlertLabels(t *testing.T) {
	channels := map[baton.Channel]string{
		baton.ChannelWhatsApp:  "WhatsApp",
		baton.ChannelMessenger: "Messenger",
		baton.ChannelTelegram:  "Telegram",
		baton.ChannelWeb:       "Web chat",
		baton.ChannelAPI:       "API",
		"":                     "",
	}
	for c, want := range channels {
		if got := (&baton.Alert{Channel: c}).ChannelName(); got != want {
			t.Errorf("channel %q: %q, want %q", c, got, want)
		}
	}
	triggers := map[baton.Trigger]string{
		baton.TriggerText:            "Asked for a person",
		baton.TriggerUnknown:         "Bot did not understand",
		baton.TriggerFeedback:        "Answer did not help",
		baton.TriggerSensitiveIntent: "Sensitive topic",
		baton.TriggerFrustration:     "Customer is frustrated",
		baton.TriggerBotFailure:      "Bot failed",
		baton.TriggerBot:             "Bot handed off",
		baton.TriggerAgent:           "Agent joined",
	}
	for tr, want := range triggers {
		if got := (&baton.Alert{Trigger: tr}).Facts()[2].Value; got != want {
			t.Errorf("trigger %q: %q, want %q", tr, got, want)
		}
	}
	priorities := map[baton.Priority][2]string{ // the fact, the title's first word
		baton.PriorityUrgent: {"Urgent", "Urgent: "},
		baton.PriorityHigh:   {"High", "High priority: "},
		baton.PriorityNormal: {"Normal", "Normal priority: "},
		baton.PriorityLow:    {"Low", "Low priority: "},
	}
	for p, want := range priorities {
		a := &baton.Alert{Priority: p}
		if got := a.Facts()[3].Value; got != want[0] {
			t.Errorf("priority %q: %q, want %q", p, got, want[0])
		}
		if got := a.Title(); !strings.HasPrefix(got, want[1]) {
			t.Errorf("priority %q: title %q, want it to start %q", p, got, want[1])
		}
	}
}

func TestAlertExcerpts(t *testing.T) {
	tests := []struct {
		name, text string
		limit      int
		want       string
	}{
		{"line breaks kept", "I was charged twice.\r\nPlease call me.", 500, "I was charged twice.\nPlease call me."},
		{"blank ends and trailing spaces dropped", "\r\n\n  hello  \t\n\nbye \n\n", 500, "  hello\n\nbye"},
		{"control characters dropped, tabs made spaces", "a\x00b\x1bc\td\re", 500, "abc d\ne"},
		{"bad UTF-8 dropped", "ok \xff", 500, "ok"},
		{"capped", strings.Repeat("א", 600), 500, strings.Repeat("א", 499) + "…"},
		{"nothing", " \r\n ", 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := baton.Alert{Text: tt.text, Summary: tt.text}
			if got := a.MessageExcerpt(tt.limit); got != tt.want {
				t.Errorf("MessageExcerpt %q, want %q", got, tt.want)
			}
			if got := a.SummaryExcerpt(tt.limit); got != tt.want {
				t.Errorf("SummaryExcerpt %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAlertLinkAndConversation(t *testing.T) {
	links := map[string]string{
		"https://baton.example.com/inbox/c_1":    "https://baton.example.com/inbox/c_1",
		" http://localhost:8080/inbox/c_1\n":     "http://localhost:8080/inbox/c_1",
		"":                                       "",
		"javascript:alert(1)":                    "",
		"/inbox/c_1":                             "",
		"https:///inbox":                         "",
		"https://baton.example.com/%zz":          "",
		"mailto:oncall@example.com?subject=help": "",
	}
	for u, want := range links {
		if got := (&baton.Alert{URL: u}).Link(); got != want {
			t.Errorf("Link of %q: %q, want %q", u, got, want)
		}
	}
	if got := (&baton.Alert{ConversationID: " c_01\nJABC "}).ConversationRef(); got != "c_01 JABC" {
		t.Errorf("ConversationRef %q", got)
	}
}
