package routing_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/routing"
)

var depts = map[string]bool{"support": true, "billing": true, "privacy": true, "nl-team": true}

func exists(d string) bool { return depts[d] }

func router(t *testing.T) *routing.Router {
	t.Helper()
	r, err := routing.New([]routing.Rule{
		{Name: "personal data", When: routing.When{Intents: []string{"personal_data"}}, Department: "privacy"},
		{Name: "invoices", When: routing.When{Keywords: []string{"invoice", "factuur", "חשבונית"}}, Department: "billing"},
		{Name: "vip", When: routing.When{Attributes: map[string]string{"tier": "VIP"}}, Priority: baton.PriorityHigh},
		{Name: "complaints", When: routing.When{Intents: []string{"complaint"}}, Priority: baton.PriorityHigh},
		{Name: "frustrated on whatsapp", When: routing.When{Triggers: []baton.Trigger{baton.TriggerFrustration},
			Channels: []baton.Channel{baton.ChannelWhatsApp}}, Priority: baton.PriorityUrgent},
		{Name: "dutch", When: routing.When{Locales: []string{"nl"}}, Department: "nl-team"},
		{Name: "anyone with an account", When: routing.When{Attributes: map[string]string{"account": "*"}}, Priority: baton.PriorityNormal},
	}, exists)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoute(t *testing.T) {
	r := router(t)
	conv := func(ch baton.Channel, locale string, attrs map[string]string) *baton.Conversation {
		return &baton.Conversation{Channel: ch, Locale: locale, Contact: baton.Contact{Attributes: attrs}}
	}
	tests := []struct {
		name     string
		c        *baton.Conversation
		req      baton.HandoffRequest
		text     string
		dept     string
		priority baton.Priority
	}{
		{"intent", conv(baton.ChannelWeb, "en", nil), baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent, Intent: "personal_data"}, "delete my data", "privacy", ""},
		{"keyword, any case and punctuation", conv(baton.ChannelWeb, "en", nil), baton.HandoffRequest{Trigger: baton.TriggerText}, "Where is my INVOICE?!", "billing", ""},
		{"keyword in Hebrew with niqqud", conv(baton.ChannelWeb, "he", nil), baton.HandoffRequest{Trigger: baton.TriggerText}, "איפה החשבונית? אני רוצה חֶשְׁבּוֹנִית", "billing", ""},
		{"keywords are whole words", conv(baton.ChannelWeb, "en", nil), baton.HandoffRequest{Trigger: baton.TriggerText}, "invoices? no, invoiceless", "", ""},
		{"first department wins, priorities add up", conv(baton.ChannelWeb, "en", map[string]string{"tier": "vip"}), baton.HandoffRequest{Trigger: baton.TriggerText, Intent: "personal_data"}, "my invoice", "privacy", baton.PriorityHigh},
		{"trigger and channel together", conv(baton.ChannelWhatsApp, "en", nil), baton.HandoffRequest{Trigger: baton.TriggerFrustration}, "", "", baton.PriorityUrgent},
		{"trigger without the channel", conv(baton.ChannelWeb, "en", nil), baton.HandoffRequest{Trigger: baton.TriggerFrustration}, "", "", ""},
		{"language of a regional locale", conv(baton.ChannelWeb, "nl-BE", nil), baton.HandoffRequest{Trigger: baton.TriggerText}, "hallo", "nl-team", ""},
		{"a keyword rule comes before the locale rule", conv(baton.ChannelWeb, "nl", nil), baton.HandoffRequest{Trigger: baton.TriggerText}, "mijn factuur", "billing", ""},
		{"any attribute value", conv(baton.ChannelAPI, "en", map[string]string{"account": "A1"}), baton.HandoffRequest{Trigger: baton.TriggerBot}, "", "", baton.PriorityNormal},
		{"an empty attribute is no value", conv(baton.ChannelAPI, "en", map[string]string{"account": " "}), baton.HandoffRequest{Trigger: baton.TriggerBot}, "", "", ""},
		{"nothing matches", conv(baton.ChannelTelegram, "fr", nil), baton.HandoffRequest{Trigger: baton.TriggerUnknown}, "bonjour", "", ""},
	}
	for _, tt := range tests {
		dept, prio := r.Route(tt.c, tt.req, tt.text)
		if dept != tt.dept || prio != tt.priority {
			t.Errorf("%s: %q, %q; want %q, %q", tt.name, dept, prio, tt.dept, tt.priority)
		}
	}
}

func TestNewRefusesBadRules(t *testing.T) {
	for _, tt := range []struct {
		rule routing.Rule
		want string
	}{
		{routing.Rule{Name: "x"}, "set a department, a priority or both"},
		{routing.Rule{Department: "nowhere"}, `rule #1: unknown department "nowhere"`},
		{routing.Rule{Priority: "asap"}, `unknown priority "asap"`},
		{routing.Rule{Priority: "high", When: routing.When{Triggers: []baton.Trigger{"angry"}}}, `unknown trigger "angry"`},
		{routing.Rule{Priority: "high", When: routing.When{Channels: []baton.Channel{"fax"}}}, `unknown channel "fax"`},
		{routing.Rule{Priority: "high", When: routing.When{Keywords: []string{"?!"}}}, "has no letters or digits"},
	} {
		_, err := routing.New([]routing.Rule{tt.rule}, exists)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.rule, err, tt.want)
		}
	}
}
