/*
 * Baton chat widget.
 *
 * One tag on any site:
 *
 *   <script src="https://baton.example.com/widget.js" data-locale="en"
 *           data-title="Acme support" data-color="#0b5fff" async></script>
 *
 * Data attributes on the script tag (all optional):
 *   data-locale          language of the chat (default: navigator.language)
 *   data-locale-param    name of a query parameter of the host page that
 *                        overrides the locale (?baton_locale=xx always does)
 *   data-title           the panel's title (default: "Support", translated)
 *   data-color           accent colour, any CSS colour (default #0b5fff)
 *   data-position        "right" or "left" (default: right, left on RTL pages)
 *   data-open            "true": open the panel on load (unless the visitor
 *                        closed it earlier in this browser session)
 *   data-contact-name, data-contact-email
 *                        passed as the contact when the conversation is
 *                        created, so the handoff does not ask again
 *
 * The host page may move the launcher with CSS custom properties:
 *   baton-chat { --baton-bottom: 24px; --baton-side: 24px; }
 *
 * API for the host page: window.Baton.open(), .close(), .toggle(),
 * .conversationId(). A "baton:ready" event fires on document once the
 * widget is on the page. Without any script of its own, a page can open the
 * chat from any element with a data-baton-open attribute:
 *   <button type="button" data-baton-open>Chat with us</button>
 *
 * Plain ES2020, no dependencies, no build step. Message text only ever goes
 * into the DOM through textContent.
 */
(() => {
  "use strict";

  if (!window.customElements || !window.fetch || customElements.get("baton-chat")) {
    return; // an old browser, or the widget is on the page twice
  }

  // --- Where Baton is ------------------------------------------------------

  const script = document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script) {
    return;
  }
  const scriptURL = new URL(script.src, location.href);
  const BASE = (scriptURL.origin + scriptURL.pathname.replace(/\/widget\.js$/, "")).replace(/\/+$/, "");
  const API = BASE + "/api/v1";
  const cfg = script.dataset;

  // --- Locale and texts ----------------------------------------------------

  const LOCALE_RE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}$/;

  function queryLocale() {
    let params;
    try {
      params = new URLSearchParams(location.search);
    } catch (e) {
      return "";
    }
    for (const name of [cfg.localeParam, "baton_locale"]) {
      const v = name && params.get(name);
      if (v && LOCALE_RE.test(v)) {
        return v.replace(/_/g, "-");
      }
    }
    return "";
  }

  const FORCED_LOCALE = queryLocale();
  const LOCALE = [FORCED_LOCALE, cfg.locale, navigator.language, "en"]
    .find((l) => l && LOCALE_RE.test(l)).replace(/_/g, "-");
  let LANG = LOCALE.toLowerCase().split("-")[0];
  if (LANG === "iw") {
    LANG = "he";
  }
  const RTL = ["he", "ar", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"].includes(LANG);

  const STRINGS = {
    en: {
      title: "Support",
      tagline: "Our assistant answers right away",
      welcome: "Hi! How can we help you today?",
      open: "Open chat",
      openUnread: "Open chat ({n} new messages)",
      close: "Close chat",
      placeholder: "Write a message…",
      inputLabel: "Message",
      send: "Send",
      sending: "Sending…",
      waitingNetwork: "Waiting for a connection…",
      failed: "Not sent.",
      retry: "Retry",
      remove: "Remove",
      you: "You",
      assistant: "Assistant",
      agent: "Support agent",
      log: "Conversation",
      handoff: "Connecting you to a person…",
      queued: "You're number {position} — {wait}",
      queuedNoEstimate: "You're number {position} — no estimate yet",
      queuedUnknown: "Waiting for the next available person…",
      waitSoon: "less than a minute",
      waitMinute: "about a minute",
      waitMinutes: "about {n} minutes",
      waitHour: "about an hour",
      waitHours: "about {n} hours",
      chattingWith: "You're chatting with {name}",
      chattingWithAgent: "You're chatting with a person",
      ticket: "We'll get back to you by email.",
      closed: "This conversation has ended.",
      newConversation: "Start a new conversation",
      offline: "You're offline. Messages will be sent when you're back online.",
      reconnecting: "Reconnecting…",
      errorStart: "We can't reach support right now. Trying again…",
      errorSend: "This message couldn't be sent.",
      rate: "Rate {n} out of 5",
      ratingLow: "Poor",
      ratingHigh: "Excellent",
      jump: "New messages",
      evQueued: "Waiting for a person",
      evClosed: "Conversation closed",
      evReopened: "Conversation reopened",
      evReturned: "Back with the assistant",
      evTransferred: "Passed on to another team",
      evTransferredTo: "{name} is taking over",
      evAgentLeft: "{name} left the conversation",
    },
    nl: {
      title: "Klantenservice",
      tagline: "Onze assistent antwoordt meteen",
      welcome: "Hoi! Waarmee kunnen we je helpen?",
      open: "Chat openen",
      openUnread: "Chat openen ({n} nieuwe berichten)",
      close: "Chat sluiten",
      placeholder: "Typ een bericht…",
      inputLabel: "Bericht",
      send: "Versturen",
      sending: "Versturen…",
      waitingNetwork: "Wachten op verbinding…",
      failed: "Niet verstuurd.",
      retry: "Opnieuw",
      remove: "Verwijderen",
      you: "Jij",
      assistant: "Assistent",
      agent: "Medewerker",
      log: "Gesprek",
      handoff: "We verbinden je met een medewerker…",
      queued: "Je bent nummer {position} — {wait}",
      queuedNoEstimate: "Je bent nummer {position} — nog geen schatting",
      queuedUnknown: "Even wachten op de eerstvolgende medewerker…",
      waitSoon: "minder dan een minuut",
      waitMinute: "ongeveer een minuut",
      waitMinutes: "ongeveer {n} minuten",
      waitHour: "ongeveer een uur",
      waitHours: "ongeveer {n} uur",
      chattingWith: "Je chat met {name}",
      chattingWithAgent: "Je chat met een medewerker",
      ticket: "We nemen per e-mail contact met je op.",
      closed: "Dit gesprek is beëindigd.",
      newConversation: "Nieuw gesprek starten",
      offline: "Je bent offline. Berichten worden verstuurd zodra je weer online bent.",
      reconnecting: "Opnieuw verbinden…",
      errorStart: "We kunnen de klantenservice nu niet bereiken. We proberen het opnieuw…",
      errorSend: "Dit bericht kon niet worden verstuurd.",
      rate: "{n} van 5",
      ratingLow: "Slecht",
      ratingHigh: "Uitstekend",
      jump: "Nieuwe berichten",
      evQueued: "Wachten op een medewerker",
      evClosed: "Gesprek gesloten",
      evReopened: "Gesprek heropend",
      evReturned: "Terug bij de assistent",
      evTransferred: "Doorgezet naar een ander team",
      evTransferredTo: "{name} neemt het over",
      evAgentLeft: "{name} heeft het gesprek verlaten",
    },
    he: {
      title: "שירות לקוחות",
      tagline: "העוזר הדיגיטלי עונה מיד",
      welcome: "היי! איך אפשר לעזור?",
      open: "פתיחת הצ׳אט",
      openUnread: "פתיחת הצ׳אט ({n} הודעות חדשות)",
      close: "סגירת הצ׳אט",
      placeholder: "כתבו הודעה…",
      inputLabel: "הודעה",
      send: "שליחה",
      sending: "שולח…",
      waitingNetwork: "ממתין לחיבור…",
      failed: "לא נשלחה.",
      retry: "לנסות שוב",
      remove: "הסרה",
      you: "אני",
      assistant: "עוזר דיגיטלי",
      agent: "נציג שירות",
      log: "שיחה",
      handoff: "מחברים אותך לנציג…",
      queued: "המקום שלך בתור: {position} — {wait}",
      queuedNoEstimate: "המקום שלך בתור: {position} — אין עדיין הערכת זמן",
      queuedUnknown: "ממתינים לנציג הפנוי הבא…",
      waitSoon: "פחות מדקה",
      waitMinute: "בערך דקה",
      waitMinutes: "בערך {n} דקות",
      waitHour: "בערך שעה",
      waitHours: "בערך {n} שעות",
      chattingWith: "בשיחה עם {name}",
      chattingWithAgent: "בשיחה עם נציג",
      ticket: "נחזור אליך במייל.",
      closed: "השיחה הסתיימה.",
      newConversation: "להתחיל שיחה חדשה",
      offline: "אין חיבור לאינטרנט. ההודעות יישלחו כשהחיבור יחזור.",
      reconnecting: "מתחבר מחדש…",
      errorStart: "אין כרגע חיבור לשירות הלקוחות. מנסים שוב…",
      errorSend: "לא ניתן היה לשלוח את ההודעה.",
      rate: "דירוג {n} מתוך 5",
      ratingLow: "גרוע",
      ratingHigh: "מצוין",
      jump: "הודעות חדשות",
      evQueued: "ממתינים לנציג",
      evClosed: "השיחה נסגרה",
      evReopened: "השיחה נפתחה מחדש",
      evReturned: "חזרה לעוזר הדיגיטלי",
      evTransferred: "הועבר לצוות אחר",
      evTransferredTo: "{name} ממשיך/ה את השיחה",
      evAgentLeft: "{name} יצא/ה מהשיחה",
    },
    de: {
      title: "Kundenservice",
      tagline: "Unser Assistent antwortet sofort",
      welcome: "Hallo! Wie können wir Ihnen helfen?",
      open: "Chat öffnen",
      openUnread: "Chat öffnen ({n} neue Nachrichten)",
      close: "Chat schließen",
      placeholder: "Nachricht schreiben…",
      inputLabel: "Nachricht",
      send: "Senden",
      sending: "Wird gesendet…",
      waitingNetwork: "Warte auf Verbindung…",
      failed: "Nicht gesendet.",
      retry: "Erneut versuchen",
      remove: "Entfernen",
      you: "Sie",
      assistant: "Assistent",
      agent: "Mitarbeiter",
      log: "Gespräch",
      handoff: "Wir verbinden Sie mit einem Mitarbeiter…",
      queued: "Sie sind Nummer {position} — {wait}",
      queuedNoEstimate: "Sie sind Nummer {position} — noch keine Schätzung",
      queuedUnknown: "Warten auf den nächsten freien Mitarbeiter…",
      waitSoon: "weniger als eine Minute",
      waitMinute: "etwa eine Minute",
      waitMinutes: "etwa {n} Minuten",
      waitHour: "etwa eine Stunde",
      waitHours: "etwa {n} Stunden",
      chattingWith: "Sie chatten mit {name}",
      chattingWithAgent: "Sie chatten mit einem Mitarbeiter",
      ticket: "Wir melden uns per E-Mail bei Ihnen.",
      closed: "Dieses Gespräch ist beendet.",
      newConversation: "Neues Gespräch beginnen",
      offline: "Sie sind offline. Nachrichten werden gesendet, sobald Sie wieder online sind.",
      reconnecting: "Verbindung wird wiederhergestellt…",
      errorStart: "Der Kundenservice ist gerade nicht erreichbar. Neuer Versuch…",
      errorSend: "Diese Nachricht konnte nicht gesendet werden.",
      rate: "{n} von 5",
      ratingLow: "Schlecht",
      ratingHigh: "Ausgezeichnet",
      jump: "Neue Nachrichten",
      evQueued: "Warten auf einen Mitarbeiter",
      evClosed: "Gespräch geschlossen",
      evReopened: "Gespräch wieder eröffnet",
      evReturned: "Zurück beim Assistenten",
      evTransferred: "An ein anderes Team weitergeleitet",
      evTransferredTo: "{name} übernimmt",
      evAgentLeft: "{name} hat das Gespräch verlassen",
    },
    fr: {
      title: "Service client",
      tagline: "Notre assistant répond tout de suite",
      welcome: "Bonjour\u00a0! Comment pouvons-nous vous aider\u00a0?",
      open: "Ouvrir le chat",
      openUnread: "Ouvrir le chat ({n} nouveaux messages)",
      close: "Fermer le chat",
      placeholder: "Écrivez un message…",
      inputLabel: "Message",
      send: "Envoyer",
      sending: "Envoi…",
      waitingNetwork: "En attente de connexion…",
      failed: "Non envoyé.",
      retry: "Réessayer",
      remove: "Supprimer",
      you: "Vous",
      assistant: "Assistant",
      agent: "Conseiller",
      log: "Conversation",
      handoff: "Nous vous mettons en relation avec un conseiller…",
      queued: "Vous êtes numéro {position} — {wait}",
      queuedNoEstimate: "Vous êtes numéro {position} — pas encore d'estimation",
      queuedUnknown: "En attente du prochain conseiller disponible…",
      waitSoon: "moins d'une minute",
      waitMinute: "environ une minute",
      waitMinutes: "environ {n} minutes",
      waitHour: "environ une heure",
      waitHours: "environ {n} heures",
      chattingWith: "Vous discutez avec {name}",
      chattingWithAgent: "Vous discutez avec un conseiller",
      ticket: "Nous vous répondrons par e-mail.",
      closed: "Cette conversation est terminée.",
      newConversation: "Démarrer une nouvelle conversation",
      offline: "Vous êtes hors ligne. Vos messages seront envoyés dès votre retour en ligne.",
      reconnecting: "Reconnexion…",
      errorStart: "Impossible de joindre le service client pour le moment. Nouvelle tentative…",
      errorSend: "Ce message n'a pas pu être envoyé.",
      rate: "{n} sur 5",
      ratingLow: "Mauvais",
      ratingHigh: "Excellent",
      jump: "Nouveaux messages",
      evQueued: "En attente d'un conseiller",
      evClosed: "Conversation fermée",
      evReopened: "Conversation rouverte",
      evReturned: "De retour avec l'assistant",
      evTransferred: "Transmis à une autre équipe",
      evTransferredTo: "{name} prend le relais",
      evAgentLeft: "{name} a quitté la conversation",
    },
    es: {
      title: "Atención al cliente",
      tagline: "Nuestro asistente responde al instante",
      welcome: "¡Hola! ¿En qué podemos ayudarte?",
      open: "Abrir el chat",
      openUnread: "Abrir el chat ({n} mensajes nuevos)",
      close: "Cerrar el chat",
      placeholder: "Escribe un mensaje…",
      inputLabel: "Mensaje",
      send: "Enviar",
      sending: "Enviando…",
      waitingNetwork: "Esperando conexión…",
      failed: "No enviado.",
      retry: "Reintentar",
      remove: "Eliminar",
      you: "Tú",
      assistant: "Asistente",
      agent: "Agente",
      log: "Conversación",
      handoff: "Te estamos conectando con una persona…",
      queued: "Eres el número {position} — {wait}",
      queuedNoEstimate: "Eres el número {position} — aún sin estimación",
      queuedUnknown: "Esperando a la próxima persona disponible…",
      waitSoon: "menos de un minuto",
      waitMinute: "alrededor de un minuto",
      waitMinutes: "unos {n} minutos",
      waitHour: "alrededor de una hora",
      waitHours: "unas {n} horas",
      chattingWith: "Estás hablando con {name}",
      chattingWithAgent: "Estás hablando con una persona",
      ticket: "Te responderemos por correo electrónico.",
      closed: "Esta conversación ha terminado.",
      newConversation: "Iniciar una nueva conversación",
      offline: "Estás sin conexión. Los mensajes se enviarán cuando vuelvas a estar en línea.",
      reconnecting: "Reconectando…",
      errorStart: "No podemos contactar con atención al cliente ahora. Reintentando…",
      errorSend: "No se pudo enviar este mensaje.",
      rate: "{n} de 5",
      ratingLow: "Mala",
      ratingHigh: "Excelente",
      jump: "Mensajes nuevos",
      evQueued: "Esperando a una persona",
      evClosed: "Conversación cerrada",
      evReopened: "Conversación reabierta",
      evReturned: "De vuelta con el asistente",
      evTransferred: "Transferido a otro equipo",
      evTransferredTo: "{name} continúa la conversación",
      evAgentLeft: "{name} ha salido de la conversación",
    },
    ar: {
      title: "خدمة العملاء",
      tagline: "مساعدنا يرد فورًا",
      welcome: "مرحبًا! كيف يمكننا مساعدتك؟",
      open: "فتح المحادثة",
      openUnread: "فتح المحادثة ({n} رسائل جديدة)",
      close: "إغلاق المحادثة",
      placeholder: "اكتب رسالة…",
      inputLabel: "رسالة",
      send: "إرسال",
      sending: "جارٍ الإرسال…",
      waitingNetwork: "في انتظار الاتصال…",
      failed: "لم تُرسل.",
      retry: "إعادة المحاولة",
      remove: "حذف",
      you: "أنت",
      assistant: "المساعد",
      agent: "موظف الدعم",
      log: "المحادثة",
      handoff: "جارٍ توصيلك بموظف…",
      queued: "ترتيبك في الانتظار {position} — {wait}",
      queuedNoEstimate: "ترتيبك في الانتظار {position} — لا يوجد تقدير بعد",
      queuedUnknown: "في انتظار أول موظف متاح…",
      waitSoon: "أقل من دقيقة",
      waitMinute: "حوالي دقيقة",
      waitMinutes: (n) => (n === 2 ? "حوالي دقيقتين" : n <= 10 ? `حوالي ${n} دقائق` : `حوالي ${n} دقيقة`),
      waitHour: "حوالي ساعة",
      waitHours: (n) => (n === 2 ? "حوالي ساعتين" : n <= 10 ? `حوالي ${n} ساعات` : `حوالي ${n} ساعة`),
      chattingWith: "أنت تتحدث مع {name}",
      chattingWithAgent: "أنت تتحدث مع موظف",
      ticket: "سنرد عليك عبر البريد الإلكتروني.",
      closed: "انتهت هذه المحادثة.",
      newConversation: "بدء محادثة جديدة",
      offline: "أنت غير متصل. سيتم إرسال الرسائل عند عودة الاتصال.",
      reconnecting: "جارٍ إعادة الاتصال…",
      errorStart: "لا يمكننا الوصول إلى خدمة العملاء الآن. جارٍ إعادة المحاولة…",
      errorSend: "تعذّر إرسال هذه الرسالة.",
      rate: "{n} من 5",
      ratingLow: "سيئ",
      ratingHigh: "ممتاز",
      jump: "رسائل جديدة",
      evQueued: "في انتظار موظف",
      evClosed: "أُغلقت المحادثة",
      evReopened: "أُعيد فتح المحادثة",
      evReturned: "عدت إلى المساعد",
      evTransferred: "حُوّلت إلى فريق آخر",
      evTransferredTo: "{name} يتابع المحادثة",
      evAgentLeft: "غادر {name} المحادثة",
    },
  };
  const T = Object.assign({}, STRINGS.en, STRINGS[LANG] || {});

  /** t returns the text for key, with {name} placeholders filled in. */
  function t(key, vars) {
    let s = T[key];
    if (typeof s === "function") {
      return s(vars && vars.n);
    }
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    }
    return s;
  }

  /** waitText renders an expected wait like the server does: minutes rounded up. */
  function waitText(seconds) {
    const minutes = Math.ceil(seconds / 60);
    if (seconds < 60) return t("waitSoon");
    if (minutes <= 1) return t("waitMinute");
    if (minutes < 60) return t("waitMinutes", { n: minutes });
    if (minutes < 90) return t("waitHour");
    return t("waitHours", { n: Math.floor((minutes + 30) / 60) });
  }

  // The server announces an agent with a sentence in the conversation's
  // language; these find the name in it (message.agent_name wins if sent).
  const JOINED = [
    /^(.+?) has joined the conversation\.?$/,
    /^(.+?) neemt nu deel aan het gesprek\.?$/,
    /^(.+?) איתך בשיחה עכשיו\.?$/,
    /^(.+?) ist dem Gespräch beigetreten\.?$/,
    /^(.+?) a rejoint la conversation\.?$/,
    /^(.+?) se ha unido a la conversación\.?$/,
    /^(.+?) معك الآن في المحادثة\.?$/,
    /^Transferred to (.+)$/,
    /^(.+?) signed off$/,
  ];

  function nameFromText(text) {
    for (const re of JOINED) {
      const m = re.exec(String(text || "").trim());
      if (m && m[1].length <= 80) {
        return m[1];
      }
    }
    return "";
  }

  // --- Storage -------------------------------------------------------------

  const KEY = "baton:" + BASE;
  const OPEN_KEY = "baton:open:" + BASE;

  function readStore() {
    try {
      const v = JSON.parse(localStorage.getItem(KEY) || "null");
      return v && typeof v === "object" ? v : {};
    } catch (e) {
      return {};
    }
  }

  function writeStore(v) {
    try {
      localStorage.setItem(KEY, JSON.stringify(v));
    } catch (e) {
      // storage full or disabled: the chat still works for this page view
    }
  }

  function sessionGet(k) {
    try {
      return sessionStorage.getItem(k);
    } catch (e) {
      return null;
    }
  }

  function sessionSet(k, v) {
    try {
      sessionStorage.setItem(k, v);
    } catch (e) {
      // ignore
    }
  }

  // --- Small helpers -------------------------------------------------------

  function randomId() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return "w-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  /** h builds an element; attributes with null/false values are left out. */
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c != null && c !== false) e.append(c);
    }
    return e;
  }

  const SVGNS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zm-3 11H7v-2h10v2zm0-4H7V7h10v2z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
    minimize: "M7.41 8.59 12 13.17l4.59-4.58L18 10l-6 6-6-6z",
    send: "M3.4 20.4 20.85 12.92a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z",
    down: "M20 12l-1.41-1.41L13 16.17V4h-2v12.17l-5.58-5.59L4 12l8 8 8-8z",
  };

  function icon(name, cls) {
    const s = document.createElementNS(SVGNS, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    if (cls) s.setAttribute("class", cls);
    const p = document.createElementNS(SVGNS, "path");
    p.setAttribute("d", ICONS[name]);
    p.setAttribute("fill", "currentColor");
    s.append(p);
    return s;
  }

  const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;

  /** appendText adds text to parent, with http(s) URLs as safe links. */
  function appendText(parent, text) {
    text = String(text == null ? "" : text);
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      let url = m[0];
      // Leave trailing punctuation out of the link ("see https://x.com/a.").
      while (/[.,;:!?)\]}'"»”’]$/.test(url)) {
        if (url.endsWith(")") && (url.match(/\(/g) || []).length >= (url.match(/\)/g) || []).length) break;
        url = url.slice(0, -1);
      }
      let href;
      try {
        href = new URL(url);
      } catch (e) {
        continue;
      }
      if (href.protocol !== "http:" && href.protocol !== "https:") continue;
      parent.append(document.createTextNode(text.slice(last, m.index)));
      parent.append(h("a", { href: href.href, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = m.index + url.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  let timeFmt;
  try {
    timeFmt = new Intl.DateTimeFormat(LOCALE, { hour: "numeric", minute: "2-digit" });
  } catch (e) {
    timeFmt = new Intl.DateTimeFormat("en", { hour: "numeric", minute: "2-digit" });
  }

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message || code || "HTTP " + status);
      this.status = status; // 0 for a network error
      this.code = code || "";
      this.retryAfter = retryAfter; // seconds, or 0
    }
    get retryable() {
      return this.status === 0 || this.status === 408 || this.status === 409 || this.status === 425 ||
        this.status === 429 || this.status >= 500;
    }
    get gone() {
      // The conversation or its token is no longer valid (e.g. the server's
      // data was reset): start a new one.
      return this.status === 401 || this.status === 403 || this.status === 404;
    }
  }

  async function api(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    let res;
    try {
      res = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        mode: "cors",
      });
    } catch (e) {
      throw new ApiError(0, "network", String(e && e.message || e));
    }
    let json = null;
    try {
      json = await res.json();
    } catch (e) {
      // not JSON (a proxy's error page)
    }
    if (!res.ok) {
      const err = (json && json.error) || {};
      throw new ApiError(res.status, err.code, err.message, parseInt(res.headers.get("Retry-After") || "0", 10) || 0);
    }
    return json;
  }

  /** backoff returns the delay before retry number attempt (0-based): 1s, 2s, 4s … 30s. */
  function backoff(attempt, retryAfter) {
    const d = Math.min(30000, 1000 * 2 ** Math.min(attempt, 5));
    const jittered = Math.min(30000, d * (1 + Math.random() * 0.2));
    return Math.max(jittered, (retryAfter || 0) * 1000);
  }

  // --- Styles --------------------------------------------------------------

  const STYLE = `
:host {
  all: initial;
  --accent: #0b5fff;
  --accent-fg: #fff;
  --accent-ink: #0b5fff;
  --accent-soft: #eef3ff;
  --text: #16191d;
  --muted: #5d6673;
  --line: #e2e6eb;
  --bg: #ffffff;
  --bg-2: #f5f6f8;
  --danger: #b42318;
  --radius: 18px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans Hebrew", "Noto Sans Arabic", sans-serif;
  font-size: 15px;
  line-height: 1.45;
  color: var(--text);
  -webkit-font-smoothing: antialiased;
}
.wrap {
  /* Nothing inherited from the host page: its fonts, colours, spacing. */
  all: initial;
  display: block;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans Hebrew", "Noto Sans Arabic", sans-serif;
  font-size: 15px;
  line-height: 1.45;
  color: var(--text);
  -webkit-font-smoothing: antialiased;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus { outline: none; }
:focus-visible { outline: 3px solid var(--accent-ink); outline-offset: 2px; }
.sr {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0;
}

.launcher {
  position: fixed;
  z-index: 2147483000;
  bottom: var(--baton-bottom, 20px);
  right: var(--baton-side, 20px);
  width: 60px; height: 60px;
  border: 0; border-radius: 50%;
  background: var(--accent); color: var(--accent-fg);
  box-shadow: 0 6px 20px rgba(16, 24, 40, .22), 0 2px 6px rgba(16, 24, 40, .12);
  display: grid; place-items: center;
  transition: transform .18s ease, box-shadow .18s ease;
  -webkit-tap-highlight-color: transparent;
}
.side-left .launcher { right: auto; left: var(--baton-side, 20px); }
.launcher:hover { transform: scale(1.05); box-shadow: 0 10px 28px rgba(16, 24, 40, .28), 0 2px 6px rgba(16, 24, 40, .12); }
.launcher:active { transform: scale(.97); }
.launcher svg { width: 28px; height: 28px; grid-area: 1 / 1; transition: transform .2s ease, opacity .2s ease; }
.launcher .i-close { opacity: 0; transform: rotate(-90deg) scale(.6); }
.open .launcher .i-chat { opacity: 0; transform: rotate(90deg) scale(.6); }
.open .launcher .i-close { opacity: 1; transform: none; }
.badge {
  position: absolute; top: -3px; right: -3px;
  min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; border: 2px solid #fff;
  background: #d92d20; color: #fff;
  font-size: 12px; font-weight: 700; line-height: 18px; text-align: center;
}
.side-left .badge { right: auto; left: -3px; }

.panel {
  position: fixed;
  z-index: 2147483001;
  bottom: calc(var(--baton-bottom, 20px) + 76px);
  right: var(--baton-side, 20px);
  width: 384px;
  height: 640px;
  max-height: calc(100vh - var(--baton-bottom, 20px) - 100px);
  display: flex; flex-direction: column;
  background: var(--bg);
  border-radius: 16px;
  overflow: hidden;
  box-shadow: 0 16px 48px rgba(16, 24, 40, .22), 0 4px 12px rgba(16, 24, 40, .10);
  transform-origin: bottom right;
  animation: baton-in .2s ease-out;
}
.side-left .panel { right: auto; left: var(--baton-side, 20px); transform-origin: bottom left; }
@keyframes baton-in { from { opacity: 0; transform: translateY(12px) scale(.98); } to { opacity: 1; transform: none; } }

.header {
  display: flex; align-items: center; gap: 12px;
  padding: 14px 10px 14px 18px;
  background: var(--accent); color: var(--accent-fg);
  flex: none;
}
.header :focus-visible { outline-color: var(--accent-fg); }
.avatar {
  flex: none; width: 38px; height: 38px; border-radius: 50%;
  display: grid; place-items: center;
  background: rgba(255, 255, 255, .2); color: var(--accent-fg);
  font-weight: 700; font-size: 16px;
}
.avatar svg { width: 20px; height: 20px; }
.heading { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.25; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.subtitle { margin: 2px 0 0; font-size: 13px; opacity: .92; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.agent-name { font-weight: 650; }
.icon-btn {
  flex: none; width: 40px; height: 40px; border: 0; border-radius: 50%;
  background: transparent; display: grid; place-items: center;
}
.icon-btn:hover { background: rgba(255, 255, 255, .16); }
.icon-btn svg { width: 24px; height: 24px; }

.status {
  flex: none;
  display: flex; align-items: center; flex-wrap: wrap; gap: 8px 10px;
  padding: 10px 16px;
  font-size: 13.5px; line-height: 1.35;
  background: var(--accent-soft);
  border-bottom: 1px solid var(--line);
}
.status[data-mode="closed"], .status[data-mode="ticket"] { background: var(--bg-2); }
.status-text { flex: 1 1 12em; }
.spinner {
  flex: none; width: 14px; height: 14px; border-radius: 50%;
  border: 2px solid currentColor; border-right-color: transparent;
  color: var(--accent-ink);
  animation: baton-spin .9s linear infinite;
}
.dot { flex: none; width: 8px; height: 8px; border-radius: 50%; background: #f79009; }
@keyframes baton-spin { to { transform: rotate(360deg); } }
.btn {
  border: 0; border-radius: 999px;
  padding: 7px 14px;
  background: var(--accent); color: var(--accent-fg);
  font-size: 13.5px; font-weight: 600;
}
.btn:hover { filter: brightness(1.08); }

.banner {
  flex: none;
  padding: 8px 16px;
  font-size: 13px;
  background: #fff6e6; color: #7a4a00;
  border-bottom: 1px solid #f4e2c0;
}

.body { position: relative; flex: 1; min-height: 0; display: flex; flex-direction: column; }
.scroll {
  flex: 1; min-height: 0;
  overflow-y: auto; overscroll-behavior: contain;
  padding: 16px 14px 10px;
  background: var(--bg-2);
}
.messages { display: flex; flex-direction: column; }
.msg { display: flex; flex-direction: column; align-items: flex-start; max-width: 85%; margin-top: 3px; }
.msg.first { margin-top: 12px; }
.messages > :first-child { margin-top: 0; }
.msg.customer { align-self: flex-end; align-items: flex-end; }
.author { font-size: 12px; color: var(--muted); margin: 0 10px 3px; font-weight: 600; }
.bubble {
  padding: 9px 14px;
  border-radius: var(--radius);
  background: var(--bg);
  border: 1px solid var(--line);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  max-width: 100%;
}
.bubble a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.msg.bot.last .bubble, .msg.agent.last .bubble { border-end-start-radius: 6px; }
.msg.agent .bubble { background: #fff; border-color: color-mix(in srgb, var(--accent) 28%, var(--line)); }
.msg.customer .bubble { background: var(--accent); color: var(--accent-fg); border-color: transparent; }
.msg.customer.last .bubble { border-end-end-radius: 6px; }
.msg.pending .bubble { opacity: .72; }
.msg.failed .bubble { opacity: 1; background: #fff; color: var(--text); border: 1px solid var(--danger); }
.meta { font-size: 11.5px; color: var(--muted); margin: 3px 10px 0; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.meta:empty { display: none; }
.failed .meta { color: var(--danger); }
.link-btn {
  border: 0; padding: 2px 0; background: none;
  font-size: 12px; font-weight: 600; color: var(--accent-ink);
  text-decoration: underline; text-underline-offset: 2px;
}
.notice {
  align-self: center;
  max-width: 92%;
  margin: 14px 0 4px;
  padding: 4px 12px;
  border-radius: 999px;
  background: #e9ecf1;
  color: var(--muted);
  font-size: 12.5px; text-align: center;
}
.welcome { margin-bottom: 12px; }

.replies { display: flex; flex-wrap: wrap; gap: 8px; padding: 10px 0 2px; }
.qr {
  border: 1.5px solid var(--accent-ink);
  background: var(--bg); color: var(--accent-ink);
  border-radius: 999px;
  padding: 7px 15px;
  font-size: 14px; line-height: 1.25; font-weight: 550;
  max-width: 100%; text-align: start;
  transition: background .12s ease, color .12s ease;
}
.qr:hover { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); }
.rating { width: 100%; }
.rating-row { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; }
.rating-row .qr { padding: 10px 0; text-align: center; border-radius: 12px; font-size: 16px; font-weight: 650; }
.rating-scale { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); margin-top: 5px; padding: 0 2px; }

.jump {
  position: absolute; bottom: 10px; left: 50%; transform: translateX(-50%);
  display: flex; align-items: center; gap: 6px;
  border: 0; border-radius: 999px; padding: 6px 14px;
  background: var(--text); color: #fff; font-size: 13px; font-weight: 600;
  box-shadow: 0 4px 14px rgba(16, 24, 40, .25);
}
.jump svg { width: 16px; height: 16px; }

.composer {
  flex: none;
  display: flex; align-items: flex-end; gap: 8px;
  padding: 10px 10px 10px 14px;
  padding-bottom: max(10px, env(safe-area-inset-bottom));
  border-top: 1px solid var(--line);
  background: var(--bg);
  margin: 0;
}
[dir="rtl"] .composer { padding-left: 10px; padding-right: 14px; }
.input {
  flex: 1; min-width: 0;
  resize: none;
  min-height: 42px; max-height: 132px;
  padding: 10px 14px;
  border: 1px solid #cfd5dd; border-radius: 21px;
  background: var(--bg);
  font-size: 15px; line-height: 1.4;
  field-sizing: content;
  overflow-y: auto;
}
.input::placeholder { color: #7a8391; }
.input:focus-visible { outline: none; }
.input:focus { border-color: var(--accent-ink); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.send {
  flex: none; width: 42px; height: 42px; border: 0; border-radius: 50%;
  background: var(--accent); color: var(--accent-fg);
  display: grid; place-items: center;
  transition: opacity .12s ease, transform .12s ease;
}
.send svg { width: 20px; height: 20px; }
[dir="rtl"] .send svg { transform: scaleX(-1); }
.send.empty { opacity: .45; }
.send:not(.empty):hover { transform: scale(1.05); }

@media (max-width: 479.98px) {
  .panel {
    top: 0; right: 0; bottom: 0; left: 0;
    width: 100%; height: 100%; max-height: none;
    border-radius: 0;
    animation-name: baton-up;
  }
  .side-left .panel { left: 0; }
  .open .launcher { display: none; }
  .input { font-size: 16px; }
  .msg { max-width: 88%; }
}
@keyframes baton-up { from { transform: translateY(24px); opacity: 0; } to { transform: none; opacity: 1; } }
@media (max-height: 520px) and (min-width: 480px) {
  .panel { height: auto; top: 12px; }
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
@media (forced-colors: active) {
  .launcher, .send, .btn, .qr, .bubble, .notice { border: 1px solid CanvasText; }
}
`;

  function adoptStyles(root) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
      return;
    } catch (e) {
      // older browsers: a <style> element (blocked by a strict style-src CSP)
    }
    root.append(h("style", { text: STYLE }));
  }

  /** colours works out readable colours for a user-chosen accent. */
  function applyColor(host, root, color) {
    if (!color || !CSS.supports("color", color)) return;
    host.style.setProperty("--accent", color);
    const probe = h("span", { hidden: true });
    probe.style.color = color;
    root.append(probe);
    const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(getComputedStyle(probe).color);
    probe.remove();
    if (!m) return;
    const lum = [m[1], m[2], m[3]].map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    const onWhite = 1.05 / (L + 0.05); // contrast of white text on the accent
    const onBlack = (L + 0.05) / 0.05;
    host.style.setProperty("--accent-fg", onWhite >= 3 || onWhite >= onBlack ? "#fff" : "#111");
    // Text and outlines in the accent colour on white need contrast too.
    host.style.setProperty("--accent-ink", onWhite >= 3 ? color : "#1f2937");
    host.style.setProperty("--accent-soft", `color-mix(in srgb, ${color} 9%, #fff)`);
  }

  // --- The widget ----------------------------------------------------------

  class BatonChat extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: "open" });
    }
  }
  customElements.define("baton-chat", BatonChat);

  const state = {
    conv: null, // {id, token, lastSeq, seenSeq, locale}
    outbox: [], // [{cid, text, payload, failed, error}]
    mode: "",
    survey: "",
    wait: null, // {position, seconds|null}
    queuePosition: 0,
    agents: new Map(), // agent_id -> name
    currentAgent: "", // the agent who last joined
    agentName: "", // the name the server gives for the agent now talking
    seen: new Set(), // seqs shown
    messages: [], // [{seq, author, buttons, agent_id, el}] in seq order (excluding hidden)
    unread: 0,
    open: false,
    stuck: true, // the message list is scrolled to the bottom
    ws: null,
    wsLive: false,
    wsAttempt: 0,
    wsTimer: 0,
    flushing: false,
    flushAttempt: 0,
    flushTimer: 0,
    startAttempt: 0,
    startTimer: 0,
    creating: null,
    startError: false,
    disconnectedSince: 0,
  };

  const ui = {};
  let host;
  let pendingOpen = null; // open() called before the DOM was ready

  // --- Persistence ---

  function persist() {
    const s = {};
    if (state.conv) {
      const { id, token, lastSeq, seenSeq, locale } = state.conv;
      Object.assign(s, { id, token, lastSeq, seenSeq, locale });
    }
    s.outbox = state.outbox.map(({ cid, text, payload, failed, error }) => ({ cid, text, payload, failed, error }));
    writeStore(s);
  }

  function loadStored() {
    const s = readStore();
    if (s.id && s.token && typeof s.id === "string" && typeof s.token === "string") {
      // An explicit ?baton_locale=xx in another language than the stored
      // conversation starts a fresh one in that language.
      if (!(FORCED_LOCALE && s.locale && s.locale.toLowerCase() !== LOCALE.toLowerCase())) {
        state.conv = {
          id: s.id,
          token: s.token,
          lastSeq: Number(s.lastSeq) || 0,
          seenSeq: Number(s.seenSeq) || 0,
          locale: s.locale || LOCALE,
        };
      }
    }
    if (Array.isArray(s.outbox)) {
      state.outbox = s.outbox.filter((o) => o && typeof o.cid === "string" && typeof o.text === "string")
        .map((o) => ({ cid: o.cid, text: o.text, payload: o.payload || "", failed: !!o.failed, error: o.error || "" }));
    }
  }

  // --- DOM ---

  function build() {
    host = document.createElement("baton-chat");
    const root = host.shadowRoot;
    adoptStyles(root);

    const side = cfg.position === "left" || cfg.position === "right" ? cfg.position
      : (RTL || getComputedStyle(document.documentElement).direction === "rtl" ? "left" : "right");
    ui.wrap = h("div", { class: "wrap side-" + side, dir: RTL ? "rtl" : "ltr", lang: LOCALE });

    ui.badge = h("span", { class: "badge", "data-testid": "unread", "aria-hidden": "true", hidden: true });
    ui.launcher = h("button", {
      type: "button",
      class: "launcher",
      "data-testid": "launcher",
      "aria-label": t("open"),
      "aria-expanded": "false",
      "aria-controls": "baton-panel",
      onclick: () => toggle(),
    }, icon("chat", "i-chat"), icon("close", "i-close"), ui.badge);

    const title = cfg.title || t("title");
    ui.subtitle = h("p", { class: "subtitle", "data-testid": "subtitle" });
    ui.closeBtn = h("button", {
      type: "button",
      class: "icon-btn",
      "data-testid": "close",
      "aria-label": t("close"),
      title: t("close"),
      onclick: () => close(),
    }, icon("minimize"));
    const header = h("div", { class: "header" },
      h("div", { class: "avatar", "aria-hidden": "true" }, icon("chat")),
      h("div", { class: "heading" }, h("h2", { class: "title", id: "baton-title", text: title }), ui.subtitle),
      ui.closeBtn);

    ui.statusText = h("span", { class: "status-text" });
    ui.status = h("div", { class: "status", "data-testid": "status", role: "status", hidden: true });
    ui.banner = h("div", { class: "banner", "data-testid": "connection", role: "status", hidden: true });

    ui.messages = h("div", {
      class: "messages",
      "data-testid": "messages",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": t("log"),
    });
    ui.replies = h("div", { class: "replies", "data-testid": "replies", hidden: true });
    const welcome = h("div", { class: "msg bot first last welcome" },
      h("div", { class: "bubble", dir: "auto", text: t("welcome") }));
    ui.scroll = h("div", { class: "scroll" }, welcome, ui.messages, ui.replies);
    ui.scroll.addEventListener("scroll", () => {
      state.stuck = nearBottom();
      if (state.stuck) ui.jump.hidden = true;
    }, { passive: true });
    if (window.ResizeObserver) {
      // Banners come and go, bubbles wrap, the keyboard opens: a reader at
      // the bottom stays at the bottom.
      const ro = new ResizeObserver(() => {
        if (state.open && state.stuck) ui.scroll.scrollTop = ui.scroll.scrollHeight;
      });
      ro.observe(ui.scroll);
      ro.observe(ui.messages);
    }
    ui.jump = h("button", { type: "button", class: "jump", hidden: true, onclick: () => scrollToBottom(true) },
      icon("down"), h("span", { text: t("jump") }));

    ui.input = h("textarea", {
      class: "input",
      "data-testid": "input",
      rows: "1",
      maxlength: "8000",
      placeholder: t("placeholder"),
      "aria-label": t("inputLabel"),
      enterkeyhint: "send",
      autocomplete: "off",
      dir: "auto",
    });
    ui.send = h("button", {
      type: "submit",
      class: "send empty",
      "data-testid": "send",
      "aria-label": t("send"),
      title: t("send"),
    }, icon("send"));
    ui.form = h("form", { class: "composer", "data-testid": "composer" }, ui.input, ui.send);
    ui.form.addEventListener("submit", (e) => {
      e.preventDefault();
      submitInput();
    });
    let sentAt = -1e9;
    ui.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        sentAt = performance.now();
        submitInput();
      }
    });
    ui.input.addEventListener("beforeinput", (e) => {
      // The line break of the Enter that just sent (some input methods and
      // automation deliver it even though keydown was cancelled).
      if ((e.inputType === "insertLineBreak" || e.inputType === "insertParagraph") && performance.now() - sentAt < 250) {
        e.preventDefault();
      }
    });
    ui.input.addEventListener("input", () => {
      ui.send.classList.toggle("empty", !ui.input.value.trim());
      autosize();
    });

    ui.panel = h("div", {
      class: "panel",
      id: "baton-panel",
      "data-testid": "panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "baton-title",
      hidden: true,
    }, header, ui.status, ui.banner, h("div", { class: "body" }, ui.scroll, ui.jump), ui.form);
    ui.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        close();
      }
    });

    ui.wrap.append(ui.panel, ui.launcher);
    root.append(ui.wrap);
    document.body.append(host);
    applyColor(host, root, cfg.color);
  }

  function autosize() {
    if (CSS.supports("field-sizing", "content")) return;
    const el = ui.input;
    el.style.height = "auto";
    el.style.height = Math.min(el.scrollHeight + 2, 132) + "px";
  }

  function nearBottom() {
    const s = ui.scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  function scrollToBottom(smooth) {
    const s = ui.scroll;
    ui.jump.hidden = true;
    state.stuck = true;
    if (smooth && s.scrollTo && !matchMedia("(prefers-reduced-motion: reduce)").matches) {
      s.scrollTo({ top: s.scrollHeight, behavior: "smooth" });
    } else {
      s.scrollTop = s.scrollHeight;
    }
  }

  // Changes to the message list go through change(), which keeps the view
  // pinned to the bottom when it was there (or when the customer wrote).
  let batch = null;

  function change(fn, pin) {
    if (!batch) {
      batch = { pin: state.open && state.stuck, added: false };
      queueMicrotask(flushView);
    }
    if (pin) batch.pin = true;
    if (fn()) batch.added = true;
  }

  function flushView() {
    const b = batch;
    batch = null;
    refreshGroups();
    renderReplies();
    if (!state.open) return;
    if (b.pin) {
      scrollToBottom(false);
    } else if (b.added) {
      ui.jump.hidden = false;
    }
  }

  function agentLabel(id) {
    return state.agents.get(id) || (state.mode === "agent" && state.agentName) || t("agent");
  }

  function authorName(m) {
    if (m.author === "customer") return t("you");
    if (m.author === "agent") return agentLabel(m.agent_id);
    return t("assistant");
  }

  function noticeText(m) {
    const name = state.agents.get(m.agent_id) || "";
    switch (m.event) {
      case "assigned":
      case "agent_took_over":
        return m.text;
      case "queued":
        return t("evQueued");
      case "reopened":
        return t("evReopened");
      case "returned_to_bot":
        return t("evReturned");
      case "closed":
        return t("evClosed");
      case "transferred":
        return m.agent_id && name ? t("evTransferredTo", { name }) : t("evTransferred");
      case "agent_left":
        return name ? t("evAgentLeft", { name }) : m.text;
      case "survey_started":
        return ""; // the bot's question follows at once
      default:
        return m.text;
    }
  }

  function renderMessage(m) {
    if (m.author === "system") {
      const text = noticeText(m);
      if (!text) return null;
      return h("div", {
        class: "notice",
        "data-testid": "message",
        "data-author": "system",
        "data-seq": m.seq,
        "data-event": m.event || null,
        dir: "auto",
        text,
      });
    }
    const author = ["customer", "bot", "agent"].includes(m.author) ? m.author : "bot";
    const bubble = h("div", { class: "bubble", dir: "auto" },
      h("span", { class: "sr", dir: RTL ? "rtl" : "ltr", text: authorName(m) + ": " }));
    appendText(bubble, m.text);
    const when = m.created_at ? new Date(m.created_at) : null;
    const row = h("div", {
      class: "msg " + author,
      "data-testid": "message",
      "data-author": author,
      "data-seq": m.seq,
      "data-agent-id": m.agent_id || null,
      "data-client-message-id": m.client_message_id || null,
    }, h("div", { class: "author", "aria-hidden": "true" }), bubble, h("div", { class: "meta" }));
    if (when && !isNaN(when)) {
      row.dataset.time = String(when.getTime());
      bubble.title = when.toLocaleString(LOCALE);
    }
    return row;
  }

  function renderPending(item) {
    const bubble = h("div", { class: "bubble", dir: "auto" },
      h("span", { class: "sr", dir: RTL ? "rtl" : "ltr", text: t("you") + ": " }));
    appendText(bubble, item.text);
    const row = h("div", {
      class: "msg customer pending",
      "data-testid": "message",
      "data-author": "customer",
      "data-pending": "true",
      "data-client-message-id": item.cid,
    }, h("div", { class: "author", "aria-hidden": "true" }), bubble, h("div", { class: "meta" }));
    item.el = row;
    renderPendingMeta(item);
    return row;
  }

  function renderPendingMeta(item) {
    const row = item.el;
    if (!row) return;
    const meta = row.querySelector(".meta");
    meta.textContent = "";
    row.classList.toggle("failed", !!item.failed);
    if (item.failed) {
      meta.append(h("span", { text: item.error || t("errorSend") }),
        h("button", { type: "button", class: "link-btn", text: t("retry"), onclick: () => retryItem(item) }),
        h("button", { type: "button", class: "link-btn", text: t("remove"), onclick: () => removeItem(item) }));
    } else {
      meta.append(h("span", { "data-testid": "sending", text: navigator.onLine === false ? t("waitingNetwork") : t("sending") }));
    }
  }

  /** refreshGroups shows the author above and the time below each run of messages. */
  function refreshGroups() {
    const rows = Array.from(ui.messages.children);
    const key = (el) => (el && el.classList.contains("msg") ? el.dataset.author + "/" + (el.dataset.agentId || "") : null);
    for (let i = 0; i < rows.length; i++) {
      const el = rows[i];
      if (!el.classList.contains("msg")) continue;
      const prev = rows[i - 1];
      const next = rows[i + 1];
      const k = key(el);
      const gap = (a, b) => a && b && a.dataset.time && b.dataset.time && Math.abs(b.dataset.time - a.dataset.time) > 10 * 60 * 1000;
      const first = key(prev) !== k || gap(prev, el);
      const last = key(next) !== k || gap(el, next);
      el.classList.toggle("first", !!first);
      el.classList.toggle("last", !!last);
      const label = el.querySelector(".author");
      const who = el.dataset.author === "agent" ? agentLabel(el.dataset.agentId)
        : el.dataset.author === "bot" ? t("assistant") : "";
      label.textContent = first ? who : "";
      label.hidden = !first || !who;
      if (!el.classList.contains("pending")) {
        const meta = el.querySelector(".meta");
        meta.textContent = last && el.dataset.time ? timeFmt.format(new Date(Number(el.dataset.time))) : "";
      }
    }
  }

  /** insert puts a confirmed message in seq order, before any unsent ones. */
  function insert(el, seq) {
    let before = null;
    for (let i = state.messages.length - 1; i >= 0; i--) {
      if (state.messages[i].seq < seq) break;
      before = state.messages[i].el;
    }
    if (!before) {
      before = ui.messages.querySelector('[data-pending="true"]');
    }
    ui.messages.insertBefore(el, before);
  }

  function handleMessage(m, history) {
    if (!m || typeof m.seq !== "number" || m.seq <= 0 || !state.conv) return;
    if (m.conversation_id && m.conversation_id !== state.conv.id) return;
    const c = state.conv;
    if (m.seq > c.lastSeq) c.lastSeq = m.seq;
    if (state.seen.has(m.seq)) return;
    state.seen.add(m.seq);
    if (m.private) return;

    // Learn agents' names from the "Alex has joined" entries.
    if (m.agent_id && (m.author === "system" || m.agent_name)) {
      const name = m.agent_name || nameFromText(m.text);
      if (name) {
        state.agents.set(m.agent_id, name);
        if (m.event === "assigned" || m.event === "agent_took_over" || m.event === "transferred") {
          state.currentAgent = m.agent_id;
        }
      }
    }
    if (m.author === "agent" && m.agent_id) state.currentAgent = m.agent_id;

    // Our own message coming back: it replaces the "sending…" bubble.
    let mine = false;
    if (m.author === "customer" && m.client_message_id) {
      const i = state.outbox.findIndex((o) => o.cid === m.client_message_id);
      if (i >= 0) {
        const [item] = state.outbox.splice(i, 1);
        if (item.el) item.el.remove();
        mine = true;
      }
    }

    const el = renderMessage(m);
    change(() => {
      if (!el) return false;
      insert(el, m.seq);
      let at = state.messages.length;
      while (at > 0 && state.messages[at - 1].seq > m.seq) at--;
      state.messages.splice(at, 0, { seq: m.seq, author: m.author, buttons: m.buttons || [], el });
      return true;
    }, mine || m.author === "customer");

    if (m.author === "bot" || m.author === "agent") {
      if (state.open && !document.hidden) {
        c.seenSeq = Math.max(c.seenSeq, m.seq);
      } else if (m.seq > c.seenSeq) {
        state.unread++;
        renderBadge();
      }
    }
    if (!history) renderHeader();
    persist();
  }

  function applyConversation(cv) {
    if (!cv || !state.conv || (cv.id && cv.id !== state.conv.id)) return;
    state.mode = cv.mode || state.mode;
    state.survey = cv.survey_step || "";
    state.wait = cv.expected_wait || null;
    state.agentName = state.mode === "agent" ? cv.agent_name || state.agentName : "";
    if (state.mode !== "queued") {
      state.queuePosition = 0;
    } else if (cv.expected_wait && cv.expected_wait.position) {
      state.queuePosition = cv.expected_wait.position;
    } else if (cv.queue_position) {
      state.queuePosition = cv.queue_position;
    }
    renderHeader();
    change(() => false);
  }

  let headerKey = "";

  function renderHeader() {
    const name = state.agentName || state.agents.get(state.currentAgent);
    // The status bar is a live region: only touch it when something changed,
    // so screen readers do not repeat it with every message.
    const key = JSON.stringify([state.mode, name, state.wait, state.queuePosition]);
    if (key === headerKey) return;
    headerKey = key;

    // Subtitle: who the customer is talking to.
    ui.subtitle.textContent = "";
    if (state.mode === "agent") {
      if (name) {
        const [before, after] = T.chattingWith.split("{name}");
        ui.subtitle.append(before || "", h("span", { class: "agent-name", "data-testid": "agent-name", dir: "auto", text: name }), after || "");
      } else {
        ui.subtitle.textContent = t("chattingWithAgent");
      }
    } else if (!state.mode || state.mode === "bot") {
      ui.subtitle.textContent = t("tagline");
    }
    ui.subtitle.hidden = !ui.subtitle.textContent;

    // Status bar: where the conversation stands.
    const s = ui.status;
    s.textContent = "";
    s.dataset.mode = state.mode || "";
    let text = "";
    let lead = null;
    let action = null;
    switch (state.mode) {
      case "handoff":
        text = t("handoff");
        lead = h("span", { class: "spinner", "aria-hidden": "true" });
        break;
      case "queued": {
        const pos = (state.wait && state.wait.position) || state.queuePosition;
        if (!pos) text = t("queuedUnknown");
        else if (state.wait && typeof state.wait.seconds === "number") text = t("queued", { position: pos, wait: waitText(state.wait.seconds) });
        else if (state.wait) text = t("queuedNoEstimate", { position: pos });
        else text = t("queuedUnknown");
        lead = h("span", { class: "spinner", "aria-hidden": "true" });
        break;
      }
      case "ticket":
        text = t("ticket");
        break;
      case "closed":
        text = t("closed");
        action = h("button", {
          type: "button",
          class: "btn",
          "data-testid": "new-conversation",
          text: t("newConversation"),
          onclick: () => newConversation(),
        });
        break;
    }
    s.hidden = !text;
    if (text) {
      if (lead) s.append(lead);
      s.append(h("span", { class: "status-text", "data-testid": "status-text", text }));
      if (action) s.append(action);
    }
  }

  function renderReplies() {
    const box = ui.replies;
    box.textContent = "";
    box.hidden = true;
    if (state.outbox.some((o) => !o.failed)) return; // the customer has just answered
    let last = null;
    for (let i = state.messages.length - 1; i >= 0; i--) {
      if (state.messages[i].author !== "system") {
        last = state.messages[i];
        break;
      }
    }
    if (!last || last.author !== "bot") return;
    let buttons = (last.buttons || []).filter((b) => b && b.title);
    const digits = buttons.length === 5 && buttons.every((b, i) => String(b.title).trim() === String(i + 1));
    const survey = !!state.survey || digits;
    if (!buttons.length && state.survey === "rating") {
      buttons = [1, 2, 3, 4, 5].map((n) => ({ title: String(n), payload: "" }));
    }
    if (!buttons.length) return;
    const testid = survey ? "survey" : "quick-reply";
    const make = (b, extra) => h("button", {
      type: "button",
      class: "qr",
      "data-testid": testid,
      "data-payload": b.payload || null,
      dir: "auto",
      text: b.title,
      onclick: (e) => {
        // A keyboard user stays in the chat: the buttons go away, the text box takes the focus.
        const keyboard = e.detail === 0;
        send(String(b.title), b.payload ? String(b.payload) : "");
        if (keyboard) ui.input.focus();
      },
      ...extra,
    });
    if (survey && (digits || !last.buttons.length)) {
      const row = h("div", { class: "rating-row", role: "group", "aria-label": t("rate", { n: "1–5" }) });
      for (const b of buttons) row.append(make(b, { "aria-label": t("rate", { n: b.title }) }));
      box.append(h("div", { class: "rating" }, row,
        h("div", { class: "rating-scale", "aria-hidden": "true" }, h("span", { text: "1 · " + t("ratingLow") }), h("span", { text: t("ratingHigh") + " · 5" }))));
    } else {
      for (const b of buttons) box.append(make(b));
    }
    box.hidden = false;
  }

  function renderBadge() {
    const n = state.unread;
    ui.badge.hidden = !n || state.open;
    ui.badge.textContent = n > 9 ? "9+" : String(n);
    ui.launcher.setAttribute("aria-label", state.open ? t("close") : n ? t("openUnread", { n }) : t("open"));
  }

  function setBanner() {
    let text = "";
    if (navigator.onLine === false) {
      text = t("offline");
    } else if (state.startError && !state.conv) {
      text = t("errorStart");
    } else if (state.conv && !state.wsLive && state.disconnectedSince && Date.now() - state.disconnectedSince > 2500) {
      text = t("reconnecting");
    }
    if (ui.banner.textContent !== text) ui.banner.textContent = text;
    ui.banner.hidden = !text;
  }

  // --- Opening and closing ---

  function open(opts) {
    if (!ui.panel) {
      pendingOpen = opts || {};
      return;
    }
    const o = opts || {};
    if (!state.open) {
      state.open = true;
      ui.panel.hidden = false;
      ui.wrap.classList.add("open");
      ui.launcher.setAttribute("aria-expanded", "true");
      sessionSet(OPEN_KEY, "1");
      markSeen();
      renderBadge();
      scrollToBottom(false);
    }
    if (o.focus !== false) {
      // Into the dialog; on touch screens not straight into the text box,
      // which would throw the keyboard over the conversation.
      const touch = matchMedia("(pointer: coarse)").matches;
      (touch ? ui.closeBtn : ui.input).focus({ preventScroll: true });
    }
    if (!o.auto) {
      start();
    }
  }

  function close() {
    if (!ui.panel || !state.open) return;
    const hadFocus = host.shadowRoot.activeElement && ui.panel.contains(host.shadowRoot.activeElement);
    state.open = false;
    ui.panel.hidden = true;
    ui.wrap.classList.remove("open");
    ui.launcher.setAttribute("aria-expanded", "false");
    sessionSet(OPEN_KEY, "0");
    renderBadge();
    if (hadFocus) ui.launcher.focus();
  }

  function toggle() {
    if (state.open) close();
    else open();
  }

  function markSeen() {
    if (state.conv) {
      state.conv.seenSeq = Math.max(state.conv.seenSeq, state.conv.lastSeq);
      persist();
    }
    state.unread = 0;
  }

  // --- The conversation ---

  /** start makes sure a conversation exists (creating it with retries). */
  function start() {
    if (state.conv) {
      if (!state.ws && !state.wsTimer) connect();
      return;
    }
    if (state.creating || state.startTimer) return;
    ensureConversation().then(() => {
      state.startAttempt = 0;
      state.startError = false;
      setBanner();
    }, (err) => {
      state.startError = true;
      setBanner();
      state.startTimer = setTimeout(() => {
        state.startTimer = 0;
        start();
      }, backoff(state.startAttempt++, err.retryAfter));
    });
  }

  function ensureConversation() {
    if (state.conv) return Promise.resolve(state.conv);
    if (state.creating) return state.creating;
    const body = { channel: "web", locale: LOCALE };
    const contact = {};
    if (cfg.contactName) contact.name = cfg.contactName;
    if (cfg.contactEmail) contact.email = cfg.contactEmail;
    if (Object.keys(contact).length) body.contact = contact;
    state.creating = api("POST", "/conversations", body).then((cv) => {
      state.creating = null;
      if (state.conv) return state.conv; // another tab's conversation was adopted meanwhile
      state.conv = { id: cv.id, token: cv.customer_token, lastSeq: 0, seenSeq: 0, locale: LOCALE, historyLoaded: true };
      persist();
      applyConversation(cv);
      connect();
      return state.conv;
    }, (err) => {
      state.creating = null;
      throw err;
    });
    return state.creating;
  }

  /** resume loads a stored conversation: its state, its history, then the stream. */
  async function resume() {
    const c = state.conv;
    try {
      const cv = await api("GET", "/conversations/" + encodeURIComponent(c.id), undefined, c.token);
      if (state.conv !== c) return;
      applyConversation(cv);
      await catchUp(c, 0);
    } catch (err) {
      if (state.conv !== c) return;
      if (err.gone) {
        forget(true);
        if (state.outbox.length || state.open) start();
        return;
      }
      // Offline or the server is down: the stream's reconnect loop retries.
    }
    if (state.conv === c) connect();
  }

  /** catchUp reads the timeline after a seq with GET, page by page. */
  async function catchUp(c, from) {
    let after = from;
    for (let i = 0; i < 100; i++) {
      const page = await api("GET", `/conversations/${encodeURIComponent(c.id)}/messages?after=${after}&limit=1000`, undefined, c.token);
      if (state.conv !== c) return;
      for (const m of page.messages || []) handleMessage(m, true);
      const next = Number(page.next_after) || 0;
      if (next > c.lastSeq) c.lastSeq = next;
      if (next <= after) break;
      after = next;
    }
    c.historyLoaded = true;
    renderHeader();
    persist();
  }

  function connect() {
    const c = state.conv;
    if (!c || state.ws) return;
    clearTimeout(state.wsTimer);
    state.wsTimer = 0;
    const u = new URL(`${API}/conversations/${encodeURIComponent(c.id)}/stream`);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.searchParams.set("access_token", c.token);
    // Until the history is on screen the stream replays it from the start.
    u.searchParams.set("after", String(c.historyLoaded ? c.lastSeq || 0 : 0));
    let sock;
    try {
      sock = new WebSocket(u.href);
    } catch (e) {
      scheduleReconnect(false);
      return;
    }
    state.ws = sock;
    let opened = false;
    sock.onopen = () => {
      opened = true;
    };
    sock.onmessage = (ev) => {
      if (state.ws !== sock) return;
      let f;
      try {
        f = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (f.type === "message") {
        handleMessage(f.message, false);
      } else if (f.type === "conversation") {
        applyConversation(f.conversation);
        c.historyLoaded = true;
        if (!state.wsLive) {
          // The snapshot ends the replay: we are live.
          state.wsLive = true;
          state.wsAttempt = 0;
          state.disconnectedSince = 0;
          setBanner();
          flush(true);
        }
      }
    };
    sock.onerror = () => {};
    sock.onclose = () => {
      if (state.ws !== sock) return;
      state.ws = null;
      state.wsLive = false;
      if (!state.disconnectedSince) {
        state.disconnectedSince = Date.now();
        setTimeout(setBanner, 2600); // a blip is not worth a banner
      }
      scheduleReconnect(opened);
    };
  }

  function disconnect() {
    const sock = state.ws;
    state.ws = null;
    state.wsLive = false;
    clearTimeout(state.wsTimer);
    state.wsTimer = 0;
    if (sock) {
      try {
        sock.close(1000);
      } catch (e) {
        // ignore
      }
    }
  }

  function scheduleReconnect(opened) {
    const c = state.conv;
    if (!c) return;
    clearTimeout(state.wsTimer);
    state.wsTimer = setTimeout(async () => {
      state.wsTimer = 0;
      if (state.conv !== c || state.ws) return;
      if (!opened) {
        // The handshake failed: find out why over plain HTTP, and catch up
        // there meanwhile (some proxies block WebSockets).
        try {
          const cv = await api("GET", "/conversations/" + encodeURIComponent(c.id), undefined, c.token);
          if (state.conv !== c) return;
          applyConversation(cv);
          await catchUp(c, c.historyLoaded ? c.lastSeq : 0);
        } catch (err) {
          if (state.conv !== c) return;
          if (err.gone) {
            forget(true);
            if (state.outbox.length || state.open) start();
            return;
          }
        }
      }
      if (state.conv === c && !state.ws) connect();
    }, backoff(state.wsAttempt++));
    setBanner();
  }

  function reconnectNow() {
    if (!state.conv || state.ws) return;
    state.wsAttempt = 0;
    clearTimeout(state.wsTimer);
    state.wsTimer = 0;
    connect();
  }

  /** forget drops the conversation (and its view); keepOutbox re-sends unsent messages in the next one. */
  function forget(keepOutbox) {
    disconnect();
    state.conv = null;
    state.mode = "";
    state.survey = "";
    state.wait = null;
    state.queuePosition = 0;
    state.agents.clear();
    state.currentAgent = "";
    state.agentName = "";
    state.seen.clear();
    for (const m of state.messages) m.el.remove();
    state.messages = [];
    state.unread = 0;
    state.disconnectedSince = 0;
    if (!keepOutbox) {
      for (const o of state.outbox) if (o.el) o.el.remove();
      state.outbox = [];
    }
    persist();
    renderHeader();
    renderBadge();
    change(() => false);
  }

  function newConversation() {
    forget(false);
    start();
    ui.input.focus();
  }

  // --- Sending ---

  function submitInput() {
    const text = ui.input.value;
    if (!text.trim()) {
      ui.input.focus();
      return;
    }
    ui.input.value = "";
    ui.send.classList.add("empty");
    autosize();
    send(text, "");
    ui.input.focus();
  }

  function send(text, payload) {
    const item = { cid: randomId(), text: text.trim(), payload: payload || "", failed: false, error: "" };
    if (!item.text) return;
    state.outbox.push(item);
    persist();
    change(() => {
      ui.messages.append(renderPending(item));
      return true;
    }, true);
    if (!state.open) open({ focus: false });
    flush(true);
  }

  function retryItem(item) {
    item.failed = false;
    item.error = "";
    renderPendingMeta(item);
    persist();
    flush(true);
  }

  function removeItem(item) {
    const i = state.outbox.indexOf(item);
    if (i >= 0) state.outbox.splice(i, 1);
    if (item.el) item.el.remove();
    persist();
    change(() => false);
    ui.input.focus();
  }

  /** flush sends the outbox in order, one message at a time, until it is empty or a send fails. */
  async function flush(now) {
    if (now) {
      state.flushAttempt = 0;
      clearTimeout(state.flushTimer);
      state.flushTimer = 0;
    }
    if (state.flushing || state.flushTimer) return;
    state.flushing = true;
    let resets = 0;
    try {
      for (;;) {
        const item = state.outbox.find((o) => !o.failed);
        if (!item) break;
        let c;
        try {
          c = await ensureConversation();
        } catch (err) {
          retryFlush(err);
          break;
        }
        const body = { text: item.text, client_message_id: item.cid };
        if (item.payload) body.payload = item.payload;
        try {
          const m = await api("POST", `/conversations/${encodeURIComponent(c.id)}/messages`, body, c.token);
          state.flushAttempt = 0;
          if (state.conv === c) {
            handleMessage(m, false); // replaces the "sending…" bubble
          }
          const j = state.outbox.indexOf(item);
          if (j >= 0) {
            // Stored, but the echo did not match (the conversation changed meanwhile).
            state.outbox.splice(j, 1);
            if (item.el) item.el.remove();
            persist();
          }
          change(() => false);
        } catch (err) {
          if (err.gone && state.conv === c && resets++ < 1) {
            forget(true); // the next round creates a new conversation
            continue;
          }
          if (err.retryable || err.gone) {
            retryFlush(err);
            break;
          }
          item.failed = true;
          item.error = err.status === 413 || /long/i.test(err.message) ? t("errorSend") + " " + err.message : t("errorSend");
          renderPendingMeta(item);
          persist();
        }
      }
    } finally {
      state.flushing = false;
    }
  }

  function retryFlush(err) {
    for (const o of state.outbox) renderPendingMeta(o);
    clearTimeout(state.flushTimer);
    state.flushTimer = setTimeout(() => {
      state.flushTimer = 0;
      flush(false);
    }, backoff(state.flushAttempt++, err && err.retryAfter));
  }

  // --- Page events ---

  function onOnline() {
    setBanner();
    for (const o of state.outbox) renderPendingMeta(o);
    reconnectNow();
    flush(true);
  }

  function onVisible() {
    if (document.hidden) return;
    if (state.open && state.conv && state.unread) {
      markSeen();
      renderBadge();
    }
    reconnectNow();
    if (state.outbox.some((o) => !o.failed)) flush(true);
  }

  function onStorage(e) {
    if (e.key !== KEY || e.storageArea !== localStorage) return;
    // Another tab of this site started or switched the conversation: follow
    // it, unless this tab has its own conversation with messages in it.
    const s = readStore();
    if (!s.id || (state.conv && s.id === state.conv.id)) return;
    const mine = state.messages.some((m) => m.author === "customer") || state.outbox.length;
    if (state.conv && mine) return;
    forget(false);
    state.conv = { id: s.id, token: s.token, lastSeq: 0, seenSeq: Number(s.seenSeq) || 0, locale: s.locale || LOCALE };
    resume();
  }

  // --- Boot ---

  window.Baton = Object.freeze({
    open: () => open(),
    close: () => close(),
    toggle: () => toggle(),
    conversationId: () => (state.conv ? state.conv.id : null),
  });

  function init() {
    loadStored();
    build();
    renderHeader();
    renderBadge();
    if (state.outbox.length) {
      change(() => {
        for (const o of state.outbox) ui.messages.append(renderPending(o));
        return true;
      });
    }
    if (state.conv) {
      // The stored lastSeq is where the stream resumes; the view is empty,
      // so the history is read from the start.
      resume();
    }
    if (state.outbox.some((o) => !o.failed)) flush(true);

    window.addEventListener("online", onOnline);
    window.addEventListener("offline", () => {
      setBanner();
      for (const o of state.outbox) renderPendingMeta(o);
    });
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("storage", onStorage);
    window.addEventListener("pagehide", (e) => {
      if (e.persisted) disconnect(); // let the page into the back/forward cache
    });
    window.addEventListener("pageshow", (e) => {
      if (e.persisted) reconnectNow();
    });
    document.addEventListener("click", (e) => {
      const el = e.target instanceof Element && e.target.closest("[data-baton-open]");
      if (el) {
        e.preventDefault();
        open();
      }
    });

    const was = sessionGet(OPEN_KEY);
    if (pendingOpen) {
      open(pendingOpen);
    } else if (was === "1" || (was === null && (cfg.open === "true" || cfg.open === ""))) {
      open({ focus: false, auto: true });
    }
    document.dispatchEvent(new CustomEvent("baton:ready"));
  }

  if (document.body) {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
