package trigger

// lists are the phrases Baton ships for one language. Single words are
// listed only when they do not turn up in ordinary shop questions: "agent"
// and "human" are, "person", "service", "help" and "now" are not.
type lists struct {
	person     []string // asks for a person
	notHelping []string // says the bot is not helping
	urgent     []string
	notHelpful []string // a "no" to "did this help?"
	angry      []string
}

var shipped = map[string]lists{
	"en": {
		person: []string{
			"agent", "human", "real person", "live person", "actual person",
			"talk to a person", "speak to a person", "talk to someone",
			"speak to someone", "speak with someone", "talk to somebody",
			"representative", "operator", "speak to a manager",
			"talk to customer service", "contact customer service", "transfer me",
		},
		notHelping: []string{
			"this isn't helping", "not helping", "you're not helping",
			"that doesn't help", "that doesn't answer my question",
			"didn't answer my question", "not what I asked",
			"you don't understand", "you're not understanding",
			"you don't get it", "wrong answer",
		},
		urgent: []string{
			"urgent", "urgently", "emergency", "asap", "life or death",
			"time sensitive", "time critical", "hacked", "fraud", "fraudulent",
			"compromised", "top priority",
		},
		notHelpful: []string{
			"no", "nope", "nah", "not really", "not at all", "not quite",
			"didn't help", "did not help", "that didn't help", "not helpful",
			"unhelpful", "no it didn't",
		},
		angry: []string{
			"useless", "ridiculous", "waste of time", "pathetic", "unacceptable",
			"incompetent", "stupid bot", "the worst", "worst service", "fed up", "sick of this", "wtf",
			"furious", "frustrated", "frustrating", "terrible", "scam", "is this a joke",
			"annoying",
		},
	},
	"nl": {
		person: []string{
			"medewerker", "medewerkster", "een mens", "echt mens", "echte mens",
			"echte persoon", "echt persoon", "iemand spreken", "iemand anders spreken",
			"met iemand praten", "met iemand spreken", "iemand aan de lijn",
			"met de klantenservice", "klantenservice spreken", "doorverbinden",
			"verbind me door",
		},
		notHelping: []string{
			"dit helpt niet", "dat helpt niet", "het helpt niet", "je helpt me niet",
			"u helpt me niet", "je begrijpt me niet", "u begrijpt me niet",
			"je snapt het niet", "hier heb ik niks aan", "hier heb ik niets aan",
			"dat is niet wat ik vroeg", "geen antwoord op mijn vraag",
		},
		urgent: []string{
			"dringend", "urgent", "spoed", "spoedgeval", "noodgeval", "zsm",
			"z.s.m.", "levensbelang", "gehackt", "fraude", "oplichting",
		},
		notHelpful: []string{
			"nee", "neen", "nope", "nah", "niet echt", "helemaal niet",
			"helaas niet", "niet geholpen", "heeft niet geholpen", "hielp niet",
			"niet nuttig",
		},
		angry: []string{
			"waardeloos", "belachelijk", "tijdverspilling", "zonde van mijn tijd",
			"schandalig", "onacceptabel", "nutteloos", "idioot", "stomme bot",
			"bagger", "klote", "woedend", "gefrustreerd", "ergerlijk",
			"ik ben het zat", "oplichters", "slechtste",
		},
	},
	"he": {
		person: []string{
			"נציג", "נציגה", "בן אדם", "בנאדם", "אדם אמיתי", "מישהו אמיתי",
			"לדבר עם מישהו", "לדבר עם אדם", "מענה אנושי", "מוקדן", "מוקדנית",
			"תעבירו אותי", "להעביר אותי", "תחברו אותי", "לדבר עם שירות לקוחות",
		},
		notHelping: []string{
			"זה לא עוזר", "לא עוזר", "אתה לא עוזר", "את לא עוזרת", "לא עזרת",
			"לא הבנת", "אתה לא מבין", "את לא מבינה", "לא ענית על השאלה",
			"זה לא מה ששאלתי",
		},
		urgent: []string{
			"דחוף", "דחופה", "דחופים", "בדחיפות", "חירום", "נפרץ", "נפרצה",
			"פרצו", "הונאה", "עוקץ",
		},
		notHelpful: []string{
			"לא", "ממש לא", "לא ממש", "לא באמת", "בכלל לא", "לא עזר",
			"זה לא עזר", "לא עזרת", "לא מועיל", "ממש לא עזר",
		},
		angry: []string{
			"חסר תועלת", "מגוחך", "בזבוז זמן", "מעצבן", "עצבני", "נמאס לי",
			"גרוע", "מטומטם", "טיפשי", "שערורייה", "לא מקובל", "מזעזע",
			"נוכלים", "דפוק", "בושה", "חוצפה",
		},
	},
	"de": {
		person: []string{
			"mitarbeiter", "mitarbeiterin", "mensch", "einen menschen",
			"echten menschen", "echte person", "echten person",
			"mit jemandem sprechen", "mit jemandem reden", "jemanden sprechen",
			"kundenberater", "sachbearbeiter", "mit dem kundenservice",
			"kundenservice sprechen", "kundendienst sprechen",
			"verbinden sie mich", "stellen sie mich durch",
		},
		notHelping: []string{
			"das hilft nicht", "das hilft mir nicht", "hilft mir nicht",
			"du hilfst mir nicht", "sie helfen mir nicht", "du verstehst mich nicht",
			"sie verstehen mich nicht", "das beantwortet meine frage nicht",
			"das war nicht meine frage", "bringt mir nichts", "das bringt nichts",
		},
		urgent: []string{
			"dringend", "eilig", "eilt", "notfall", "dringlich", "asap",
			"lebenswichtig", "gehackt", "betrug", "betrügerisch", "zeitkritisch",
		},
		notHelpful: []string{
			"nein", "nee", "nö", "nicht wirklich", "überhaupt nicht",
			"leider nicht", "nicht geholfen", "hat nicht geholfen", "hilft nicht",
			"nicht hilfreich", "eher nicht",
		},
		angry: []string{
			"nutzlos", "lächerlich", "zeitverschwendung", "unverschämt",
			"inakzeptabel", "frechheit", "ich bin sauer", "wütend", "genervt",
			"nervig", "scheiße", "scheisse", "scheiß", "so ein mist", "katastrophe",
			"schlechteste", "blöd", "dummer bot", "betrüger",
		},
	},
	"fr": {
		person: []string{
			"un conseiller", "une conseillère", "conseiller client", "humain",
			"une vraie personne", "vraie personne", "une personne réelle",
			"parler à quelqu'un", "parler avec quelqu'un", "parler à une personne",
			"un opérateur", "une opératrice", "parler au service client",
			"contacter le service client", "joindre le service client",
			"mettez-moi en relation", "un interlocuteur",
		},
		notHelping: []string{
			"ça ne m'aide pas", "ça m'aide pas", "vous ne m'aidez pas",
			"tu ne m'aides pas", "ça n'aide pas", "ça ne sert à rien",
			"tu ne comprends pas", "tu comprends rien", "vous ne comprenez pas",
			"ce n'est pas ce que j'ai demandé", "ça ne répond pas à ma question",
		},
		urgent: []string{
			"urgent", "urgente", "urgence", "urgemment", "asap", "c'est pressé",
			"très pressé", "été piraté", "piratage", "fraude", "frauduleux",
			"escroquerie",
		},
		notHelpful: []string{
			"non", "nan", "pas vraiment", "pas du tout", "toujours pas",
			"pas utile", "ça n'a pas aidé", "ça ne m'a pas aidé", "bof", "pas trop",
		},
		angry: []string{
			"inutile", "ridicule", "perte de temps", "nul", "lamentable",
			"inadmissible", "inacceptable", "honteux", "scandaleux", "énervé",
			"énervant", "j'en ai marre", "ras le bol", "débile", "pire",
			"arnaque", "merde", "foutage de gueule",
		},
	},
	"es": {
		person: []string{
			"agente", "humano", "persona real", "persona de verdad", "alguien real",
			"hablar con alguien", "hablar con una persona", "un asesor",
			"una asesora", "un operador", "una operadora", "representante",
			"hablar con atención al cliente", "hablar con servicio al cliente",
			"pásame con alguien", "comunicarme con alguien",
		},
		notHelping: []string{
			"esto no ayuda", "no me ayuda", "no me estás ayudando",
			"no sirve de nada", "no me entiendes",
			"no me entiende", "no entiendes", "eso no es lo que pregunté",
			"no respondiste mi pregunta", "no contestas mi pregunta",
		},
		urgent: []string{
			"urgente", "urgencia", "emergencia", "asap", "hackeado", "hackearon",
			"fraude", "fraudulento", "estafa", "de vida o muerte",
		},
		notHelpful: []string{
			"no", "nop", "nope", "para nada", "no mucho", "no realmente",
			"no me ayudó", "no ayudó", "no sirvió", "no me sirvió", "no es útil",
			"la verdad no", "pues no",
		},
		angry: []string{
			"inútil", "ridículo", "pérdida de tiempo", "qué vergüenza",
			"una vergüenza", "inaceptable", "pésimo", "horrible", "estoy harto",
			"estoy harta", "estúpido", "absurdo", "indignante", "enojado",
			"enfadado", "una mierda", "el peor",
		},
	},
	"ar": {
		person: []string{
			"موظف", "موظفة", "إنسان", "شخص حقيقي", "أحد الموظفين",
			"التحدث مع شخص", "التحدث إلى شخص", "التحدث مع أحد", "أكلم حد",
			"أبغى أكلم أحد", "ممثل خدمة العملاء", "التحدث مع خدمة العملاء",
			"أكلم خدمة العملاء", "رد بشري", "دعم بشري", "حولني",
		},
		notHelping: []string{
			"هذا لا يساعد", "لا يساعدني", "لا تساعدني", "ما ساعدتني",
			"لم تساعدني", "أنت لا تفهم", "انت ما تفهم", "ما فهمتني",
			"لم تجب على سؤالي", "ما جاوبت على سؤالي", "هذا ليس ما سألت عنه",
			"مش بتساعدني",
		},
		urgent: []string{
			"عاجل", "عاجلة", "طارئ", "طارئة", "طوارئ", "ضروري جداً", "مستعجل",
			"مستعجلة", "اختراق", "مخترق", "احتيال",
		},
		notHelpful: []string{
			"لا", "كلا", "مش مفيد", "مو مفيد", "غير مفيد", "لم يساعد",
			"لم يساعدني", "ما ساعدني", "ما فادني", "ليس حقاً", "أبداً",
		},
		angry: []string{
			"عديم الفائدة", "سخيف", "مضيعة للوقت", "مضيعة وقت", "غير مقبول",
			"سيء", "سيئ", "أسوأ", "زفت", "تافه", "غبي", "مزعج", "غاضب", "زهقت",
			"سئمت", "فاشل", "حرام عليكم", "مهزلة", "نصابين", "قرف",
		},
	},
}
