package bot_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/bot"
	"gopkg.in/yaml.v3"
)

// demoConfig reads the bot section of the demo configuration Baton ships.
func demoConfig(tb testing.TB) bot.Config {
	tb.Helper()
	raw, err := os.ReadFile("../cmd/baton/demo.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var file struct {
		Bot  bot.Config     `yaml:"bot"`
		Rest map[string]any `yaml:",inline"` // the rest of Baton's settings
	}
	// Every key of the bot section must mean something.
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		tb.Fatal(err)
	}
	return file.Bot
}

func mustNew(tb testing.TB, cfg bot.Config) *bot.Bot {
	tb.Helper()
	b, err := bot.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func demoBot(tb testing.TB) *bot.Bot { return mustNew(tb, demoConfig(tb)) }

// chat plays a conversation with the bot, remembering its state and the
// recent timeline the way Baton does.
type chat struct {
	t      *testing.T
	b      *bot.Bot
	conv   *baton.Conversation
	recent []baton.Message
}

func newChat(t *testing.T, b *bot.Bot, locale string) *chat {
	return &chat{t: t, b: b, conv: &baton.Conversation{ID: "c1", Locale: locale, Mode: baton.ModeBot}}
}

func (c *chat) send(text, payload string) *baton.BotReply {
	c.t.Helper()
	r, err := c.b.Reply(context.Background(), baton.BotRequest{Conversation: c.conv, Text: text, Payload: payload, Recent: c.recent})
	if err != nil {
		c.t.Fatalf("%q: %v", text, err)
	}
	if len(r.Messages) == 0 && r.Handoff == nil {
		c.t.Fatalf("%q: a reply with neither message nor handoff", text)
	}
	c.recent = append(c.recent, baton.Message{Author: baton.AuthorCustomer, Text: text, Payload: payload})
	for i, m := range r.Messages {
		e := baton.Message{Author: baton.AuthorBot, Text: m.Text, Buttons: m.Buttons}
		if i == 0 {
			e.Intent = r.Intent
		}
		c.recent = append(c.recent, e)
	}
	if r.State != nil {
		c.conv.BotState = r.State.Clone()
		if c.conv.BotState.Empty() {
			c.conv.BotState = nil
		}
	}
	return r
}

func (c *chat) say(text string) *baton.BotReply { c.t.Helper(); return c.send(text, "") }

func (c *chat) tap(b baton.Button) *baton.BotReply { c.t.Helper(); return c.send(b.Title, b.Payload) }

// matchCase is a message in a locale and the intent it must match ("" for none).
type matchCase struct{ locale, text, intent string }

// margin keeps test messages clear of the threshold, so a small change of
// weights shows up here rather than in front of customers.
const margin = 0.05

func TestDemoExamplesMatchTheirIntent(t *testing.T) {
	cfg := demoConfig(t)
	b := mustNew(t, cfg)
	n := 0
	for _, in := range cfg.Intents {
		for _, locale := range slices.Sorted(maps.Keys(in.Examples)) {
			if len(in.Examples[locale]) < 4 || len(in.Examples[locale]) > 10 {
				t.Errorf("%s/%s: %d examples, want 4 to 10", in.Name, locale, len(in.Examples[locale]))
			}
			for _, ex := range in.Examples[locale] {
				n++
				if got, score := b.Match(ex, locale); got != in.Name {
					t.Errorf("%s example %q matches %q (%.2f)", in.Name, ex, got, score)
				}
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d examples in the demo", n)
	}
}

func TestMatchTypicalQuestions(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []matchCase{
		{"en", "How long does delivery take?", "shipping"},
		{"en", "what are the shipping costs", "shipping"},
		{"en", "Hi! How long does shipping take to Amsterdam?", "shipping"},
		{"en", "Do you also deliver to Germany?", "international_shipping"},
		{"en", "how much does shipping cost to germany", "international_shipping"},
		{"en", "I want to return my shoes", "returns"},
		{"en", "when will I get my refund?", "refund"},
		{"en", "what time do you open on saturday", "opening_hours"},
		{"en", "can I pay with PayPal?", "payment_methods"},
		{"en", "Where is my order??", "order_status"},
		{"en", "I need to change my address", "change_address"},
		{"en", "Is the blue sweater in stock?", "stock"},
		{"en", "can I get an invoice for my order", "invoice"},
		{"en", "Hi there, I ordered a jacket last week and it still hasn't arrived, where is it?", "order_status"},
		{"en", "hello!", "greeting"},
		{"en", "thanks a lot!", "thanks"},
		{"en", "ok bye", "goodbye"},
		{"nl", "Hoe lang duurt de bezorging?", "shipping"},
		{"nl", "wat zijn de verzendkosten", "shipping"},
		{"nl", "Ik wil mijn jas retourneren", "returns"},
		{"nl", "Wanneer krijg ik mijn geld terug?", "refund"},
		{"nl", "Zijn jullie op zondag open?", "opening_hours"},
		{"nl", "Kan ik betalen met iDEAL?", "payment_methods"},
		{"nl", "Waar blijft mijn bestelling?", "order_status"},
		{"nl", "ik wil mijn adres wijzigen", "change_address"},
		{"nl", "Is deze trui nog op voorraad?", "stock"},
		{"nl", "Ik heb een factuur nodig van mijn bestelling", "invoice"},
		{"nl", "hallo!", "greeting"},
		{"nl", "dankjewel!", "thanks"},
		{"nl", "doei", "goodbye"},
		{"he", "כמה זמן לוקח המשלוח?", "shipping"},
		{"he", "כמה עולים דמי המשלוח", "shipping"},
		{"he", "וכמה עולה משלוח לישראל?", "international_shipping"},
		{"he", "איך אני מחזיר מוצר?", "returns"},
		{"he", "מתי יגיע הזיכוי שלי?", "refund"},
		{"he", "מתי אתם פתוחים?", "opening_hours"},
		{"he", "אפשר לשלם עם כרטיס אשראי?", "payment_methods"},
		{"he", "איפה ההזמנה שלי?", "order_status"},
		{"he", "אני רוצה לשנות את הכתובת", "change_address"},
		{"he", "יש לכם את זה במלאי?", "stock"},
		{"he", "אפשר לקבל חשבונית על ההזמנה?", "invoice"},
		{"he", "שלום", "greeting"},
		{"he", "תודה רבה!", "thanks"},
		{"he", "ביי", "goodbye"},
	} {
		got, score := b.Match(tt.text, tt.locale)
		if got != tt.intent || score < bot.MatchThreshold+margin {
			t.Errorf("%s %q: got %q (%.2f), want %q", tt.locale, tt.text, got, score, tt.intent)
		}
	}
}

func TestMatchTypos(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []matchCase{
		{"en", "shiping costs", "shipping"},
		{"en", "retrun policy", "returns"},
		{"en", "how long does shiping take", "shipping"},
		{"en", "were is my oder", "order_status"},
		{"en", "paymnet methods", "payment_methods"},
		{"en", "opening horus", "opening_hours"},
		{"nl", "verzendkosen", "shipping"},
		{"nl", "verzndkostn", "shipping"}, // two letters missing in a long word
		{"nl", "hoe kan ik iets retourneeren", "returns"},
		{"nl", "openingstijdne", "opening_hours"},
		{"he", "כמה עולה משלוך", "shipping"},
		{"he", "איפה החשבונת שלי", "invoice"},
	} {
		got, score := b.Match(tt.text, tt.locale)
		if got != tt.intent || score < bot.MatchThreshold+margin {
			t.Errorf("%s %q: got %q (%.2f), want %q", tt.locale, tt.text, got, score, tt.intent)
		}
	}
	// A typo counts a bit less than the word itself.
	_, exact := b.Match("shipping costs", "en")
	_, typo := b.Match("shiping costs", "en")
	if typo >= exact {
		t.Errorf("typo scores %.2f, the word itself %.2f", typo, exact)
	}
}

func TestMatchIgnoresNoise(t *testing.T) {
	b := demoBot(t)
	for clean, noisy := range map[string][]string{
		"where is my order":           {"WHERE IS MY ORDER?!?!", "Where... is my order", "  where   is,my-order  ", "Whére is my ordér"},
		"how long does shipping take": {"HOW LONG DOES SHIPPING TAKE???", "how.long-does shipping,take"},
		"כמה עולה משלוח":              {"כַּמָּה עוֹלֶה מִשְׁלוֹחַ?", "\u200fכמה עולה משלוח?\u200f", "\u202bכמה עולה משלוח\u202c"},
		"איפה ההזמנה שלי":             {"אֵיפֹה הַהַזְמָנָה שֶׁלִּי???", "\u200fאיפה ההזמנה שלי?"},
		"hoe laat gaan jullie dicht":  {"Hoe laat gaan jullie dicht?!", "HOE LAAT GAAN JULLIE DICHT"},
	} {
		want, wantScore := b.Match(clean, "en")
		if want == "" {
			t.Fatalf("%q matches nothing", clean)
		}
		for _, text := range noisy {
			if got, score := b.Match(text, "en"); got != want || score != wantScore {
				t.Errorf("%q: got %q (%.2f), want %q (%.2f) as for %q", text, got, score, want, wantScore, clean)
			}
		}
	}
}

func TestMatchHebrewPrefixes(t *testing.T) {
	b := demoBot(t)
	// "ו" (and), "ה" (the), "ב" (in), "ל" (to) written onto the word.
	for text, want := range map[string]string{
		"ובמשלוח":                    "shipping",
		"והחשבונית":                  "invoice",
		"ומה לגבי המנוי":             "change_subscription",
		"ולתלונה":                    "complaint",
		"ולגבי ההחזר הכספי":          "refund",
		"ומה עם החזר כספי בבקשה":     "refund",
		"ומה עם התשלום":              "payment_methods",
		"ובאיזו שעה אתם סוגרים היום": "opening_hours",
	} {
		if got, score := b.Match(text, "he"); got != want {
			t.Errorf("%q: got %q (%.2f), want %q", text, got, score, want)
		}
	}
}

func TestMatchUnrelatedMessagesFallBack(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []matchCase{
		// Near misses: they share words with examples, but not the topic.
		{"en", "where is the train station", ""},
		{"en", "how long is the movie", ""},
		{"en", "what time is it in Tokyo", ""},
		{"en", "I ordered a pizza", ""},
		{"en", "my cat is sick", ""},
		{"en", "can you recommend a good book", ""},
		{"en", "what is your name", ""},
		{"en", "what's the weather like", ""},
		{"en", "I like turtles", ""},
		{"en", "no idea", ""},
		{"en", "is it going to rain tomorrow", ""},
		{"en", "I don't know, it was last Tuesday", ""},
		{"en", "100234", ""},
		{"en", "lol", ""},
		{"en", "", ""},
		{"nl", "waar is het station", ""},
		{"nl", "het weer is mooi vandaag", ""},
		{"nl", "hoe laat is het in Tokio", ""},
		{"nl", "mijn kat is ziek", ""},
		{"nl", "ik wil een pizza bestellen", ""},
		{"he", "מה השעה", ""},
		{"he", "איפה התחנה", ""},
		{"he", "מה מזג האוויר היום", ""},
		{"he", "החתול שלי חולה", ""},
		{"he", "אני רוצה פיצה", ""}, // "רוצה" (want) is also "מרוצה" (satisfied) without its prefix
	} {
		if got, score := b.Match(tt.text, tt.locale); got != "" || score > bot.MatchThreshold-margin {
			t.Errorf("%s %q: got %q (%.2f), want no match", tt.locale, tt.text, got, score)
		}
	}
}

func TestMatchPrefersTheCustomersLanguage(t *testing.T) {
	cfg := bot.Config{Fallback: baton.Localized{"": "?"}, Intents: []bot.Intent{
		{Name: "english", Examples: map[string][]string{"en": {"super deal"}}, Answer: baton.Localized{"": "a"}},
		{Name: "dutch", Examples: map[string][]string{"nl": {"super deal"}}, Answer: baton.Localized{"": "b"}},
	}}
	b := mustNew(t, cfg)
	for locale, want := range map[string]string{"en": "english", "nl": "dutch", "nl-BE": "dutch", "de": "english"} {
		if got, _ := b.Match("Super deal!", locale); got != want {
			t.Errorf("%s: got %q, want %q", locale, got, want)
		}
	}
}

func TestReplyAnswersInTheCustomersLanguage(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct{ locale, text, intent, contains string }{
		{"en", "how much is shipping?", "shipping", "€4.95"},
		{"nl", "wat kost verzenden?", "shipping", "€4,95"},
		{"nl-BE", "wat kost verzenden?", "shipping", "€4,95"},
		{"he", "כמה עולה משלוח?", "shipping", "דמי המשלוח"},
		{"he", "how much is shipping?", "shipping", "דמי המשלוח"}, // English question, Hebrew customer
		{"de", "how much is shipping?", "shipping", "€4.95"},      // no German answer: English
		{"pt-BR", "returns", "returns", "30 days"},
		{"en", "what are your opening hours", "opening_hours", "Monday to Saturday, 9:00–18:00"},
	} {
		r := newChat(t, b, tt.locale).say(tt.text)
		if !r.Understood || r.Intent != tt.intent || r.Handoff != nil || !strings.Contains(r.Messages[0].Text, tt.contains) {
			t.Errorf("%s %q: got %+v", tt.locale, tt.text, r)
		}
	}
}

func TestReplyFallback(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct{ locale, text, contains, button string }{
		{"en", "my cat is sick", "didn't quite get that", "Talk to a person"},
		{"nl", "mijn kat is ziek", "begreep ik niet", "Medewerker spreken"},
		{"he", "החתול שלי חולה", "לא הבנתי", "לדבר עם נציג"},
		{"de", "Meine Katze ist krank", "didn't quite get that", "Talk to a person"},
	} {
		r := newChat(t, b, tt.locale).say(tt.text)
		if r.Understood || r.Intent != "" || r.Handoff != nil || r.State != nil || len(r.Messages) != 1 {
			t.Fatalf("%s %q: got %+v", tt.locale, tt.text, r)
		}
		m := r.Messages[0]
		if !strings.Contains(m.Text, tt.contains) || len(m.Buttons) != 4 {
			t.Fatalf("%s: fallback %+v", tt.locale, m)
		}
		if last := m.Buttons[3]; last.Title != tt.button || last.Payload != "agent" {
			t.Errorf("%s: last button %+v", tt.locale, last)
		}
		if got := []string{m.Buttons[0].Payload, m.Buttons[1].Payload, m.Buttons[2].Payload}; !slices.Equal(got, []string{"shipping", "returns", "order_status"}) {
			t.Errorf("%s: topic buttons %q", tt.locale, got)
		}
	}
}

func TestReplyPayloadSelectsIntent(t *testing.T) {
	b := demoBot(t)
	c := newChat(t, b, "nl")
	fallback := c.say("blabla")
	r := c.tap(fallback.Messages[0].Buttons[1]) // Retourneren
	if !r.Understood || r.Intent != "returns" || !strings.Contains(r.Messages[0].Text, "30 dagen") {
		t.Errorf("returns button: %+v", r)
	}
	// A payload that names no intent leaves the text to be read.
	r = c.send("wat kost verzenden", "something-else")
	if r.Intent != "shipping" {
		t.Errorf("unknown payload: %+v", r)
	}
}

func TestReplySensitiveIntentsHandOff(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct {
		locale, text, intent, department string
		priority                         baton.Priority
	}{
		{"en", "I want to cancel my order please", "cancel_order", "", ""},
		{"nl", "kan ik mijn bestelling nog annuleren?", "cancel_order", "", ""},
		{"he", "הזמנתי בטעות, אפשר לבטל?", "cancel_order", "", ""},
		{"en", "how do I cancel my subscription", "change_subscription", "", ""},
		{"nl", "ik wil mijn abonnement opzeggen", "change_subscription", "", ""},
		{"he", "אני רוצה לבטל את המנוי", "change_subscription", "", ""},
		{"en", "please delete all my personal data", "personal_data", "privacy", ""},
		{"nl", "verwijder al mijn gegevens", "personal_data", "privacy", ""},
		{"he", "אני רוצה למחוק את כל המידע שלי", "personal_data", "privacy", ""},
		{"en", "I want to make a complaint, terrible service", "complaint", "", baton.PriorityHigh},
		{"nl", "ik wil een klacht indienen over jullie service", "complaint", "", baton.PriorityHigh},
		{"he", "אני רוצה להגיש תלונה על השירות", "complaint", "", baton.PriorityHigh},
	} {
		r := newChat(t, b, tt.locale).say(tt.text)
		h := r.Handoff
		if !r.Understood || r.Intent != tt.intent || h == nil || len(r.Messages) != 1 {
			t.Errorf("%s %q: got %+v", tt.locale, tt.text, r)
			continue
		}
		if h.Trigger != baton.TriggerSensitiveIntent || h.Intent != tt.intent || h.Reason != "sensitive topic: "+tt.intent ||
			h.Department != tt.department || h.Priority != tt.priority {
			t.Errorf("%s %q: handoff %+v", tt.locale, tt.text, h)
		}
		if len(r.Messages[0].Buttons) != 0 {
			t.Errorf("%s %q: a handoff answer asks nothing: %+v", tt.locale, tt.text, r.Messages[0])
		}
	}
}

func TestReplySensitiveIntentRunsNoFlow(t *testing.T) {
	cfg := bot.Config{Fallback: baton.Localized{"": "?"}, Intents: []bot.Intent{{
		Name: "refund_dispute", Sensitive: true, Department: "billing",
		Examples: map[string][]string{"en": {"dispute a charge"}},
		Slots:    []bot.Slot{{DetailSpec: baton.DetailSpec{Key: "order_number", Kind: baton.DetailOrderNumber}}},
	}}}
	c := newChat(t, mustNew(t, cfg), "en")
	c.conv.BotState = &baton.BotState{Slots: map[string]string{"email": "ann@example.com"}}
	r := c.say("I want to dispute a charge")
	if r.Handoff == nil || r.Handoff.Department != "billing" || len(r.Messages) != 0 || r.State != nil {
		t.Fatalf("got %+v", r)
	}
	// What the bot collected before goes along, so it is not asked again.
	if r.Handoff.Details["email"] != "ann@example.com" {
		t.Errorf("details %v", r.Handoff.Details)
	}
}

func TestOrderStatusFlow(t *testing.T) {
	b := demoBot(t)
	c := newChat(t, b, "en")
	r := c.say("where is my order?")
	if !r.Understood || r.Intent != "order_status" || !strings.Contains(r.Messages[0].Text, "order number") || len(r.Messages) != 1 {
		t.Fatalf("ask: %+v", r)
	}
	if s := c.conv.BotState; s == nil || s.Flow != "order_status" || s.Pending != "order_number" {
		t.Fatalf("state after the question: %+v", s)
	}
	r = c.say("I don't know, it was last Tuesday")
	if !r.Understood || r.Intent != "order_status" || r.State != nil ||
		!strings.HasPrefix(r.Messages[0].Text, "Hmm, that doesn't look like an order number.") || !strings.Contains(r.Messages[0].Text, "What's your order number?") {
		t.Fatalf("re-ask: %+v", r)
	}
	r = c.say("It's #100234")
	want := "Here's the live status of order 100234:\nhttps://shop.example.com/track/100234\n"
	if !r.Understood || r.Intent != "order_status" || !strings.HasPrefix(r.Messages[0].Text, want) {
		t.Fatalf("answer: %+v", r)
	}
	if len(r.Messages) != 2 || len(r.Messages[1].Buttons) != 2 {
		t.Errorf("the answer asks whether it helped: %+v", r.Messages)
	}
	if s := r.State; s == nil || s.Flow != "" || s.Pending != "" || s.Slots["order_number"] != "100234" {
		t.Fatalf("state after the answer: %+v", r.State)
	}
	// Later, the order number is known: no question.
	r = c.say("Is my order shipped yet?")
	if r.Intent != "order_status" || !strings.Contains(r.Messages[0].Text, "/track/100234") || r.State != nil {
		t.Errorf("known order number: %+v", r)
	}
	// A handoff carries it too.
	r = c.say("I want to file a complaint")
	if r.Handoff == nil || r.Handoff.Details["order_number"] != "100234" {
		t.Errorf("complaint handoff: %+v", r.Handoff)
	}
}

func TestOrderStatusFlowInDutchAndHebrew(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct{ locale, ask, prompt, answer, link string }{
		{"nl", "waar blijft mijn pakket", "Wat is je bestelnummer?", "bestelnummer is EX-100234", "Hier zie je de actuele status van bestelling EX-100234"},
		{"he", "איפה ההזמנה שלי", "מה מספר ההזמנה?", "100234", "זה הסטטוס העדכני של הזמנה 100234"},
	} {
		c := newChat(t, b, tt.locale)
		if r := c.say(tt.ask); !strings.Contains(r.Messages[0].Text, tt.prompt) {
			t.Fatalf("%s: ask %+v", tt.locale, r)
		}
		if r := c.say(tt.answer); !strings.HasPrefix(r.Messages[0].Text, tt.link) {
			t.Errorf("%s: answer %+v", tt.locale, r)
		}
	}
}

func TestFlowGivesUpAfterTwoInvalidAnswers(t *testing.T) {
	b := demoBot(t)
	c := newChat(t, b, "en")
	c.say("track my order")
	if r := c.say("no idea"); !r.Understood {
		t.Fatalf("first invalid answer: %+v", r)
	}
	r := c.say("still no idea")
	if r.Understood || r.Intent != "" || !strings.Contains(r.Messages[0].Text, "didn't quite get that") {
		t.Fatalf("second invalid answer: %+v", r)
	}
	if r.State == nil || r.State.Flow != "" || c.conv.BotState != nil {
		t.Errorf("the flow is not over: %+v", r.State)
	}
}

func TestFlowCancel(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct{ locale, ask, cancel, said string }{
		{"en", "where is my order", "cancel", "I've stopped"},
		{"en", "where is my order", "Never mind!", "I've stopped"},
		{"nl", "waar is mijn bestelling", "laat maar", "ik stop ermee"},
		{"nl", "waar is mijn bestelling", "annuleren", "ik stop ermee"},
		{"he", "איפה ההזמנה שלי", "ביטול", "עצרתי"},
		{"de", "where is my order", "abbrechen", "I've stopped"},
	} {
		c := newChat(t, b, tt.locale)
		c.say(tt.ask)
		r := c.say(tt.cancel)
		if !r.Understood || r.Intent != bot.IntentCancelFlow || !strings.Contains(r.Messages[0].Text, tt.said) || c.conv.BotState != nil {
			t.Errorf("%s %q: %+v, state %+v", tt.locale, tt.cancel, r, c.conv.BotState)
		}
	}
}

func TestFlowSwitchesToAClearOtherQuestion(t *testing.T) {
	b := demoBot(t)
	c := newChat(t, b, "en")
	c.conv.BotState = &baton.BotState{Slots: map[string]string{"email": "ann@example.com"}}
	c.say("where is my order")
	r := c.say("actually, how much does shipping cost?")
	if !r.Understood || r.Intent != "shipping" || !strings.Contains(r.Messages[0].Text, "€4.95") {
		t.Fatalf("switch: %+v", r)
	}
	if s := r.State; s == nil || s.Flow != "" || s.Pending != "" || s.Slots["email"] != "ann@example.com" {
		t.Errorf("state after leaving the flow: %+v", s)
	}
	// A sensitive topic mid-flow hands off rather than stopping the flow.
	c.say("where is my order")
	r = c.say("I want to cancel my order")
	if r.Intent != "cancel_order" || r.Handoff == nil || r.State == nil || r.State.Flow != "" {
		t.Errorf("cancel order mid-flow: %+v", r)
	}
}

func TestFlowSkipsKnownSlots(t *testing.T) {
	cfg := bot.Config{Fallback: baton.Localized{"": "?"}, Intents: []bot.Intent{{
		Name:     "newsletter",
		Examples: map[string][]string{"en": {"subscribe to the newsletter"}},
		Answer:   baton.Localized{"en": "Done, {name}: {email} gets our news."},
		Slots: []bot.Slot{
			{DetailSpec: baton.DetailSpec{Key: "name", Prompt: baton.Localized{"en": "Your name?"}}},
			{DetailSpec: baton.DetailSpec{Key: "email", Kind: baton.DetailEmail}},
		},
	}}}
	b := mustNew(t, cfg)
	c := newChat(t, b, "en")
	c.conv.Contact = baton.Contact{Email: "ann@example.com"}
	if r := c.say("subscribe me to the newsletter"); r.Messages[0].Text != "Your name?" || r.State.Pending != "name" {
		t.Fatalf("ask: %+v", r)
	}
	r := c.say("Ann")
	if r.Messages[0].Text != "Done, Ann: ann@example.com gets our news." {
		t.Fatalf("answer: %+v", r)
	}
	if r.State == nil || r.State.Slots["name"] != "Ann" || r.State.Slots["email"] != "" {
		t.Errorf("state holds what was collected: %+v", r.State)
	}
	// Without a contact email, the built-in question for the kind is asked.
	c = newChat(t, b, "nl")
	c.conv.Contact.Name = "Bram"
	if r := c.say("subscribe to the newsletter"); r.Messages[0].Text != "Wat is je e-mailadres?" {
		t.Errorf("email question: %+v", r)
	}
	if r := c.say("bram at example"); !strings.HasPrefix(r.Messages[0].Text, "Dat lijkt geen e-mailadres") {
		t.Errorf("email hint: %+v", r)
	}
	if r := c.say("Bram@Example.com"); r.Messages[0].Text != "Done, Bram: bram@example.com gets our news." {
		t.Errorf("normalised email: %+v", r)
	}
}

func TestFlowValueInALinkIsEscaped(t *testing.T) {
	b := demoBot(t)
	c := newChat(t, b, "en")
	c.say("where is my order")
	r := c.say("AB#1234")
	if !strings.Contains(r.Messages[0].Text, "order AB#1234:\nhttps://shop.example.com/track/AB%231234\n") {
		t.Errorf("answer: %q", r.Messages[0].Text)
	}
}

func TestHelpfulQuestion(t *testing.T) {
	b := demoBot(t)
	r := newChat(t, b, "nl").say("hoe kan ik betalen")
	if len(r.Messages) != 2 {
		t.Fatalf("messages: %+v", r.Messages)
	}
	q := r.Messages[1]
	if q.Text != "Heeft dit je geholpen?" || !slices.Equal(q.Buttons, []baton.Button{{Title: "Ja", Payload: baton.PayloadHelpful}, {Title: "Nee", Payload: baton.PayloadNotHelpful}}) {
		t.Errorf("question: %+v", q)
	}
	// Not under small talk, answers with buttons of their own, or handoffs.
	for _, text := range []string{"thanks", "hello", "bye", "I want to file a complaint"} {
		r := newChat(t, b, "en").say(text)
		for _, m := range r.Messages {
			for _, btn := range m.Buttons {
				if btn.Payload == baton.PayloadHelpful {
					t.Errorf("%q asks whether it helped: %+v", text, r.Messages)
				}
			}
		}
	}
}

func TestHelpfulYes(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct{ locale, answer, want string }{
		{"en", "", "glad I could help"}, // the button
		{"en", "yes thanks!", "glad I could help"},
		{"en", "👍", "glad I could help"},
		{"nl", "ja hoor", "Fijn dat ik je kon helpen"},
		{"nl", "ja, maar hoe lang duurt het?", ""}, // a new question, not an answer
		{"nl", "ja, bedankt", "Fijn dat ik je kon helpen"},
		{"he", "כן תודה", "שמחתי לעזור"},
	} {
		c := newChat(t, b, tt.locale)
		r := c.say("returns")
		var yes baton.Button
		for _, btn := range r.Messages[len(r.Messages)-1].Buttons {
			if btn.Payload == baton.PayloadHelpful {
				yes = btn
			}
		}
		if tt.answer == "" {
			r = c.tap(yes)
		} else {
			r = c.say(tt.answer)
		}
		if tt.want == "" {
			if r.Intent == bot.IntentHelpful {
				t.Errorf("%s %q read as yes", tt.locale, tt.answer)
			}
			continue
		}
		if !r.Understood || r.Intent != bot.IntentHelpful || r.Handoff != nil || !strings.Contains(r.Messages[0].Text, tt.want) {
			t.Errorf("%s %q: %+v", tt.locale, tt.answer, r)
		}
	}
	// "yes" out of the blue is no answer to anything.
	if r := newChat(t, b, "en").say("yes"); r.Understood || r.Intent == bot.IntentHelpful {
		t.Errorf("yes without a question: %+v", r)
	}
}

func TestHelpfulNoHandsOff(t *testing.T) {
	b := demoBot(t)
	for _, tt := range []struct{ locale, question, answer string }{
		{"en", "how long does shipping take", ""},
		{"en", "how long does shipping take", "no, not really"},
		{"nl", "hoe lang duurt de verzending", "nee"},
		{"he", "כמה זמן לוקח משלוח", "לא"},
		{"en", "how long does shipping take", "👎"},
	} {
		c := newChat(t, b, tt.locale)
		r := c.say(tt.question)
		if tt.answer == "" {
			r = c.tap(r.Messages[1].Buttons[1])
		} else {
			r = c.say(tt.answer)
		}
		h := r.Handoff
		if !r.Understood || r.Intent != bot.IntentNotHelpful || h == nil || len(r.Messages) != 1 {
			t.Errorf("%s %q: %+v", tt.locale, tt.answer, r)
			continue
		}
		if h.Trigger != baton.TriggerFeedback || h.Intent != "shipping" || h.Reason != "the answer did not help: shipping" {
			t.Errorf("%s %q: handoff %+v", tt.locale, tt.answer, h)
		}
	}
	// The answer that did not help routes the handoff.
	cfg := demoConfig(t)
	for i := range cfg.Intents {
		if cfg.Intents[i].Name == "invoice" {
			cfg.Intents[i].Department, cfg.Intents[i].Priority = "billing", baton.PriorityLow
		}
	}
	c := newChat(t, mustNew(t, cfg), "en")
	c.say("where can I find my invoice")
	if r := c.tap(baton.Button{Title: "No", Payload: baton.PayloadNotHelpful}); r.Handoff.Department != "billing" || r.Handoff.Priority != baton.PriorityLow {
		t.Errorf("routing of the feedback: %+v", r.Handoff)
	}
}

func TestIntents(t *testing.T) {
	infos := demoBot(t).Intents()
	byName := map[string]bot.IntentInfo{}
	for _, in := range infos {
		byName[in.Name] = in
	}
	want := map[string]bot.IntentInfo{
		"shipping":            {Name: "shipping"},
		"order_status":        {Name: "order_status"},
		"cancel_order":        {Name: "cancel_order", Sensitive: true},
		"change_subscription": {Name: "change_subscription", Sensitive: true},
		"personal_data":       {Name: "personal_data", Sensitive: true, Department: "privacy"},
		"complaint":           {Name: "complaint", Sensitive: true, Priority: baton.PriorityHigh},
	}
	for name, w := range want {
		if byName[name] != w {
			t.Errorf("%s: got %+v, want %+v", name, byName[name], w)
		}
	}
	if len(infos) != 17 || infos[0].Name != "greeting" {
		t.Errorf("intents: %+v", infos)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	ok := func() bot.Config {
		return bot.Config{Fallback: baton.Localized{"en": "Sorry?"}, Intents: []bot.Intent{{
			Name: "order_status", Examples: map[string][]string{"en": {"where is my order"}},
			Answer: baton.Localized{"en": "Order {order_number}"},
			Slots:  []bot.Slot{{DetailSpec: baton.DetailSpec{Key: "order_number", Kind: baton.DetailOrderNumber}}},
		}}}
	}
	if _, err := bot.New(ok()); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for want, change := range map[string]func(*bot.Config){
		"fallback is not set":                    func(c *bot.Config) { c.Fallback = nil },
		`intent "order_status" is defined twice`: func(c *bot.Config) { c.Intents = append(c.Intents, c.Intents[0]) },
		"intent 1 has no name":                   func(c *bot.Config) { c.Intents[0].Name = "" },
		`intent name "helpful" is reserved`:      func(c *bot.Config) { c.Intents[0].Name = bot.IntentHelpful },
		"has no answer":                          func(c *bot.Config) { c.Intents[0].Answer = nil },
		`unknown kind "shoe"`:                    func(c *bot.Config) { c.Intents[0].Slots[0].Kind = "shoe" },
		"pattern: error parsing regexp":          func(c *bot.Config) { c.Intents[0].Slots[0].Pattern = "([0-9]" },
		"kind pattern needs a pattern":           func(c *bot.Config) { c.Intents[0].Slots[0].Kind = baton.DetailPattern },
		`slot "order_number" is defined twice`: func(c *bot.Config) {
			c.Intents[0].Slots = append(c.Intents[0].Slots, c.Intents[0].Slots[0])
		},
		"slot 2 has no key": func(c *bot.Config) { c.Intents[0].Slots = append(c.Intents[0].Slots, bot.Slot{}) },
		`slot "note" needs a prompt`: func(c *bot.Config) {
			c.Intents[0].Slots = append(c.Intents[0].Slots, bot.Slot{DetailSpec: baton.DetailSpec{Key: "note"}})
		},
		"uses {email}, which is not one of its slots": func(c *bot.Config) { c.Intents[0].Answer["en"] = "Mail to {email}" },
		"cannot use {order_number}":                   func(c *bot.Config) { c.Intents[0].Sensitive = true },
		`unknown priority "asap"`:                     func(c *bot.Config) { c.Intents[0].Priority = "asap" },
		"fallback button 1 needs a title and a payload": func(c *bot.Config) {
			c.FallbackButtons = []bot.Button{{Title: baton.Localized{"en": "Shipping"}}}
		},
		"helpful needs a question": func(c *bot.Config) { c.Helpful = &bot.Helpful{Yes: baton.Localized{"": "Yes"}} },
		"longer than 64":           func(c *bot.Config) { c.Intents[0].Name = strings.Repeat("x", 65) },
	} {
		cfg := ok()
		change(&cfg)
		_, err := bot.New(cfg)
		if err == nil || !strings.Contains(err.Error(), want) || baton.ErrorCode(err) != baton.EINVALID {
			t.Errorf("%s: got %v", want, err)
		}
	}
	// Every problem is reported at once.
	cfg := ok()
	cfg.Fallback, cfg.Intents[0].Priority = nil, "asap"
	if _, err := bot.New(cfg); err == nil || !strings.Contains(err.Error(), "fallback") || !strings.Contains(err.Error(), "asap") {
		t.Errorf("two problems: %v", err)
	}
}

func TestNewLeavesConfigAlone(t *testing.T) {
	cfg := bot.Config{Fallback: baton.Localized{"": "?"}, Intents: []bot.Intent{{
		Name: "ask", Examples: map[string][]string{"en": {"question"}}, Answer: baton.Localized{"": "{order}"},
		Slots: []bot.Slot{{DetailSpec: baton.DetailSpec{Key: "order", Kind: baton.DetailOrderNumber}}},
	}}}
	mustNew(t, cfg)
	if s := cfg.Intents[0].Slots[0]; s.Pattern != "" || s.Regexp() != nil {
		t.Errorf("New compiled the caller's slot: %+v", s)
	}
}

func TestReplyWithoutConversation(t *testing.T) {
	r, err := demoBot(t).Reply(context.Background(), baton.BotRequest{Text: "refund"})
	if err != nil || r.Intent != "refund" {
		t.Errorf("got %+v, %v", r, err)
	}
}

func TestReplyConcurrently(t *testing.T) {
	b := demoBot(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				text, want := "shiping costs", "shipping"
				if i%2 == 1 {
					text, want = "איפה החשבונית שלי", "invoice"
				}
				if got, _ := b.Match(text, "en"); got != want {
					t.Errorf("%q: %q", text, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// benchMessages mix what customers send: questions that match, typos,
// Hebrew with prefixes, and messages the bot does not understand.
var benchMessages = []struct{ locale, text string }{
	{"en", "Hi! How long does shipping take to Amsterdam?"},
	{"en", "shiping costs"},
	{"en", "retrun policy"},
	{"en", "can I pay with PayPal?"},
	{"en", "my cat is sick"},
	{"en", "what's the return on investment"},
	{"nl", "wat zijn de verzendkosen"},
	{"nl", "Ik wil mijn jas retourneren"},
	{"nl", "het weer is mooi vandaag"},
	{"he", "כַּמָּה עוֹלֶה מִשְׁלוֹחַ?"},
	{"he", "ומה עם החזר כספי"},
	{"he", "מה מזג האוויר היום"},
}

func BenchmarkReply(b *testing.B) {
	bt := demoBot(b)
	reqs := make([]baton.BotRequest, len(benchMessages))
	for i, m := range benchMessages {
		reqs[i] = baton.BotRequest{Conversation: &baton.Conversation{Locale: m.locale}, Text: m.text}
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := bt.Reply(ctx, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkMatch(b *testing.B) {
	bt := demoBot(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := benchMessages[i%len(benchMessages)]
		bt.Match(m.text, m.locale)
		i++
	}
}

func BenchmarkNew(b *testing.B) {
	cfg := demoConfig(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bot.New(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
