package trigger_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/trigger"
)

// language is what the tests say, per shipped language, the way a customer
// writes it.
type language struct {
	locale     string
	human      []string // asks for a person
	notHelping []string // says the bot is not helping
	urgent     []string
	yes, no    string // the titles of the "did this help?" buttons
	typedNo    []string
	repeated   string    // asked three times
	shouting   string    // angry and in capitals; "" where the script has no case
	angry      [2]string // two angry messages in a row
	ordinary   []string  // questions the bot should answer itself
}

var languages = []language{
	{
		locale: "en",
		human: []string{"Agent please!", "I want to speak to a human being", "Can I talk to someone?",
			"get me a REAL person", "I need to speak to a manager"},
		notHelping: []string{"this isn't helping", "You're not helping at all", "That doesn't answer my question."},
		urgent:     []string{"This is an emergency", "URGENT: wrong address on my order", "my account was hacked"},
		yes:        "Yes", no: "No",
		typedNo:  []string{"no", "No.", "nope, still broken", "Not really", "no it didn't"},
		repeated: "Where is my order?",
		shouting: "THIS IS RIDICULOUS AND USELESS!!!",
		angry:    [2]string{"ridiculous and pathetic", "useless, a waste of time"},
		ordinary: []string{"How long does delivery take?", "Can I return my shoes?", "Do you sell men's jackets?",
			"What are your customer service hours?", "Is this available in blue?", "Where is my order?",
			"I'd like to change the delivery address", "Can I pay with PayPal?", "What is the agenda for the launch?",
			"Do your agents ship to Canada?", "Is this person-sized?"},
	},
	{
		locale:     "nl",
		human:      []string{"Ik wil een medewerker spreken", "kan ik iemand spreken?", "Mag ik een echt mens aan de lijn", "verbind me door aub"},
		notHelping: []string{"dit helpt niet", "Je begrijpt me niet!", "Hier heb ik niks aan"},
		urgent:     []string{"Het is dringend!", "spoed: verkeerd adres", "mijn account is gehackt"},
		yes:        "Ja", no: "Nee",
		typedNo:  []string{"nee", "Nee, helaas niet", "niet echt"},
		repeated: "Waar is mijn bestelling?",
		shouting: "DIT IS BELACHELIJK EN WAARDELOOS!!!",
		angry:    [2]string{"belachelijk en schandalig", "waardeloos, wat een tijdverspilling"},
		ordinary: []string{"Wat zijn de verzendkosten?", "Hoe lang duurt de levering?", "Kan ik mijn schoenen retourneren?",
			"Ik heb een vraag over mijn factuur", "Wanneer komt mijn pakket?", "Hebben jullie deze jas ook in maat M?",
			"Werken er mensen in jullie winkel op zondag?"},
	},
	{
		locale: "he",
		human: []string{"אני רוצה לדבר עם נציג", "אֲנִי רוֹצֶה לְדַבֵּר עִם נְצִיג", "לנציג בבקשה", "והנציג איפה?",
			"אפשר בן אדם?", "תעבירו אותי למוקדן"},
		notHelping: []string{"זה לא עוזר", "אתה לא מבין אותי"},
		urgent:     []string{"זה דחוף!", "מקרה חירום", "החשבון שלי נפרץ"},
		yes:        "כן", no: "לא",
		typedNo:  []string{"לא", "לא, זה לא עזר", "ממש לא"},
		repeated: "איפה ההזמנה שלי?",
		angry:    [2]string{"זה מגוחך ומזעזע", "חסר תועלת, בזבוז זמן"},
		ordinary: []string{"מתי ההזמנה שלי תגיע", "כמה עולה משלוח?", "אפשר להחזיר נעליים?", "יש לכם את זה במידה M?",
			"מה שעות הפעילות שלכם?", "ההזמנה עוד לא הגיעה"},
	},
	{
		locale:     "de",
		human:      []string{"Ich möchte mit einem Mitarbeiter sprechen", "Bitte einen echten Menschen!", "Kann ich mit jemandem sprechen?"},
		notHelping: []string{"Das hilft mir nicht", "Du verstehst mich nicht"},
		urgent:     []string{"Es ist dringend", "Notfall!", "Mein Konto wurde gehackt"},
		yes:        "Ja", no: "Nein",
		typedNo:  []string{"nein", "Nein, leider nicht", "nicht wirklich"},
		repeated: "Wo ist meine Bestellung?",
		shouting: "DAS IST LÄCHERLICH UND NUTZLOS!!!",
		angry:    [2]string{"lächerlich und unverschämt", "nutzlos, reine Zeitverschwendung"},
		ordinary: []string{"Wo ist meine Bestellung?", "Wie hoch sind die Versandkosten?", "Kann ich meine Schuhe zurückgeben?",
			"Ist der Artikel sofort lieferbar?", "Haben Sie das in Größe 42?"},
	},
	{
		locale:     "fr",
		human:      []string{"Je veux parler à quelqu'un", "Un conseiller svp", "je voudrais parler à une vraie personne"},
		notHelping: []string{"Ça ne m'aide pas", "vous ne comprenez pas"},
		urgent:     []string{"C'est urgent !", "mon compte a été piraté"},
		yes:        "Oui", no: "Non",
		typedNo:  []string{"non", "Non, pas du tout", "pas vraiment"},
		repeated: "Où est ma commande ?",
		shouting: "C'EST RIDICULE ET INUTILE !!!",
		angry:    [2]string{"c'est ridicule et scandaleux", "inutile, quelle perte de temps"},
		ordinary: []string{"Où est ma commande ?", "Combien coûte la livraison ?", "Puis-je retourner mes chaussures ?",
			"Pouvez-vous me conseiller une taille ?", "Quels sont les horaires du service client ?",
			"Avez-vous un costume de pirate ?"},
	},
	{
		locale:     "es",
		human:      []string{"Quiero hablar con un agente", "¿Puedo hablar con una persona?", "necesito un humano"},
		notHelping: []string{"Esto no ayuda", "no me entiendes"},
		urgent:     []string{"¡Es urgente!", "es una emergencia", "me hackearon la cuenta"},
		yes:        "Sí", no: "No",
		typedNo:  []string{"no", "No, para nada", "la verdad no"},
		repeated: "¿Dónde está mi pedido?",
		shouting: "¡¡ES RIDÍCULO E INÚTIL!!",
		angry:    [2]string{"es ridículo e indignante", "inútil, qué pérdida de tiempo"},
		ordinary: []string{"¿Cuánto cuesta el envío?", "¿Dónde está mi pedido?", "¿Puedo devolver mis zapatos?",
			"La talla M no me sirve, ¿puedo cambiarla?", "¿Tienen esta camiseta en azul?", "No entiendo cómo pagar"},
	},
	{
		locale: "ar",
		human: []string{"أريد التحدث إلى موظف", "أُرِيدُ التَّحَدُّثَ إِلَى مُوَظَّفٍ", "أريد التحدث مع الموظف",
			"للموظف لو سمحت", "بدي احكي مع انسان"},
		notHelping: []string{"هذا لا يساعد", "أنت لا تفهم"},
		urgent:     []string{"الأمر عاجل", "حالة طارئة", "تم اختراق حسابي"},
		yes:        "نعم", no: "لا",
		typedNo:  []string{"لا", "لا، لم يساعدني", "كلا"},
		repeated: "أين طلبي؟",
		angry:    [2]string{"هذا سخيف وغير مقبول", "عديم الفائدة، مضيعة للوقت"},
		ordinary: []string{"متى يصل طلبي", "كم تكلفة الشحن؟", "هل يمكنني إرجاع الحذاء؟", "ما هي ساعات العمل؟"},
	},
}

func mustNew(tb testing.TB, cfg trigger.Config) *trigger.Detector {
	tb.Helper()
	d, err := trigger.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func conv(locale string) *baton.Conversation { return &baton.Conversation{Locale: locale} }

func customer(text string) baton.Message {
	return baton.Message{Author: baton.AuthorCustomer, Text: text}
}

func bot(text string, buttons ...baton.Button) baton.Message {
	return baton.Message{Author: baton.AuthorBot, Text: text, Buttons: buttons}
}

// askedHelp is a conversation whose last bot message asks "did this help?".
func askedHelp(l language) []baton.Message {
	return []baton.Message{
		customer("?"),
		bot("…", baton.Button{Title: l.yes, Payload: baton.PayloadHelpful},
			baton.Button{Title: l.no, Payload: baton.PayloadNotHelpful}),
	}
}

// want checks a request's trigger, priority and reason.
func want(t *testing.T, got *baton.HandoffRequest, text string, tr baton.Trigger, p baton.Priority, reason string) {
	t.Helper()
	switch {
	case got == nil:
		t.Errorf("%q: no handoff, want %s", text, tr)
	case got.Trigger != tr:
		t.Errorf("%q: trigger %s (%s), want %s", text, got.Trigger, got.Reason, tr)
	case got.Priority != p:
		t.Errorf("%q: priority %q, want %q", text, got.Priority, p)
	case !strings.HasPrefix(got.Reason, reason):
		t.Errorf("%q: reason %q, want it to start with %q", text, got.Reason, reason)
	}
}

func none(t *testing.T, got *baton.HandoffRequest, text string) {
	t.Helper()
	if got != nil {
		t.Errorf("%q: %s handoff (%s), want none", text, got.Trigger, got.Reason)
	}
}

func TestHumanRequest(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			for _, text := range l.human {
				want(t, d.Detect(conv(l.locale), text, "", nil), text, baton.TriggerText, "", "the customer asked for a person (“")
			}
		})
	}
}

func TestNotHelping(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			for _, text := range l.notHelping {
				want(t, d.Detect(conv(l.locale), text, "", nil), text, baton.TriggerText, "", "the customer said the bot is not helping (“")
			}
		})
	}
}

func TestUrgent(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			for _, text := range l.urgent {
				want(t, d.Detect(conv(l.locale), text, "", nil), text, baton.TriggerText, baton.PriorityUrgent, "the customer said it is urgent (“")
			}
		})
	}
}

func TestFeedback(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			c := conv(l.locale)
			for _, text := range l.typedNo {
				want(t, d.Detect(c, text, "", askedHelp(l)), text, baton.TriggerFeedback, "", "the answer did not help (“")
				// Without the question, a "no" is just a no.
				none(t, d.Detect(c, text, "", nil), text)
				none(t, d.Detect(c, text, "", []baton.Message{customer("?"), bot("Your order ships on Monday.")}), text)
			}
			// The question is the bot's last message, not any earlier one.
			recent := append(askedHelp(l), customer("?"), bot("Anything else?"))
			none(t, d.Detect(c, l.typedNo[0], "", recent), l.typedNo[0]+" after another bot message")

			// Tapping the button says it, whatever the text.
			want(t, d.Detect(c, l.no, baton.PayloadNotHelpful, askedHelp(l)), l.no, baton.TriggerFeedback, "",
				"the answer did not help (“"+l.no+"”)")
			want(t, d.Detect(c, "", baton.PayloadNotHelpful, nil), "", baton.TriggerFeedback, "", "the answer did not help")
			none(t, d.Detect(c, l.yes, baton.PayloadHelpful, askedHelp(l)), l.yes)
		})
	}
}

func TestFeedbackButtonTitle(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	recent := []baton.Message{bot("Did this solve it?",
		baton.Button{Title: "Solved!", Payload: baton.PayloadHelpful},
		baton.Button{Title: "Still stuck", Payload: baton.PayloadNotHelpful})}
	want(t, d.Detect(conv("en"), "still stuck.", "", recent), "still stuck.", baton.TriggerFeedback, "",
		"the answer did not help (“Still stuck”)")
	none(t, d.Detect(conv("en"), "still stuck with the login", "", recent), "still stuck with the login")
	none(t, d.Detect(conv("en"), "Solved!", "", recent), "Solved!")
}

func TestFrustrationRepeated(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			c := conv(l.locale)
			twice := []baton.Message{customer(l.repeated), bot("…")}
			none(t, d.Detect(c, l.repeated, "", twice), l.repeated+" twice")
			thrice := append(twice, customer(l.repeated), bot("…"))
			got := d.Detect(c, l.repeated, "", thrice)
			want(t, got, l.repeated, baton.TriggerFrustration, "", "the customer seems frustrated (score 3.75: repeated)")
		})
	}
}

func TestFrustrationShouting(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		if l.shouting == "" {
			continue // Hebrew and Arabic have no capitals
		}
		t.Run(l.locale, func(t *testing.T) {
			want(t, d.Detect(conv(l.locale), l.shouting, "", nil), l.shouting, baton.TriggerFrustration, "",
				"the customer seems frustrated (score 3.5: shouting, negative words, exclamations)")
			// The same words, calmly: no shouting, no handoff.
			calm := strings.ToLower(strings.Trim(l.shouting, "!¡ "))
			none(t, d.Detect(conv(l.locale), calm, "", nil), calm)
			if score, signals := d.Frustration(calm, nil); score != 2 || !slices.Equal(signals, []string{"negative words"}) {
				t.Errorf("%q: score %v %v, want 2 [negative words]", calm, score, signals)
			}
		})
	}
}

func TestFrustrationAngry(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			c := conv(l.locale)
			none(t, d.Detect(c, l.angry[0], "", nil), l.angry[0])
			recent := []baton.Message{customer(l.angry[0]), bot("…")}
			want(t, d.Detect(c, l.angry[1], "", recent), l.angry[1], baton.TriggerFrustration, "",
				"the customer seems frustrated (score 3: negative words)")
		})
	}
}

func TestOrdinaryQuestions(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, l := range languages {
		t.Run(l.locale, func(t *testing.T) {
			var recent []baton.Message
			for _, text := range l.ordinary {
				none(t, d.Detect(conv(l.locale), text, "", recent), text)
				if score, signals := d.Frustration(text, recent); score != 0 || signals != nil {
					t.Errorf("%q: frustration %v %v, want 0", text, score, signals)
				}
				recent = append(recent, customer(text), bot("…"))
			}
		})
	}
}

func TestWholeWords(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, text := range []string{"agenda", "the agents", "humanity", "humans", "reagent", "Mitarbeiterparkplatz"} {
		none(t, d.Detect(conv("en"), text, "", nil), text)
	}
	for _, text := range []string{"AGENT", "agent?!", "(agent)", "my agent: please"} {
		want(t, d.Detect(conv("en"), text, "", nil), text, baton.TriggerText, "", "the customer asked for a person (“agent”)")
	}
}

func TestPrefixLetters(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, tt := range []struct{ locale, text, phrase string }{
		{"he", "לנציג", "נציג"},
		{"he", "וְהַנְּצִיג", "נציג"},
		{"he", "ושהנציג", "נציג"},
		{"ar", "والموظف", "موظف"},
		{"ar", "بالموظف", "موظف"},
		{"ar", "للموظف", "موظف"},
		{"ar", "وموظف", "موظف"},
		{"ar", "أريد التحدث مع خدمة العملاء", "التحدث مع خدمة العملاء"},
		{"ar", "أريد التحدث مع خدمة للعملاء", "التحدث مع خدمة العملاء"},
	} {
		want(t, d.Detect(conv(tt.locale), tt.text, "", nil), tt.text, baton.TriggerText, "",
			"the customer asked for a person (“"+tt.phrase+"”)")
	}
	// Two letters must remain once a prefix is removed.
	for _, text := range []string{"מנ", "ונ", "الم"} {
		none(t, d.Detect(conv("he"), text, "", nil), text)
	}
}

func TestMixedLocales(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	for _, tt := range []struct{ locale, text, phrase string }{
		{"nl", "agent please", "agent"},
		{"nl-BE", "agent please", "agent"},
		{"he", "I need a human", "human"},
		{"en", "Quiero hablar con un agente", "agente"},
		{"fr", "أريد التحدث إلى موظف", "موظف"},
		{"", "ein Mitarbeiter bitte", "mitarbeiter"},
		// The conversation's own language first.
		{"nl", "agent, ik wil een medewerker", "medewerker"},
		{"nl-NL", "agent, ik wil een medewerker", "medewerker"},
		{"en", "agent, ik wil een medewerker", "agent"},
	} {
		want(t, d.Detect(conv(tt.locale), tt.text, "", nil), tt.text, baton.TriggerText, "",
			"the customer asked for a person (“"+tt.phrase+"”)")
	}
	if got := d.Detect(nil, "agent", "", nil); got == nil || got.Trigger != baton.TriggerText {
		t.Errorf("no conversation: %v, want a text handoff", got)
	}
}

func TestPrecedence(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	en := languages[0]
	tests := []struct {
		text     string
		recent   []baton.Message
		trigger  baton.Trigger
		priority baton.Priority
		reason   string
	}{
		{"no, I want an agent", askedHelp(en), baton.TriggerFeedback, "", "the answer did not help (“no”)"},
		{"no, it's urgent", askedHelp(en), baton.TriggerFeedback, baton.PriorityUrgent, "the answer did not help"},
		{"this isn't helping, get me an agent", nil, baton.TriggerText, "", "the customer asked for a person (“agent”)"},
		{"agent, this is urgent", nil, baton.TriggerText, baton.PriorityUrgent, "the customer asked for a person"},
		{"you don't get it, it's an emergency", nil, baton.TriggerText, baton.PriorityUrgent, "the customer said the bot is not helping"},
		{"URGENT!!! THIS IS RIDICULOUS AND USELESS", nil, baton.TriggerText, baton.PriorityUrgent, "the customer said it is urgent (“urgent”)"},
		// An urgent word earlier in the conversation makes any handoff urgent.
		{"agent please", []baton.Message{customer("my card was used for fraud"), bot("…")},
			baton.TriggerText, baton.PriorityUrgent, "the customer asked for a person"},
		{"Where is my order?", []baton.Message{customer("where is my order? urgent"), bot("…"),
			customer("where is my order?"), bot("…")}, baton.TriggerFrustration, baton.PriorityUrgent, "the customer seems frustrated"},
		// What the bot says does not count.
		{"agent please", []baton.Message{bot("For emergencies call 112. Is this urgent?")},
			baton.TriggerText, "", "the customer asked for a person"},
	}
	for _, tt := range tests {
		want(t, d.Detect(conv("en"), tt.text, "", tt.recent), tt.text, tt.trigger, tt.priority, tt.reason)
	}
}

func TestFrustrationScore(t *testing.T) {
	d := mustNew(t, trigger.Config{})
	tests := []struct {
		text    string
		recent  []string // customer messages, oldest first
		score   float64
		signals []string
	}{
		{"where is my order", nil, 0, nil},
		{"where is my order??", nil, 0, nil},
		{"where is my order?!", nil, 0.5, []string{"exclamations"}},
		{"WHERE IS MY ORDER", nil, 1, []string{"shouting"}},
		{"OK UPS", nil, 0, nil}, // too few letters to shout
		{"useless useless useless ridiculous", nil, 2, []string{"negative words"}},
		{"where is my order", []string{"where is my order"}, 1.5, []string{"repeated"}},
		{"where is my order now", []string{"where is my order"}, 1.5, []string{"repeated"}}, // 4 of 5 words
		{"where is my parcel", []string{"where is my order"}, 0, nil},                       // 3 of 5 words
		{"yes", []string{"yes", "yes", "yes"}, 0, nil},                                      // one word: an answer
		// Earlier messages count a half and a quarter.
		{"hello", []string{"WHERE IS MY ORDER", "THIS IS USELESS"}, 0.25 + 0.5*2, []string{"shouting", "negative words"}},
		// Only the previous three customer messages are compared with.
		{"where is my order", []string{"where is my order", "a", "b", "c"}, 0, nil},
	}
	for _, tt := range tests {
		var recent []baton.Message
		for _, r := range tt.recent {
			recent = append(recent, customer(r), bot("where is my order"))
		}
		score, signals := d.Frustration(tt.text, recent)
		if score != tt.score || !slices.Equal(signals, tt.signals) {
			t.Errorf("%q after %q: %v %v, want %v %v", tt.text, tt.recent, score, signals, tt.score, tt.signals)
		}
	}
}

func TestDisable(t *testing.T) {
	en := languages[0]
	repeated := []baton.Message{customer(en.repeated), bot("…"), customer(en.repeated), bot("…")}

	d := mustNew(t, trigger.Config{Disable: []baton.Trigger{baton.TriggerText}})
	none(t, d.Detect(conv("en"), "agent please", "", nil), "agent please")
	none(t, d.Detect(conv("en"), "this is an emergency", "", nil), "this is an emergency")
	want(t, d.Detect(conv("en"), "no", "", askedHelp(en)), "no", baton.TriggerFeedback, "", "the answer did not help")
	want(t, d.Detect(conv("en"), en.repeated+" urgent", "", repeated), en.repeated, baton.TriggerFrustration, baton.PriorityUrgent, "the customer seems frustrated")

	d = mustNew(t, trigger.Config{Disable: []baton.Trigger{baton.TriggerFeedback}})
	none(t, d.Detect(conv("en"), "no", "", askedHelp(en)), "no")
	none(t, d.Detect(conv("en"), "No", baton.PayloadNotHelpful, askedHelp(en)), "No (tapped)")
	want(t, d.Detect(conv("en"), "agent please", "", nil), "agent please", baton.TriggerText, "", "the customer asked for a person")

	for _, cfg := range []trigger.Config{
		{Disable: []baton.Trigger{baton.TriggerFrustration}},
		{FrustrationThreshold: -1},
	} {
		d = mustNew(t, cfg)
		none(t, d.Detect(conv("en"), en.repeated, "", repeated), en.repeated)
		none(t, d.Detect(conv("en"), en.shouting, "", nil), en.shouting)
		want(t, d.Detect(conv("en"), "agent please", "", nil), "agent please", baton.TriggerText, "", "the customer asked for a person")
		if score, _ := d.Frustration(en.repeated, repeated); score != 3.75 {
			t.Errorf("score %v with frustration off, want 3.75 still", score)
		}
	}

	d = mustNew(t, trigger.Config{FrustrationThreshold: 1.5})
	want(t, d.Detect(conv("en"), en.repeated, "", repeated[:2]), en.repeated, baton.TriggerFrustration, "",
		"the customer seems frustrated (score 1.5: repeated)")
}

func TestConfig(t *testing.T) {
	cfg := trigger.Config{
		Human:      map[string][]string{"en": {"Escalate"}, "nl-BE": {"iemand van de winkel"}},
		Urgent:     map[string][]string{"en": {"code red"}},
		NotHelpful: map[string][]string{"en": {"meh"}},
		Angry:      map[string][]string{"en": {"bonkers"}},
	}
	for _, tt := range []struct {
		name      string
		noDefault bool
	}{{"extends shipped lists", false}, {"no defaults", true}} {
		t.Run(tt.name, func(t *testing.T) {
			cfg.NoDefaults = tt.noDefault
			d := mustNew(t, cfg)
			en := languages[0]
			want(t, d.Detect(conv("en"), "please escalate!", "", nil), "please escalate!", baton.TriggerText, "", "the customer asked for a person (“Escalate”)")
			want(t, d.Detect(conv("nl"), "Iemand van de winkel graag", "", nil), "iemand van de winkel", baton.TriggerText, "", "the customer asked for a person")
			want(t, d.Detect(conv("en"), "code red", "", nil), "code red", baton.TriggerText, baton.PriorityUrgent, "the customer said it is urgent (“code red”)")
			want(t, d.Detect(conv("en"), "meh, not what I need", "", askedHelp(en)), "meh", baton.TriggerFeedback, "", "the answer did not help (“meh”)")
			if score, _ := d.Frustration("BONKERS!!", nil); score != 2.5 {
				t.Errorf("configured angry word: score %v, want 2.5", score)
			}
			shipped := d.Detect(conv("en"), "agent", "", nil)
			if tt.noDefault {
				none(t, shipped, "agent")
				none(t, d.Detect(conv("en"), "emergency", "", nil), "emergency")
				// Asking "did this help?" still works through the button title.
				want(t, d.Detect(conv("en"), "No", "", askedHelp(en)), "No", baton.TriggerFeedback, "", "the answer did not help (“No”)")
			} else {
				want(t, shipped, "agent", baton.TriggerText, "", "the customer asked for a person (“agent”)")
			}
		})
	}

	// A configured phrase Baton ships as "not helping" keeps its reason.
	d := mustNew(t, trigger.Config{NoDefaults: true, Human: map[string][]string{"en": {"you don't get it", "operator"}}})
	want(t, d.Detect(conv("en"), "you dont get it", "", nil), "you dont get it", baton.TriggerText, "", "the customer said the bot is not helping (“you don't get it”)")
	want(t, d.Detect(conv("en"), "operator", "", nil), "operator", baton.TriggerText, "", "the customer asked for a person (“operator”)")
}

func TestNewErrors(t *testing.T) {
	for name, cfg := range map[string]trigger.Config{
		"unknown trigger":     {Disable: []baton.Trigger{"sometimes"}},
		"not a message one":   {Disable: []baton.Trigger{baton.TriggerBotFailure}},
		"empty phrase":        {Human: map[string][]string{"en": {"agent", " ?! "}}},
		"empty urgent":        {Urgent: map[string][]string{"he": {""}}},
		"threshold not a num": {FrustrationThreshold: nan()},
	} {
		d, err := trigger.New(cfg)
		if err == nil || d != nil {
			t.Errorf("%s: New = %v, %v; want an error", name, d, err)
			continue
		}
		if code := baton.ErrorCode(err); code != baton.EINVALID {
			t.Errorf("%s: code %q, want %q", name, code, baton.EINVALID)
		}
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

func TestLocales(t *testing.T) {
	got := trigger.Locales()
	for _, l := range languages {
		if !slices.Contains(got, l.locale) {
			t.Errorf("Locales() = %v, missing %s", got, l.locale)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("Locales() = %v, not sorted", got)
	}
}
