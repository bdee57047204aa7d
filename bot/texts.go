package bot

import (
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// Built-in texts, used where the configuration says nothing.

// defaultPrompts ask for a slot of a kind that has an obvious question.
var defaultPrompts = map[string]baton.Localized{
	baton.DetailEmail: {
		"en": "What is your email address?",
		"nl": "Wat is je e-mailadres?",
		"he": "מה כתובת המייל שלך?",
		"de": "Wie lautet deine E-Mail-Adresse?",
		"fr": "Quelle est votre adresse e-mail ?",
		"es": "¿Cuál es tu dirección de correo electrónico?",
		"ar": "ما هو عنوان بريدك الإلكتروني؟",
	},
	baton.DetailPhone: {
		"en": "What phone number can we reach you on?",
		"nl": "Op welk telefoonnummer kunnen we je bereiken?",
		"he": "באיזה מספר טלפון אפשר להשיג אותך?",
		"de": "Unter welcher Telefonnummer bist du erreichbar?",
		"fr": "À quel numéro de téléphone pouvons-nous vous joindre ?",
		"es": "¿En qué número de teléfono podemos localizarte?",
		"ar": "ما رقم الهاتف الذي يمكننا التواصل معك عليه؟",
	},
	baton.DetailDate: {
		"en": "Which date is it about? (for example 31-03-2026)",
		"nl": "Om welke datum gaat het? (bijvoorbeeld 31-03-2026)",
		"he": "על איזה תאריך מדובר? (למשל 31/03/2026)",
		"de": "Um welches Datum geht es? (zum Beispiel 31.03.2026)",
		"fr": "De quelle date s'agit-il ? (par exemple 31/03/2026)",
		"es": "¿De qué fecha se trata? (por ejemplo 31/03/2026)",
		"ar": "ما هو التاريخ المقصود؟ (مثلاً 31/03/2026)",
	},
	baton.DetailOrderNumber: {
		"en": "What is your order number? You'll find it in your order confirmation.",
		"nl": "Wat is je bestelnummer? Je vindt het in je orderbevestiging.",
		"he": "מה מספר ההזמנה שלך? הוא מופיע באישור ההזמנה.",
		"de": "Wie lautet deine Bestellnummer? Du findest sie in deiner Bestellbestätigung.",
		"fr": "Quel est votre numéro de commande ? Il figure dans votre confirmation de commande.",
		"es": "¿Cuál es tu número de pedido? Lo encontrarás en la confirmación del pedido.",
		"ar": "ما هو رقم طلبك؟ ستجده في رسالة تأكيد الطلب.",
	},
}

// genericHint precedes a question asked again when the kind has no hint
// of its own.
var genericHint = baton.Localized{
	"en": "Sorry, that doesn't look right.",
	"nl": "Sorry, dat lijkt niet te kloppen.",
	"he": "סליחה, זה לא נראה תקין.",
	"de": "Das sieht leider nicht richtig aus.",
	"fr": "Désolé, cela ne semble pas correct.",
	"es": "Lo siento, eso no parece correcto.",
	"ar": "عذراً، هذا لا يبدو صحيحاً.",
}

// defaultHints say why an answer of a kind was not taken.
var defaultHints = map[string]baton.Localized{
	baton.DetailEmail: {
		"en": "That doesn't look like an email address (like name@example.com).",
		"nl": "Dat lijkt geen e-mailadres (zoals naam@voorbeeld.nl).",
		"he": "זו לא נראית כמו כתובת מייל (למשל name@example.com).",
		"de": "Das sieht nicht wie eine E-Mail-Adresse aus (etwa name@beispiel.de).",
		"fr": "Cela ne ressemble pas à une adresse e-mail (comme nom@exemple.fr).",
		"es": "Eso no parece una dirección de correo (como nombre@ejemplo.es).",
		"ar": "هذا لا يبدو عنوان بريد إلكتروني (مثل name@example.com).",
	},
	baton.DetailPhone: {
		"en": "That doesn't look like a phone number.",
		"nl": "Dat lijkt geen telefoonnummer.",
		"he": "זה לא נראה כמו מספר טלפון.",
		"de": "Das sieht nicht wie eine Telefonnummer aus.",
		"fr": "Cela ne ressemble pas à un numéro de téléphone.",
		"es": "Eso no parece un número de teléfono.",
		"ar": "هذا لا يبدو رقم هاتف.",
	},
	baton.DetailDate: {
		"en": "I couldn't read that as a date.",
		"nl": "Daar kan ik geen datum in lezen.",
		"he": "לא הצלחתי לזהות תאריך.",
		"de": "Das konnte ich nicht als Datum lesen.",
		"fr": "Je n'ai pas reconnu de date.",
		"es": "No he podido reconocer una fecha.",
		"ar": "لم أتمكن من قراءة ذلك كتاريخ.",
	},
	baton.DetailOrderNumber: {
		"en": "That doesn't look like an order number.",
		"nl": "Dat lijkt geen bestelnummer.",
		"he": "זה לא נראה כמו מספר הזמנה.",
		"de": "Das sieht nicht wie eine Bestellnummer aus.",
		"fr": "Cela ne ressemble pas à un numéro de commande.",
		"es": "Eso no parece un número de pedido.",
		"ar": "هذا لا يبدو رقم طلب.",
	},
}

var defaultCancelled = baton.Localized{
	"en": "OK, I've stopped. Is there anything else I can help with?",
	"nl": "Oké, ik stop ermee. Kan ik je ergens anders mee helpen?",
	"he": "בסדר, עצרתי. אפשר לעזור במשהו אחר?",
	"de": "Okay, ich höre auf. Kann ich dir sonst irgendwie helfen?",
	"fr": "D'accord, j'arrête. Puis-je vous aider pour autre chose ?",
	"es": "De acuerdo, lo dejo. ¿Puedo ayudarte con algo más?",
	"ar": "حسناً، توقفت. هل يمكنني مساعدتك في شيء آخر؟",
}

var defaultThanks = baton.Localized{
	"en": "Glad I could help!",
	"nl": "Fijn dat ik je kon helpen!",
	"he": "שמחתי לעזור!",
	"de": "Schön, dass ich helfen konnte!",
	"fr": "Ravi d'avoir pu vous aider !",
	"es": "¡Me alegra haber podido ayudarte!",
	"ar": "يسعدني أنني استطعت المساعدة!",
}

var defaultSorry = baton.Localized{
	"en": "Sorry that didn't help. I'll bring in a colleague.",
	"nl": "Jammer dat dit niet hielp. Ik schakel een collega in.",
	"he": "חבל שזה לא עזר. אעביר את השיחה לאחד הנציגים שלנו.",
	"de": "Schade, dass das nicht geholfen hat. Ich hole jemanden aus dem Team dazu.",
	"fr": "Désolé que cela ne vous ait pas aidé. Je fais appel à un collègue.",
	"es": "Siento que no te haya ayudado. Te paso con un compañero.",
	"ar": "آسف لأن ذلك لم يساعدك. سأحوّلك إلى أحد زملائي.",
}

// Words that answer "did this help?". A message is a yes when all its
// words are yes or filler words and one is a yes; likewise for no.
var (
	yesWords = wordSet(`yes yeah yea yep yup ya sure ok okay great perfect definitely absolutely helped
		ja jawel jazeker jep zeker prima top super hielp geholpen
		כן בטח בהחלט מעולה עזר עזרת
		oui sí doch نعم أجل`)
	noWords = wordSet(`no nope nah not didnt doesnt nee neen niet niks nein non
		לא
		لا`)
	answerFillers = wordSet(`thanks thank you very much a lot it did this that help was really so indeed thx ty
		bedankt dank je u wel heel erg het heeft dit me mij echt hoor
		תודה רבה זה מאוד ממש לי
		danke merci gracias شكرا`)
)

// cancelPhrases stop a flow when they are the whole message, apart from
// politeness words.
var (
	cancelPhrases = phraseSet(
		"cancel", "stop", "quit", "exit", "skip", "never mind", "nevermind", "forget it", "forget about it",
		"annuleren", "annuleer", "stop", "stoppen", "laat maar", "laat maar zitten", "vergeet het", "hou op", "afbreken",
		"ביטול", "בטל", "לבטל", "תבטל", "עצור", "תעצור", "די", "עזוב", "תעזוב", "לא משנה", "יציאה",
		"abbrechen", "stopp", "vergiss es",
		"annuler", "arrête", "arrêter", "laisse tomber",
		"cancelar", "para", "olvídalo", "déjalo",
		"إلغاء", "توقف", "انس الأمر",
	)
	cancelFillers = wordSet("please pls plz ok okay just alsjeblieft aub graag bitte svp בבקשה אוקיי")
)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range textnorm.Tokens(words) {
		m[w] = true
	}
	return m
}

func phraseSet(phrases ...string) map[string]bool {
	m := map[string]bool{}
	for _, p := range phrases {
		m[textnorm.Normalize(p)] = true
	}
	return m
}

// answerTo reads a short message as an answer to "did this help?":
// +1 yes, -1 no, 0 neither.
func answerTo(text string) int {
	switch strings.TrimSpace(text) {
	case "👍", "👌", "🙏":
		return 1
	case "👎":
		return -1
	}
	yes, no := false, false
	for _, w := range textnorm.Tokens(text) {
		switch {
		case yesWords[w]:
			yes = true
		case noWords[w]:
			no = true
		case !answerFillers[w]:
			return 0
		}
	}
	switch {
	case yes && !no:
		return 1
	case no && !yes:
		return -1
	}
	return 0
}

// isCancel reports whether the message asks to stop the flow.
func isCancel(text string) bool {
	words := textnorm.Tokens(text)
	kept := words[:0]
	for _, w := range words {
		if !cancelFillers[w] {
			kept = append(kept, w)
		}
	}
	return len(kept) > 0 && cancelPhrases[strings.Join(kept, " ")]
}

// commonWords are function words (articles, pronouns, auxiliaries,
// prepositions, question words) of the languages Baton speaks. A bot's
// few dozen intents are too small a sample to tell that "zijn" or "של"
// says nothing about the topic, so these weigh as little as a word every
// intent uses, whatever the examples.
var commonWords = wordSet(`
	a an the i me my mine you your yours we us our it its is are was were be been being am
	do does did done have has had can could will would shall should may might must
	to of in on at for from with by about as into than then so and or but if not no
	this that these those there here what whats which who how when where wheres why
	im ive id its thats dont doesnt didnt cant wont isnt arent
	please pls just also still yet get got some any all very too much many more ok okay
	want wanna need would like something anything someone

	de het een ik je jij u we wij jullie mijn jouw uw ons onze hun
	is zijn was waren ben bent heb hebt heeft hebben kan kun kunt kunnen
	wil wilt willen moet moeten zal zou
	van in op aan met voor naar bij uit om te tot en of maar als dan dat dit die deze
	er hier daar wat waar wie hoe wanneer waarom welke niet geen wel nog al ook nu even graag dus toch me mij zo heel erg
	iets iemand

	של את אני אתה אתם אנחנו הוא היא הם זה זאת זו יש אין לי לך לו לה לנו לכם
	מה איך מתי איפה למה מי כמה אם או גם רק עוד כבר על עם אל כל אבל כי
	שלי שלך שלנו שלכם הזה הזאת בבקשה אפשר רוצה צריך צריכה משהו מישהו לגבי

	der die das ein eine ich du sie wir ihr mein meine dein ist sind war bin habe hat haben
	kann konnen will wollen zu von auf an mit fur nach bei aus und oder aber wenn dann dass
	was wo wer wie wann warum nicht kein noch schon auch bitte

	le la les un une des je tu il elle nous vous ils mon ma mes ton votre vos est sont suis ai
	as avez ont peux peut pouvez veux voudrais du au aux en dans sur avec pour par et ou mais
	si que qui quoi comment quand pourquoi ne pas plus encore deja aussi svp

	el los las una yo tu mi mis su es son soy estoy esta tengo tiene puedo puede quiero
	del al con para por y pero donde como cuando ya tambien

	في من على إلى الى عن مع و أو او هل ما ماذا متى أين اين كيف لماذا أنا انا أنت هذا هذه ذلك لي لا هو هي كان يمكن أريد اريد
`)
