// Baton agent inbox. Plain ES module, no build step, no dependencies.
//
// State lives in S; the server is the source of truth. Lists are derived
// from the conversation views we know (mode, assignee, department), so a
// conversation frame from the stream moves a row between sections or takes
// it away without special cases. Views are merged by (version, last_seq):
// an older view never overwrites a newer one, whichever arrives first.

import { h, setChildren, $, linkify, formatWait, formatWaitLong, formatTime, formatFull, formatDay, dayKey,
  language, isRTL, initials, newId, humanize } from "./util.js";
import { ApiError, get, post, put, del, enc, setCsrf, setUnauthorizedHandler, serverNow } from "./api.js";

// ---------------------------------------------------------------- constants

const SECTIONS = ["queue", "mine", "handoff", "ticket"];
const PRIORITY_RANK = { urgent: 3, high: 2, normal: 1, low: 0 };
const LIVE_CHANNELS = new Set(["web", "api"]);
const CHANNELS = {
  web: { short: "Web", long: "Web chat" },
  api: { short: "API", long: "API" },
  whatsapp: { short: "WhatsApp", long: "WhatsApp" },
  messenger: { short: "Messenger", long: "Messenger" },
  telegram: { short: "Telegram", long: "Telegram" },
};
// Messaging channels: what Baton sends goes out through the platform, with
// a delivery status; WhatsApp and Messenger also limit when it may.
const MESSAGING_CHANNELS = new Set(["whatsapp", "messenger", "telegram"]);
const WINDOW_CHANNELS = new Set(["whatsapp", "messenger"]);
const STANDARD_WINDOW_MS = 24 * 3600 * 1000;
const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const DELIVERY_RANK = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
const MODES = {
  bot: "With the bot",
  handoff: "Collecting details",
  queued: "Queued",
  agent: "With an agent",
  ticket: "Ticket",
  closed: "Closed",
};
const TRIGGERS = {
  text: "Asked for a person",
  unknown: "Bot did not understand",
  feedback: "Answer did not help",
  sensitive_intent: "Sensitive topic",
  frustration: "Frustrated customer",
  bot_failure: "Bot failure",
  bot: "Bot handed off",
  agent: "Agent took over",
};
const MSG_PAGE = 1000;

// ---------------------------------------------------------------- state

const S = {
  me: null,
  agents: new Map(), // id → agent (with active when known)
  departments: [],
  canned: [],
  convs: new Map(), // id → conversation view (+ _waitStart, _qpos)
  previews: new Map(), // id → { seq, msg (last non-system), pub (last public non-system) }
  // Conversations that left the inbox: their last version, so a list
  // fetched before they left cannot bring them back.
  gone: new Map(), // id → { version, last_seq, at }
  unread: new Set(), // own conversations with customer messages not yet seen
  // Conversations this agent is claiming or replying to right now: their
  // urgent alert ends with the agent's own action, not as "assigned to you".
  acting: new Set(),
  open: null, // the open conversation: see openConversation
  composeMode: "reply",
  drafts: new Map(), // id → { text, mode }
  alerts: localStorage.getItem("baton.inbox.alerts") === "1",
  collapsed: new Set(JSON.parse(localStorage.getItem("baton.inbox.collapsed") || "[]")),
  // On a phone the summary starts folded: the timeline needs the room.
  summaryCollapsed: (localStorage.getItem("baton.inbox.summary") ||
    (window.matchMedia("(max-width: 760px)").matches ? "collapsed" : "open")) === "collapsed",
  running: false,
  loadedOnce: false,
  order: [], // ids in display order, for j/k
};

// ---------------------------------------------------------------- boot

async function boot() {
  wireStatic();
  setUnauthorizedHandler(() => {
    if (S.running) {
      stopApp();
      showSignIn("Your session has ended. Sign in again.");
    }
  });
  try {
    const s = await get("/session", { allow401: true });
    startApp(s);
  } catch (err) {
    showSignIn(err instanceof ApiError && err.status !== 401 && err.status !== 404 ? err.message : "");
  }
}

// ---------------------------------------------------------------- sign in

let retryTimer = null;

function showSignIn(message) {
  $("boot").hidden = true;
  $("app").hidden = true;
  $("signin").hidden = false;
  document.title = "Sign in · Baton inbox";
  setSignInError(message || "");
  const email = $("signin-email");
  if (!email.value) email.focus();
  else $("signin-password").focus();
}

function setSignInError(msg) {
  const el = $("signin-error");
  el.textContent = sentence(msg);
  el.hidden = !msg;
}

async function onSignIn(e) {
  e.preventDefault();
  const email = $("signin-email").value.trim();
  const password = $("signin-password").value;
  if (!email || !password) {
    setSignInError("Enter your email and password.");
    (email ? $("signin-password") : $("signin-email")).focus();
    return;
  }
  const btn = $("signin-button");
  btn.disabled = true;
  btn.textContent = "Signing in…";
  setSignInError("");
  try {
    const s = await post("/session", { email, password }, { allow401: true });
    $("signin-password").value = "";
    btn.disabled = false;
    btn.textContent = "Sign in";
    startApp(s);
  } catch (err) {
    btn.textContent = "Sign in";
    if (err.status === 429) {
      countdown(err.retryAfter || 30);
      return;
    }
    btn.disabled = false;
    if (err.status === 401) setSignInError(err.message || "Wrong email or password.");
    else setSignInError(err.message);
    $("signin-password").select();
    $("signin-password").focus();
  }
}

function countdown(sec) {
  clearInterval(retryTimer);
  const btn = $("signin-button");
  let left = Math.max(1, Math.ceil(sec));
  const tick = () => {
    if (left <= 0) {
      clearInterval(retryTimer);
      btn.disabled = false;
      setSignInError("");
      return;
    }
    btn.disabled = true;
    setSignInError("Too many attempts, try again in " + left + " s.");
    left--;
  };
  tick();
  retryTimer = setInterval(tick, 1000);
}

// ---------------------------------------------------------------- app start / stop

let tickTimer = null;

function startApp(session) {
  setCsrf(session.csrf_token);
  if (S.draftsOwner && S.draftsOwner !== session.agent.id) S.drafts.clear();
  S.me = session.agent;
  S.draftsOwner = session.agent.id;
  restoreDrafts();
  restoreDismissed();
  S.running = true;
  S.loadedOnce = false;
  $("boot").hidden = true;
  $("signin").hidden = true;
  $("app").hidden = false;
  renderMe();
  renderAlertsButton();
  applyCollapsed();
  updateTitle();
  connect();
  loadAll();
  loadAgents();
  loadDepartments();
  loadCanned();
  get("/agents/me").then((a) => { if (a) { S.me = { ...S.me, ...a }; renderMe(); } }).catch(() => {});
  clearInterval(tickTimer);
  tickTimer = setInterval(tick, 1000);
  const id = location.hash.slice(1);
  if (id) openConversation(decodeURIComponent(id), { fromHash: true });
  else { closeConversationPane(); showList(); }
}

function stopApp(opts = {}) {
  S.running = false;
  if (opts.signedOut) {
    S.drafts.clear();
    sessionStorage.removeItem("baton.inbox.drafts");
  }
  disconnect();
  clearInterval(tickTimer);
  S.me = null;
  S.convs.clear();
  S.previews.clear();
  S.gone.clear();
  S.unread.clear();
  S.acting.clear();
  S.agents.clear();
  S.open = null;
  clearUrgentAlerts();
  rowEls.clear();
  for (const s of SECTIONS) $(s + "-list").replaceChildren();
  closeConversationPane();
  document.querySelectorAll("dialog[open]").forEach((d) => d.close());
  setCsrf("");
}

// ---------------------------------------------------------------- static wiring

function wireStatic() {
  $("signin-form").addEventListener("submit", onSignIn);
  $("status").addEventListener("change", onStatusChange);
  $("go-online").addEventListener("click", () => { $("status").value = "online"; onStatusChange(); });
  $("alerts").addEventListener("click", toggleAlerts);
  $("urgent-more").addEventListener("click", toggleMoreAlerts);
  if ("ResizeObserver" in window) new ResizeObserver(placeToasts).observe($("urgent-alerts"));
  $("help-button").addEventListener("click", () => showDialog($("shortcuts")));
  $("menu-button").addEventListener("click", (e) => { e.stopPropagation(); toggleMenu(); });
  $("menu-signout").addEventListener("click", signOut);
  $("signout-button").addEventListener("click", signOut);
  $("menu-password").addEventListener("click", () => { toggleMenu(false); openPasswordDialog(); });
  document.addEventListener("click", (e) => {
    if (!$("menu").hidden && !e.target.closest(".menu-wrap")) toggleMenu(false);
  });
  for (const btn of document.querySelectorAll(".sec-toggle")) {
    btn.addEventListener("click", () => {
      const sec = btn.closest(".sec").dataset.section;
      if (S.collapsed.has(sec)) S.collapsed.delete(sec);
      else S.collapsed.add(sec);
      localStorage.setItem("baton.inbox.collapsed", JSON.stringify([...S.collapsed]));
      applyCollapsed();
    });
  }
  for (const d of document.querySelectorAll("dialog")) {
    d.addEventListener("click", (e) => {
      if (e.target.closest("[data-close]")) { d.close(); return; }
      if (e.target !== d) return;
      // The dialog element itself is hit on its padding and on the backdrop:
      // only a click outside its box closes it.
      const r = d.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) d.close();
    });
  }
  $("transfer-form").addEventListener("submit", onTransferSubmit);
  for (const r of document.querySelectorAll("#transfer-form input[name=target]")) r.addEventListener("change", syncTransferTarget);
  $("release-with-survey").addEventListener("click", () => doRelease(true));
  $("release-without-survey").addEventListener("click", () => doRelease(false));
  $("password-form").addEventListener("submit", onPasswordSubmit);
  document.addEventListener("keydown", onGlobalKey);
  window.addEventListener("hashchange", onHashChange);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && S.running) {
      markOpenSeen();
      if (!ws || ws.readyState > 1) reconnectNow();
    }
  });
  window.addEventListener("online", () => { if (S.running) reconnectNow(); });
  // Audio may only start after a gesture: resume it on the first one.
  const unlock = () => { if (S.alerts) audio(); };
  document.addEventListener("pointerdown", unlock, { passive: true });
  document.addEventListener("keydown", unlock);
}

function applyCollapsed() {
  for (const sec of SECTIONS) {
    const el = document.querySelector(`.sec[data-section="${sec}"]`);
    const collapsed = S.collapsed.has(sec);
    el.classList.toggle("collapsed", collapsed);
    el.querySelector(".sec-toggle").setAttribute("aria-expanded", String(!collapsed));
  }
}

function toggleMenu(force) {
  const menu = $("menu");
  const show = force === undefined ? menu.hidden : force;
  menu.hidden = !show;
  $("menu-button").setAttribute("aria-expanded", String(show));
  if (show) menu.querySelector("[role=menuitem]").focus();
}

async function signOut() {
  toggleMenu(false);
  try {
    await del("/session");
  } catch (err) {
    if (err.status !== 401) { toast(err.message); return; }
  }
  stopApp({ signedOut: true });
  history.replaceState(null, "", location.pathname);
  showSignIn("");
  $("signin-email").focus();
}

// ---------------------------------------------------------------- header

function renderMe() {
  const me = S.me;
  if (!me) return;
  $("me-name").textContent = me.name;
  $("me-avatar").textContent = initials(me.name);
  setChildren($("menu-head"), h("strong", null, me.name), h("span", null, me.email || ""),
    h("span", { class: "muted" }, (me.departments || []).join(", ")));
  const st = me.status || "offline";
  $("status").value = st;
  $("status-switch").dataset.status = st;
  $("status-switch").title = "You are " + st;
  $("offline-banner").hidden = st !== "offline";
  updateLoad();
}

function activeCount() {
  if (!S.loadedOnce && S.me && typeof S.me.active === "number") return S.me.active;
  let n = 0;
  for (const c of S.convs.values()) if (sectionOf(c) === "mine") n++;
  return n;
}

function updateLoad() {
  if (!S.me) return;
  const n = activeCount();
  const max = S.me.max_concurrent || 0;
  const el = $("load");
  el.textContent = n + " / " + max;
  el.title = `You hold ${n} of at most ${max} conversations`;
  el.setAttribute("aria-label", el.title);
  el.classList.toggle("full", max > 0 && n >= max);
}

async function onStatusChange() {
  const sel = $("status");
  const status = sel.value;
  const prev = S.me.status;
  if (status === "offline" && activeCount() > 0) {
    const ok = await confirmDialog("Go offline?",
      `Going offline returns the ${activeCount()} conversation(s) you hold to the queue for someone else.`, "Go offline");
    if (!ok) { sel.value = prev; return; }
  }
  $("status-switch").dataset.status = status;
  try {
    const a = await put("/agents/me/status", { status });
    S.me = { ...S.me, ...a };
    renderMe();
    toast("You are " + status + ".", { kind: "info", timeout: 2500 });
  } catch (err) {
    sel.value = prev;
    $("status-switch").dataset.status = prev;
    toast(err.message);
  }
}

function updateTitle() {
  let n = 0;
  for (const c of S.convs.values()) if (sectionOf(c) === "queue") n++;
  // An urgent alert nobody has acted on yet shows in the tab too.
  document.title = (urgent.list.length ? "\u26a0 " : "") + (n > 0 ? `(${n}) ` : "") + "Baton inbox";
}

// ---------------------------------------------------------------- loading

let loadGen = 0;

async function loadAll() {
  const gen = ++loadGen;
  let res;
  try {
    res = await Promise.all([
      get("/queue"),
      get("/conversations?assignee=me"),
      get("/conversations?mode=handoff"),
      get("/conversations?mode=ticket"),
    ]);
  } catch (err) {
    if (err.status !== 401) toast("Could not load the inbox: " + err.message);
    return;
  }
  if (gen !== loadGen || !S.running) return;
  const [q, mine, handoff, ticket] = res;
  const fresh = new Set();
  const first = !S.loadedOnce;
  const newlyQueued = [];
  for (const list of [q.queue, mine.conversations, handoff.conversations, ticket.conversations]) {
    for (const v of list || []) {
      fresh.add(v.id);
      const prev = S.convs.get(v.id);
      const cur = upsert(v);
      if (!cur) continue;
      if (!first && cur === v && v.mode === "queued" && (!prev || prev.mode !== "queued") && inDept(v)) newlyQueued.push(v);
    }
  }
  S.loadedOnce = true;
  // Alert frames come once: what was urgent while this page was not
  // listening (or before it was loaded) gets its banner back, silently.
  rebuildAlerts(fresh);
  // What we show but the lists no longer hold changed while we were not
  // listening: ask for each (a few at most) rather than guess.
  const stale = [...S.convs.values()].filter((c) => sectionOf(c) && !fresh.has(c.id));
  scheduleRender();
  for (const c of stale.slice(0, 50)) refreshConversation(c.id);
  if (newlyQueued.length) alertQueued(newlyQueued);
}

async function refreshConversation(id) {
  try {
    const v = await get("/conversations/" + enc(id));
    upsertFresh(v);
  } catch (err) {
    if (err.status === 403 || err.status === 404) forget(id);
  }
  scheduleRender();
  if (S.open && S.open.id === id) renderOpenState();
}

function forget(id) {
  const c = S.convs.get(id);
  if (c) S.gone.set(id, { version: c.version || 0, last_seq: c.last_seq || 0, at: Date.now() });
  S.convs.delete(id);
  S.previews.delete(id);
  S.unread.delete(id);
  const a = alertFor(id);
  if (a) dropAlert(a);
}

async function loadAgents() {
  try {
    const r = await get("/agents");
    for (const a of r.agents || []) S.agents.set(a.id, a);
    if (S.open) rerenderTimeline();
  } catch { /* the transfer dialog retries */ }
}

async function loadDepartments() {
  try {
    const r = await get("/departments");
    S.departments = r.departments || [];
  } catch { /* the transfer dialog retries */ }
}

async function loadCanned() {
  try {
    const r = await get("/canned-replies");
    S.canned = r.canned_replies || [];
  } catch (err) {
    S.canned = [];
    if (err.status !== 404 && err.status !== 401) toast("Could not load canned replies: " + err.message);
  }
}

// ---------------------------------------------------------------- conversation views

function newer(a, b) {
  if ((a.version || 0) !== (b.version || 0)) return (a.version || 0) > (b.version || 0);
  return (a.last_seq || 0) >= (b.last_seq || 0);
}

/** Merges a view in; returns the view now held. */
function upsert(v, opts = {}) {
  const dead = S.gone.get(v.id);
  if (dead && !opts.force && !newer(v, dead)) return null;
  if (dead && !(dead.version === v.version && dead.last_seq === v.last_seq)) S.gone.delete(v.id);
  const cur = S.convs.get(v.id);
  if (cur && !opts.force && !newer(v, cur)) {
    // Same state, older timeline: still take the fresher waiting time.
    if (v.waiting_seconds != null && cur.mode === "queued" && v.mode === "queued" && v.version === cur.version) {
      cur._waitStart = serverNow() - v.waiting_seconds * 1000;
    }
    return cur;
  }
  if (v.waiting_seconds != null) v._waitStart = serverNow() - v.waiting_seconds * 1000;
  else if (cur && cur._waitStart && v.mode === "queued" && cur.mode === "queued") v._waitStart = cur._waitStart;
  if (cur && cur.last_seq > (v.last_seq || 0)) v.last_seq = cur.last_seq;
  S.convs.set(v.id, v);
  if (v.mode !== "agent" || v.assignee !== S.me?.id) S.unread.delete(v.id);
  reviewAlert(v);
  maybeDrop(v.id);
  return v;
}

/** A view just fetched on purpose: taken even if it had left the inbox. */
function upsertFresh(v) {
  S.gone.delete(v.id);
  return upsert(v);
}

/**
 * Forgets a conversation outside every section unless it is open: the
 * stream tells about every conversation of the agent's departments, most
 * of them with the bot, and a shift is long.
 */
function maybeDrop(id) {
  const c = S.convs.get(id);
  if (!c || sectionOf(c) || (S.open && S.open.id === id)) return;
  S.gone.set(id, { version: c.version || 0, last_seq: c.last_seq || 0, at: Date.now() });
  S.convs.delete(id);
  S.previews.delete(id);
  S.unread.delete(id);
}

function pruneGone() {
  const old = Date.now() - 10 * 60 * 1000;
  for (const [id, g] of S.gone) if (g.at < old) S.gone.delete(id);
}

function inDept(c) {
  return !c.department || (S.me && (S.me.departments || []).includes(c.department));
}

function sectionOf(c) {
  if (!S.me || !c) return null;
  if (c.mode === "agent") return c.assignee === S.me.id ? "mine" : null;
  if (!inDept(c)) return null;
  if (c.mode === "queued") return "queue";
  if (c.mode === "handoff") return "handoff";
  if (c.mode === "ticket") return "ticket";
  return null;
}

function ts(s) {
  if (!s) return NaN;
  const t = Date.parse(s);
  return Number.isNaN(t) || t <= 0 ? NaN : t;
}

/**
 * Since when (server clock, ms) the customer has been waiting in this
 * section, and whether it is a wait at all (in Mine: the customer wrote last).
 */
function waitInfo(c) {
  const sec = sectionOf(c);
  const reqAt = ts(c.handoff && c.handoff.requested_at);
  switch (sec) {
    case "queue": {
      const start = c._waitStart || ts(c.queued_at) || reqAt || ts(c.updated_at);
      return { start, waiting: true, label: "waiting" };
    }
    case "handoff":
      return { start: reqAt || ts(c.updated_at), waiting: true, label: "in handoff" };
    case "ticket":
      return { start: reqAt || ts(c.queued_at) || ts(c.updated_at), waiting: true, label: "open" };
    case "mine": {
      const p = S.previews.get(c.id);
      const last = p && p.pub;
      if (last) {
        const at = ts(last.created_at);
        if (last.author === "agent") return { start: at, waiting: false, label: "since the last reply" };
        // The customer (or the bot on their behalf: "connecting you…")
        // spoke last: they wait for a person since their last message.
        const lc = ts(c.last_customer_at);
        return { start: lc && lc <= at ? lc : at, waiting: true, label: "waiting for your reply" };
      }
      const lc = ts(c.last_customer_at), la = ts(c.last_activity_at);
      if (lc && (!la || lc >= la - 1000)) return { start: lc, waiting: true, label: "waiting for your reply" };
      return { start: la || ts(c.updated_at), waiting: false, label: "since the last message" };
    }
  }
  return { start: ts(c.updated_at), waiting: false, label: "" };
}

function compareRows(a, b) {
  const pa = PRIORITY_RANK[a.priority] ?? 1, pb = PRIORITY_RANK[b.priority] ?? 1;
  if (pa !== pb) return pb - pa;
  const wa = waitInfo(a), wb = waitInfo(b);
  if (wa.waiting !== wb.waiting) return wa.waiting ? -1 : 1;
  const sa = wa.start || Infinity, sb = wb.start || Infinity;
  if (sa !== sb) return sa - sb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Queue positions per department, in the server's order. */
function queuePositions() {
  const byDept = new Map();
  for (const c of S.convs.values()) {
    if (c.mode !== "queued") continue;
    const d = c.department || "";
    if (!byDept.has(d)) byDept.set(d, []);
    byDept.get(d).push(c);
  }
  for (const list of byDept.values()) {
    list.sort((a, b) => {
      const pa = PRIORITY_RANK[a.priority] ?? 1, pb = PRIORITY_RANK[b.priority] ?? 1;
      if (pa !== pb) return pb - pa;
      const la = LIVE_CHANNELS.has(a.channel), lb = LIVE_CHANNELS.has(b.channel);
      if (la !== lb) return la ? -1 : 1;
      const qa = ts(a.queued_at) || 0, qb = ts(b.queued_at) || 0;
      if (qa !== qb) return qa - qb;
      return a.id < b.id ? -1 : 1;
    });
    list.forEach((c, i) => { c._qpos = i + 1; });
  }
}

function customerName(c) {
  const ct = (c && c.contact) || {};
  return ct.name || ct.email || phoneOf(c) || (c ? "Customer " + shortId(c.id) : "Customer");
}

/** The customer's phone: the contact's, or on WhatsApp their number (wa_id). */
function phoneOf(c) {
  const ct = (c && c.contact) || {};
  if (ct.phone) return ct.phone;
  if (c && c.channel === "whatsapp" && /^\d{6,15}$/.test(c.channel_user || "")) return "+" + c.channel_user;
  return "";
}

function shortId(id) {
  const s = String(id || "");
  const i = s.indexOf("_");
  return (i >= 0 ? s.slice(i + 1) : s).slice(0, 6);
}

function agentName(id) {
  if (!id) return "";
  if (S.me && id === S.me.id) return "You";
  const a = S.agents.get(id);
  return a ? a.name : "another agent";
}

function deptTitle(name) {
  const d = S.departments.find((x) => x.name === name);
  return (d && (d.title || d.name)) || name || "";
}

// ---------------------------------------------------------------- list rendering

const rowEls = new Map(); // id → { li, btn, name, wait, meta, preview, badge, dot }
let renderPending = false;

function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderLists();
  });
}

function renderLists() {
  if (!S.running) return;
  queuePositions();
  const groups = { queue: [], mine: [], handoff: [], ticket: [] };
  for (const c of S.convs.values()) {
    const s = sectionOf(c);
    if (s) groups[s].push(c);
  }
  const seen = new Set();
  S.order = [];
  for (const s of SECTIONS) {
    const list = groups[s].sort(compareRows);
    const ul = $(s + "-list");
    let prev = null;
    for (const c of list) {
      seen.add(c.id);
      let r = rowEls.get(c.id);
      if (!r) {
        r = makeRow(c.id);
        rowEls.set(c.id, r);
      }
      updateRow(r, c, s);
      const want = prev ? prev.nextSibling : ul.firstChild;
      if (r.li.parentNode !== ul || want !== r.li) ul.insertBefore(r.li, want);
      prev = r.li;
      S.order.push(c.id);
      wantPreview(c);
    }
    $(s + "-count").textContent = String(list.length);
    $(s + "-empty").hidden = list.length > 0;
  }
  for (const [id, r] of rowEls) {
    if (!seen.has(id)) {
      r.li.remove();
      rowEls.delete(id);
    }
  }
  updateTitle();
  updateLoad();
  for (const a of urgent.list) fillBanner(a);
  if (!S.open) renderPlaceholder(groups);
}

function makeRow(id) {
  const r = {};
  r.badge = h("span", { class: "prio" });
  r.name = h("span", { class: "row-name", dir: "auto" });
  r.dot = h("span", { class: "unread-dot", title: "New message", "aria-label": "new message" });
  r.wait = h("span", { class: "row-wait", "aria-hidden": "true" });
  r.waitSr = h("span", { class: "visually-hidden" });
  r.meta = h("span", { class: "row-meta" });
  r.preview = h("span", { class: "row-preview", dir: "auto" });
  r.btn = h("button", {
    type: "button", class: "row", "data-testid": "conversation-row", dataset: { id },
    onclick: () => openConversation(id, { user: true }),
  }, h("span", { class: "row-top" }, r.badge, r.name, r.waitSr, r.dot, r.wait), r.meta, r.preview);
  r.li = h("li", { class: "row-li" }, r.btn);
  return r;
}

function updateRow(r, c, sec) {
  const b = r.btn;
  b.dataset.mode = c.mode;
  b.dataset.priority = c.priority || "normal";
  b.dataset.section = sec;
  const active = S.open && S.open.id === c.id;
  b.classList.toggle("active", !!active);
  if (active) b.setAttribute("aria-current", "true");
  else b.removeAttribute("aria-current");
  const unread = S.unread.has(c.id);
  b.classList.toggle("unread", unread);
  r.dot.hidden = !unread;
  const prio = c.priority || "normal";
  r.badge.className = "prio prio-" + prio;
  r.badge.textContent = prio === "urgent" ? "Urgent" : prio === "high" ? "High" : prio === "low" ? "Low" : "";
  r.badge.hidden = prio === "normal";
  setText(r.name, customerName(c));
  // Meta line: department · channel · language · mode detail
  const ch = CHANNELS[c.channel] || { short: c.channel || "?", long: c.channel || "unknown channel" };
  const lang = language(c.locale);
  const bits = [];
  if (c.department) bits.push(h("span", { class: "m-dept" }, deptTitle(c.department)));
  bits.push(h("span", { class: "chan chan-" + (c.channel || "x"), title: ch.long }, ch.short));
  if (lang.short) bits.push(h("span", { class: "lang", title: lang.long }, lang.short));
  if (sec === "queue" && c._qpos) bits.push(h("span", { class: "m-pos", title: "Place in the " + deptTitle(c.department) + " queue" }, "#" + c._qpos));
  if (sec === "handoff") {
    const miss = (c.handoff && c.handoff.missing) || [];
    bits.push(h("span", { class: "m-mode" }, miss.length ? "asking " + miss.map(humanize).join(", ").toLowerCase() : "collecting"));
  } else if (sec !== "mine") bits.push(h("span", { class: "m-mode" }, MODES[c.mode] || c.mode));
  const key = JSON.stringify([c.department, c.channel, c.locale, c._qpos, c.mode, c.handoff && c.handoff.missing, S.departments.length]);
  if (r.metaKey !== key) {
    r.metaKey = key;
    setChildren(r.meta, bits);
  }
  const p = S.previews.get(c.id);
  let text = "";
  if (p && p.msg) {
    const m = p.msg;
    const who = m.author === "customer" ? "" : m.private ? "Note: " : m.author === "bot" ? "Bot: " :
      m.author === "agent" ? (m.agent_id === S.me.id ? "You: " : agentName(m.agent_id) + ": ") : "";
    text = who + (m.text || "").replace(/\s+/g, " ");
  } else if (c.summary && c.summary.reason) {
    text = c.summary.reason;
  }
  setText(r.preview, text);
  r.preview.hidden = !text;
  r.wi = waitInfo(c);
  r.sec = sec;
  updateWait(r);
}

function updateWait(r) {
  const wi = r.wi;
  if (!wi || !wi.start) { setText(r.wait, ""); setText(r.waitSr, ""); return; }
  const sec = (serverNow() - wi.start) / 1000;
  setText(r.wait, formatWait(sec));
  setText(r.waitSr, ", " + wi.label + " " + formatWaitLong(sec));
  r.wait.title = humanize(wi.label) + " for " + formatWaitLong(sec);
  let level = "";
  if (wi.waiting && (r.sec === "queue" || r.sec === "mine")) level = sec >= 300 ? "late" : sec >= 120 ? "warn" : "";
  r.wait.className = "row-wait" + (wi.waiting ? "" : " idle") + (level ? " " + level : "");
}

function setText(el, t) {
  if (el.textContent !== t) el.textContent = t;
}

// Every second: the waiting times tick.
let ticks = 0;
function tick() {
  if (!S.running) return;
  if (++ticks % 60 === 0) pruneGone();
  if (!S.open && ticks % 5 === 0) scheduleRender(); // the empty pane's numbers
  for (const r of rowEls.values()) updateWait(r);
  if (S.open && S.open.waitedEl) updateWaited();
  if (S.open) updateWindowClock();
}

// ---------------------------------------------------------------- previews

const previewWanted = [];
const previewBusy = new Set();
let previewRunning = 0;

function notePreview(id, m) {
  let p = S.previews.get(id);
  if (!p) { p = { seq: 0, msg: null, pub: null }; S.previews.set(id, p); }
  p.seq = Math.max(p.seq, m.seq || 0);
  if (m.author === "system" || m.event === "wait_updated") return;
  if (!p.msg || m.seq >= p.msg.seq) p.msg = m;
  if (!m.private && (!p.pub || m.seq >= p.pub.seq)) p.pub = m;
  if (m.author === "customer" && (!p.cust || m.seq >= p.cust.seq)) p.cust = m;
}

function wantPreview(c) {
  const p = S.previews.get(c.id);
  if ((p && p.seq >= (c.last_seq || 0)) || previewBusy.has(c.id) || !c.last_seq) return;
  previewBusy.add(c.id);
  previewWanted.push(c.id);
  pumpPreviews();
}

function pumpPreviews() {
  while (previewRunning < 4 && previewWanted.length) {
    const id = previewWanted.shift();
    previewRunning++;
    fetchPreview(id).finally(() => {
      previewRunning--;
      previewBusy.delete(id);
      pumpPreviews();
    });
  }
}

async function fetchPreview(id) {
  const c = S.convs.get(id);
  if (!c || !S.running) return;
  const after = Math.max(0, (c.last_seq || 0) - 12);
  try {
    const r = await get(`/conversations/${enc(id)}/messages?after=${after}&limit=12`);
    let p = S.previews.get(id);
    for (const m of r.messages || []) notePreview(id, m);
    p = S.previews.get(id);
    if (p) p.seq = Math.max(p.seq, r.last_seq || 0, c.last_seq || 0);
    else S.previews.set(id, { seq: Math.max(r.last_seq || 0, c.last_seq || 0), msg: null, pub: null });
    scheduleRender();
  } catch (err) {
    if (err.status === 403 || err.status === 404) { forget(id); scheduleRender(); }
  }
}

// ---------------------------------------------------------------- live stream

let ws = null;
let wsAttempts = 0;
let wsTimer = null;
let wsEverOpen = false;

function wsURL() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/stream";
}

function connect() {
  clearTimeout(wsTimer);
  if (!S.running) return;
  setConn(wsEverOpen ? "reconnecting" : "connecting");
  let sock;
  try {
    sock = new WebSocket(wsURL());
  } catch {
    scheduleReconnect();
    return;
  }
  ws = sock;
  sock.onopen = () => {
    if (ws !== sock) return;
    wsAttempts = 0;
    setConn("live");
    // Anything may have changed while we were not listening (or before we
    // first listened): reload the lists and the open conversation's tail.
    if (wsEverOpen) {
      loadAll();
      if (S.open) catchUpOpen();
    } else if (S.loadedOnce) {
      loadAll();
    }
    wsEverOpen = true;
  };
  sock.onmessage = (e) => {
    if (ws !== sock) return;
    let f;
    try { f = JSON.parse(e.data); } catch { return; }
    onFrame(f);
  };
  sock.onclose = (e) => {
    if (ws !== sock) return;
    ws = null;
    if (!S.running) return;
    if (e.code === 1013 || (e.code >= 4000 && e.code < 5000)) wsAttempts = 0; // fell behind: reload at once
    setConn("reconnecting");
    scheduleReconnect();
  };
  sock.onerror = () => { /* onclose follows */ };
}

function scheduleReconnect() {
  clearTimeout(wsTimer);
  if (!S.running) return;
  const base = Math.min(30000, 500 * 2 ** Math.min(wsAttempts, 6));
  const delay = wsAttempts === 0 ? 200 : base / 2 + Math.random() * base / 2;
  wsAttempts++;
  wsTimer = setTimeout(async () => {
    if (!S.running) return;
    // A handshake refused for a lost session shows up as a bare close:
    // ask the session first, which signs out cleanly on a 401.
    try {
      const s = await get("/session");
      if (s && s.csrf_token) setCsrf(s.csrf_token);
    } catch (err) {
      if (err.status === 401) return;
      setConn("offline");
      scheduleReconnect();
      return;
    }
    connect();
  }, delay);
}

function reconnectNow() {
  wsAttempts = 0;
  if (ws && ws.readyState <= 1) return;
  scheduleReconnect();
}

function disconnect() {
  clearTimeout(wsTimer);
  const s = ws;
  ws = null;
  wsEverOpen = false;
  wsAttempts = 0;
  if (s) try { s.close(1000, "signed out"); } catch { /* closed */ }
  setConn("connecting");
}

function setConn(state) {
  const el = $("conn");
  el.dataset.state = state;
  $("conn-text").textContent = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline" }[state] || state;
  el.title = state === "live" ? "Live updates are on" : "Live updates are paused; reconnecting";
}

function onFrame(f) {
  if (!S.running || !f) return;
  if (f.type === "message" && f.message) onMessageFrame(f.conversation_id || f.message.conversation_id, f.message);
  else if (f.type === "conversation" && f.conversation) onConversationFrame(f.conversation);
  else if (f.type === "agent" && f.agent) onAgentFrame(f.agent);
  else if (f.type === "alert" && f.conversation) onAlertFrame(f.conversation);
}

function onConversationFrame(v) {
  const prev = S.convs.get(v.id);
  const wasQueued = prev && prev.mode === "queued";
  const cur = upsert(v);
  if (cur === v && v.mode === "queued" && !wasQueued && inDept(v)) alertQueued([v]);
  if (S.open && S.open.id === v.id) renderOpenState();
  scheduleRender();
}

function onMessageFrame(id, m) {
  if (!id) return;
  const c = S.convs.get(id);
  if (c) {
    if ((m.seq || 0) > (c.last_seq || 0)) c.last_seq = m.seq;
    if (m.author === "customer" && !(ts(m.created_at) < ts(c.last_customer_at))) {
      c.last_customer_at = m.created_at;
      // The customer wrote: the platform's window opens again. The
      // conversation's next view confirms.
      const at = ts(m.created_at);
      if (c.reply_window && at) {
        c.reply_window = { open: true, closes_at: new Date(at + STANDARD_WINDOW_MS).toISOString() };
        c.template_available = false;
      }
    }
    // A delivery's news comes with its (older) entry: time goes forward only.
    if (m.created_at && !(ts(m.created_at) < ts(c.updated_at))) c.updated_at = m.created_at;
  }
  const open = S.open && S.open.id === id;
  if (c || open) notePreview(id, m);
  if (open) {
    addMessage(S.open, m, { live: true });
    if (m.author === "customer" && c && c.reply_window) renderOpenState();
  }
  if (m.author === "customer" && c && sectionOf(c) === "mine") {
    if (!open || document.hidden) {
      if (!open) S.unread.add(id);
      notifyMessage(c, m);
    }
  }
  scheduleRender();
}

function onAgentFrame(a) {
  const prev = S.agents.get(a.id);
  S.agents.set(a.id, { ...(prev || {}), ...a });
  if (S.me && a.id === S.me.id) {
    const deptsChanged = JSON.stringify(S.me.departments) !== JSON.stringify(a.departments);
    S.me = { ...S.me, ...a };
    renderMe();
    if (deptsChanged) loadAll();
    scheduleRender();
  }
}

// ---------------------------------------------------------------- alerts

let audioCtx = null;

function audio() {
  try {
    if (!audioCtx) {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return null;
      audioCtx = new AC();
    }
    if (audioCtx.state === "suspended") audioCtx.resume().catch(() => {});
    return audioCtx;
  } catch {
    return null;
  }
}

/** A short chime: notes as [frequency, start offset s, length s]. */
function chime(notes, volume = 0.18) {
  const ctx = audio();
  if (!ctx) return;
  const t0 = ctx.currentTime + 0.02;
  for (const [freq, at, len] of notes) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0 + at);
    gain.gain.exponentialRampToValueAtTime(volume, t0 + at + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + len);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0 + at);
    osc.stop(t0 + at + len + 0.05);
  }
}

// The queue's chime, also for an urgent request. A conversation that is
// queued and urgent at once brings two frames in a row: one chime for it.
const chimedFor = new Map(); // conversation id → when its chime played
function soundQueued(id) {
  if (id) {
    const now = performance.now();
    if (now - (chimedFor.get(id) ?? -Infinity) < 1500) return;
    if (chimedFor.size > 100) chimedFor.clear();
    chimedFor.set(id, now);
  }
  chime([[880, 0, 0.18], [1318.5, 0.14, 0.32]]);
}
const soundMessage = () => chime([[660, 0, 0.16]], 0.1);

function renderAlertsButton() {
  const b = $("alerts");
  b.setAttribute("aria-pressed", String(S.alerts));
  b.classList.toggle("on", S.alerts);
  b.querySelector(".alerts-label").textContent = S.alerts ? "Alerts on" : "Alerts off";
  b.title = S.alerts ? "Alerts are on: a sound and a notification when a customer starts waiting or a request is urgent. Click to turn off."
    : "Turn on alerts for new waiting customers and urgent requests (sound and notification)";
}

async function toggleAlerts() {
  S.alerts = !S.alerts;
  localStorage.setItem("baton.inbox.alerts", S.alerts ? "1" : "0");
  renderAlertsButton();
  if (!S.alerts) return;
  audio();
  soundQueued();
  if ("Notification" in window) {
    if (Notification.permission === "default") {
      try {
        const p = await Notification.requestPermission();
        if (p !== "granted") toast("Notifications are not allowed in this browser: you will hear the sound only.", { kind: "info" });
      } catch { /* old API */ }
    } else if (Notification.permission === "denied") {
      toast("Notifications are blocked for this site: you will hear the sound only.", { kind: "info" });
    }
  }
}

function notify(title, body, tag, id, extra) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (!document.hidden && document.hasFocus()) return;
  try {
    const n = new Notification(title, { body, tag, silent: true, ...extra });
    n.onclick = () => { window.focus(); openConversation(id, { user: true }); n.close(); };
  } catch { /* some browsers only allow notifications from a service worker */ }
}

function alertQueued(list) {
  if (!S.alerts || !list.length) return;
  soundQueued(list.length === 1 ? list[0].id : "");
  const c = list[0];
  const more = list.length > 1 ? ` and ${list.length - 1} more` : "";
  const prio = c.priority && c.priority !== "normal" ? c.priority + " · " : "";
  // The same tag as an urgent alert's: the later notification replaces the earlier.
  notify("Customer waiting" + (c.department ? " · " + deptTitle(c.department) : ""),
    prio + customerName(c) + more + (c.summary && c.summary.reason ? " — " + c.summary.reason : ""), "baton-q-" + c.id, c.id);
}

function notifyMessage(c, m) {
  if (!S.alerts) return;
  soundMessage();
  notify(customerName(c), m.text || "New message", "baton-m-" + c.id, c.id);
}

// ---------------------------------------------------------------- urgent alerts

// The server sends an "alert" frame once per urgent request (urgency words,
// a rule, a VIP). Each becomes a banner above the lists until someone takes
// the conversation, it leaves this agent's view, or the agent dismisses it.
// A conversation the server assigns to this agent stays announced ("assigned
// to you") until the agent opens it: it is theirs to answer now.
// The frame comes once, so whenever the lists load (sign-in, reload,
// reconnect) the banners of urgent conversations still waiting for someone
// are raised again from the lists, without sound. Dismissals last the
// browser tab (sessionStorage), per request: a new urgent request for the
// same conversation alerts again.
const URGENT_SHOWN = 3;
const DISMISSED_KEPT = 300;
const urgent = {
  list: [], // newest first: { id, key, view, mine, el, line parts… }
  dismissed: new Set(), // keys of alerts dismissed by hand, oldest first
  expanded: false,
};

/** One urgent request: the conversation and when its handoff was requested. */
function alertKey(v) {
  const at = (v.handoff && v.handoff.requested_at) || (v.summary && v.summary.requested_at) || "";
  return v.id + "|" + at;
}

function alertFor(id) {
  return urgent.list.find((a) => a.id === id);
}

/** The dismissals this agent made earlier in this tab. */
function restoreDismissed() {
  urgent.dismissed.clear();
  try {
    const d = JSON.parse(sessionStorage.getItem("baton.inbox.dismissed") || "null");
    if (d && S.me && d.agent === S.me.id && Array.isArray(d.keys)) {
      for (const k of d.keys) if (typeof k === "string") urgent.dismissed.add(k);
    }
  } catch { /* ignore */ }
}

function persistDismissed() {
  if (!S.me) return;
  const keys = [...urgent.dismissed].slice(-DISMISSED_KEPT);
  try {
    sessionStorage.setItem("baton.inbox.dismissed", JSON.stringify({ agent: S.me.id, keys }));
  } catch { /* storage full or off */ }
}

/** Urgent and waiting for a person who has not come yet: worth a banner. */
function wantsBanner(c) {
  if (!c || !S.me || c.assignee) return false;
  if (c.mode !== "handoff" && c.mode !== "queued" && c.mode !== "ticket") return false;
  if (!sectionOf(c)) return false; // outside this agent's departments
  return (c.priority || (c.handoff && c.handoff.priority)) === "urgent";
}

/** When a banner's request was made, for the order of the banners. */
function requestedAt(a) {
  const v = S.convs.get(a.id) || a.view;
  return ts((v.handoff && v.handoff.requested_at) || (v.summary && v.summary.requested_at)) || 0;
}

/**
 * Banners from freshly loaded lists, for urgent conversations nobody has
 * taken: the alert frame may have come before this page listened. No sound
 * or notification: only a live alert chimes.
 */
function rebuildAlerts(ids) {
  const raised = [];
  let changed = false;
  for (const id of ids) {
    const c = S.convs.get(id);
    if (!wantsBanner(c)) continue;
    const key = alertKey(c);
    if (urgent.dismissed.has(key)) continue;
    const had = alertFor(c.id);
    if (had) {
      // A later request than the banner's: the banner stands for it now.
      if (had.key !== key) { had.key = key; had.view = c; fillBanner(had); }
      continue;
    }
    const a = { id: c.id, key, view: c, mine: false, quiet: true };
    makeBanner(a);
    raised.push(a);
  }
  // Newest request first, among the banners already shown.
  raised.sort((x, y) => requestedAt(y) - requestedAt(x));
  for (const a of raised) {
    const t = requestedAt(a);
    const i = urgent.list.findIndex((b) => requestedAt(b) < t);
    if (i < 0) urgent.list.push(a);
    else urgent.list.splice(i, 0, a);
    changed = true;
  }
  if (changed) renderAlerts();
}

function onAlertFrame(v) {
  if (!v.id || !S.me) return;
  // The same view as a conversation frame: merge it, then look at what we hold.
  const c = upsert(v);
  scheduleRender();
  if (!c) return; // an older view of a conversation that has left
  if (S.open && S.open.id === c.id) renderOpenState();
  const mine = c.mode === "agent" && c.assignee === S.me.id;
  if (c.mode === "bot" || c.mode === "closed" || (c.mode === "agent" && !mine)) return;
  if ((c.priority || (c.handoff && c.handoff.priority)) !== "urgent") return;
  const key = alertKey(c);
  if (urgent.dismissed.has(key)) return;
  const had = alertFor(c.id);
  if (had && had.key === key) {
    had.view = c;
    fillBanner(had);
    // Raised from the lists a moment before its frame came: still live news.
    if (had.quiet) { had.quiet = false; alertUrgent(c); }
    return;
  }
  if (had) dropAlert(had);
  // Already this agent's and on their screen: the sound is enough.
  if (mine && S.open && S.open.id === c.id) { alertUrgent(c); return; }
  const a = { id: c.id, key, view: c, mine };
  makeBanner(a);
  urgent.list.unshift(a);
  renderAlerts();
  alertUrgent(c);
}

/**
 * A newer view of a conversation: its alert ends when someone took it, it
 * went back to the bot or was closed, it is no longer urgent, or it moved
 * to a department outside this agent's.
 */
function reviewAlert(v) {
  const a = alertFor(v.id);
  if (!a || !S.me) return;
  const me = S.me.id;
  let gone = v.mode === "bot" || v.mode === "closed" || (v.priority && v.priority !== "urgent") ||
    (v.mode === "agent" && v.assignee !== me);
  if (!gone && v.department !== a.view.department && !inDept(v) && v.assignee !== me) gone = true;
  if (!gone && v.mode === "agent") {
    // Taken by this agent's own hand (claim, reply) or while open: done.
    if (S.acting.has(v.id) || (S.open && S.open.id === v.id)) gone = true;
    else a.mine = true;
  }
  if (gone) { dropAlert(a); return; }
  a.view = v;
  fillBanner(a);
}

function makeBanner(a) {
  a.name = h("span", { class: "ua-name", dir: "auto", "data-testid": "alert-name" });
  a.reason = h("span", { class: "ua-reason", dir: "auto", "data-testid": "alert-reason" });
  a.state = h("span", { class: "ua-state" });
  a.dept = h("span", { class: "ua-dept", "data-testid": "alert-department" });
  a.chan = h("span", { class: "ua-chan" });
  a.quote = h("span", { class: "ua-quote", dir: "auto" });
  a.open = h("button", { type: "button", class: "btn ua-open", "data-testid": "alert-open", onclick: () => openAlert(a) }, "Open");
  a.close = h("button", { type: "button", class: "ua-dismiss", "data-testid": "alert-dismiss", onclick: () => dismissAlert(a) },
    h("span", { "aria-hidden": "true" }, "\u00d7"));
  a.el = h("div", {
    class: "urgent-alert", role: "alert", "aria-live": "assertive", "data-testid": "urgent-alert", dataset: { id: a.id },
  },
  h("span", { class: "ua-icon", "aria-hidden": "true" }),
  h("div", { class: "ua-body" },
    h("p", { class: "ua-line" }, h("strong", { class: "ua-label" }, "Urgent:"), " ", a.name,
      h("span", { class: "ua-sep" }, " \u2014 "), a.reason),
    h("p", { class: "ua-meta" }, a.state, a.dept, a.chan, a.quote)),
  h("div", { class: "ua-actions" }, a.open, a.close));
  fillBanner(a);
}

/** The banner's words from the latest view; text nodes only. */
function fillBanner(a) {
  const c = S.convs.get(a.id) || a.view;
  const ct = c.contact || {};
  const name = (ct.name || "").trim() || "A customer";
  const s = c.summary || {};
  const reason = s.reason || (c.handoff && c.handoff.reason) || TRIGGERS[s.trigger || (c.handoff && c.handoff.trigger)] || "Needs a person";
  const dept = c.department || s.department || (c.handoff && c.handoff.department) || "";
  const ch = CHANNELS[c.channel] || { long: c.channel || "" };
  const p = S.previews.get(a.id);
  const said = p && p.cust && p.cust.text ? p.cust.text.replace(/\s+/g, " ").trim() : "";
  setText(a.name, name);
  setText(a.reason, reason);
  setText(a.state, a.mine ? "Assigned to you" : c.mode === "agent" ? "" : MODES[c.mode] || "");
  setText(a.dept, deptTitle(dept));
  setText(a.chan, ch.long);
  setText(a.quote, said ? "\u201c" + said + "\u201d" : "");
  a.state.hidden = !a.state.textContent;
  a.state.classList.toggle("mine", a.mine);
  a.dept.hidden = !dept;
  a.chan.hidden = !ch.long;
  a.quote.hidden = !said;
  a.el.classList.toggle("mine", a.mine);
  a.open.title = "Open the conversation with " + name;
  a.close.setAttribute("aria-label", "Dismiss the urgent alert for " + name);
  a.close.title = "Dismiss (Esc)";
}

/** Shows the newest URGENT_SHOWN banners (all when expanded) and "+N more". */
function renderAlerts() {
  const box = $("urgent-alerts"), list = $("urgent-list"), more = $("urgent-more");
  box.hidden = urgent.list.length === 0;
  const extra = urgent.list.length - URGENT_SHOWN;
  if (extra <= 0) urgent.expanded = false;
  // New banners go in front; the others stay where they are, so a screen
  // reader does not hear them again.
  let prev = null;
  urgent.list.forEach((a, i) => {
    const want = prev ? prev.nextSibling : list.firstChild;
    if (want !== a.el) list.insertBefore(a.el, want);
    a.el.hidden = !urgent.expanded && i >= URGENT_SHOWN;
    prev = a.el;
  });
  more.hidden = extra <= 0;
  more.setAttribute("aria-expanded", String(urgent.expanded));
  setText(more, urgent.expanded ? "Show fewer" : `+${extra} more urgent`);
  updateTitle();
  placeToasts();
}

/** Toasts go under the urgent alerts, never over them. */
function placeToasts() {
  const box = $("urgent-alerts"), toasts = $("toasts");
  if (box.hidden) toasts.style.removeProperty("top");
  else toasts.style.top = Math.round(box.getBoundingClientRect().bottom + 8) + "px";
}

function toggleMoreAlerts() {
  urgent.expanded = !urgent.expanded;
  renderAlerts();
}

/** Takes a banner away; the focus, if it was in it, goes to the next one. */
function dropAlert(a) {
  const i = urgent.list.indexOf(a);
  if (i < 0) return;
  const hadFocus = a.el.contains(document.activeElement);
  urgent.list.splice(i, 1);
  a.el.remove();
  renderAlerts();
  if (!hadFocus) return;
  const next = urgent.list[Math.min(i, urgent.list.length - 1)];
  if (next && !next.el.hidden) { next.open.focus(); return; }
  const row = document.querySelector(".row.active") || document.querySelector(".row");
  if (row && row.offsetParent) row.focus();
  else if (S.open && S.open.scroller) S.open.scroller.focus();
}

function dismissAlert(a) {
  urgent.dismissed.delete(a.key);
  urgent.dismissed.add(a.key);
  persistDismissed();
  dropAlert(a);
}

function openAlert(a) {
  openConversation(a.id, { user: true });
  if (a.mine) dropAlert(a);
}

function clearUrgentAlerts() {
  for (const a of urgent.list) a.el.remove();
  urgent.list = [];
  urgent.dismissed.clear();
  urgent.expanded = false;
  renderAlerts();
}

/** Sound and notification for an urgent request, when the agent turned alerts on. */
function alertUrgent(c) {
  if (!S.alerts) return;
  soundQueued(c.id);
  const ct = c.contact || {};
  const s = c.summary || {};
  const dept = c.department || s.department;
  notify("Urgent: " + ((ct.name || "").trim() || "A customer") + (dept ? " · " + deptTitle(dept) : ""),
    s.reason || (c.handoff && c.handoff.reason) || "Needs a person now", "baton-q-" + c.id, c.id, { requireInteraction: true });
}

// ---------------------------------------------------------------- routing (hash = open conversation)

function onHashChange() {
  if (!S.running) return;
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id) {
    closeConversationPane();
    showList();
  } else if (!S.open || S.open.id !== id) {
    openConversation(id, { fromHash: true });
  }
}

function showList() {
  $("app").dataset.view = "list";
}

// ---------------------------------------------------------------- the open conversation

let openGen = 0;

function openConversation(id, opts = {}) {
  if (!S.running || !id) return;
  if (S.open && S.open.id === id) {
    $("app").dataset.view = "conversation";
    return;
  }
  saveDraft();
  closeCanned();
  const prevOpen = S.open;
  const o = {
    id, gen: ++openGen, msgs: new Map(), els: new Map(), maxSeq: 0, contig: 0,
    loading: true, fetching: false, pending: new Map(), stick: true,
  };
  S.open = o;
  if (prevOpen) maybeDrop(prevOpen.id);
  S.unread.delete(id);
  // An urgent conversation already assigned to this agent: seen now.
  const urgentMine = alertFor(id);
  if (urgentMine && urgentMine.mine) dropAlert(urgentMine);
  if (!opts.fromHash) {
    const url = "#" + encodeURIComponent(id);
    if (location.hash !== url) {
      // From the list a new history entry (the phone's back button returns
      // to it); between conversations, replace.
      if ($("app").dataset.view === "list" && isNarrow()) { history.pushState(null, "", url); o.pushed = true; }
      else history.replaceState(null, "", url);
    }
  }
  $("app").dataset.view = "conversation";
  buildPane(o);
  scheduleRender();
  loadOpen(o);
}

function isNarrow() { return window.matchMedia("(max-width: 760px)").matches; }

async function loadOpen(o) {
  try {
    const [v] = await Promise.all([get("/conversations/" + enc(o.id)), fetchMessagesAfter(o, 0)]);
    if (S.open !== o) return;
    upsertFresh(v);
    o.loading = false;
    renderOpenState();
    rerenderTimeline();
    scrollToBottom(o, true);
    scheduleRender();
    if (o.contig < o.maxSeq) fetchMessagesAfter(o, o.contig).catch(() => {});
  } catch (err) {
    if (S.open !== o) return;
    o.loading = false;
    if (err.status === 403 || err.status === 404) {
      forget(o.id);
      scheduleRender();
      toast(err.message);
      closeConversationPane();
      history.replaceState(null, "", location.pathname);
      showList();
      return;
    }
    toast(err.message);
    renderOpenState();
    rerenderTimeline();
  }
}

async function fetchMessagesAfter(o, after) {
  o.fetching = true;
  try {
    for (;;) {
      const r = await get(`/conversations/${enc(o.id)}/messages?after=${after}&limit=${MSG_PAGE}`);
      if (S.open !== o) return;
      const msgs = r.messages || [];
      for (const m of msgs) addMessage(o, m, { batch: o.loading });
      const next = r.next_after || 0;
      if (msgs.length < MSG_PAGE || next <= after) break;
      after = next;
    }
  } finally {
    o.fetching = false;
  }
  // Entries that arrived out of order meanwhile may have left a gap.
  if (S.open === o && o.contig < o.maxSeq && !o.loading) fetchMessagesAfter(o, o.contig);
}

/** After reconnecting: the tail of the open conversation and its state. */
function catchUpOpen() {
  const o = S.open;
  if (!o || o.loading) return;
  fetchMessagesAfter(o, o.contig).catch((err) => toast(err.message));
  refreshConversation(o.id);
}

function addMessage(o, m, opts = {}) {
  if (!m || !m.seq) return;
  const had = o.msgs.get(m.seq);
  if (had) {
    // The same entry again: on a messaging channel, with news of its delivery.
    if (m.delivery) updateDelivery(o, had, m);
    return;
  }
  if (!m.delivery && (opts.live || opts.own) && goesOut(o, m)) {
    // Stored with its place in the outbox: waiting to go out until the
    // first news of its delivery.
    m.delivery = { status: "pending", updated_at: m.created_at, assumed: true };
  }
  o.msgs.set(m.seq, m);
  if (m.seq > o.maxSeq) o.maxSeq = m.seq;
  while (o.msgs.has(o.contig + 1)) o.contig++;
  notePreview(o.id, m);
  // Our own pending copy is replaced by the stored entry.
  if (m.client_message_id && o.pending.has(m.client_message_id) && m.author === "agent" && m.agent_id === S.me.id) {
    const p = o.pending.get(m.client_message_id);
    o.pending.delete(m.client_message_id);
    if (p.el) p.el.remove();
  }
  if (opts.batch || o.loading) return; // rendered when loading ends
  if (opts.live && m.seq > o.contig + 1 && !o.fetching) {
    fetchMessagesAfter(o, o.contig).catch(() => {});
  }
  insertEntry(o, m);
  const wrap = o.scroller;
  if (o.stick || (m.author === "agent" && m.agent_id === S.me.id)) scrollToBottom(o);
  else if (wrap) o.newPill.hidden = false;
  if (!document.hidden) markOpenSeen();
}

function markOpenSeen() {
  if (S.open) S.unread.delete(S.open.id);
}

function buildPane(o) {
  const pane = $("pane");
  const c = S.convs.get(o.id);
  o.back = h("button", { type: "button", class: "btn icon back", "aria-label": "Back to the list", onclick: goBack }, "‹");
  o.title = h("h2", { class: "who-name", dir: "auto", id: "conv-title" });
  o.sub = h("div", { class: "who-sub" });
  o.chips = h("div", { class: "chips" });
  o.claimBtn = h("button", { type: "button", class: "btn primary", "data-testid": "claim", onclick: doClaim, title: "Claim (c)" }, "Claim");
  o.transferBtn = h("button", { type: "button", class: "btn", "data-testid": "transfer", onclick: openTransfer, title: "Transfer (t)" }, "Transfer");
  o.releaseBtn = h("button", { type: "button", class: "btn", "data-testid": "release", onclick: openRelease, title: "Hand back to the bot (h)" }, "Hand back");
  o.closeBtn = h("button", { type: "button", class: "btn", "data-testid": "close", onclick: doClose, title: "Close the conversation" }, "Close");
  o.actions = h("div", { class: "actions", role: "toolbar", "aria-label": "Conversation actions" },
    o.claimBtn, o.transferBtn, o.releaseBtn, o.closeBtn);
  o.windowText = h("span", { class: "window-text" });
  o.windowEl = h("div", { class: "window-line", "data-testid": "reply-window", hidden: true },
    h("span", { class: "window-icon", "aria-hidden": "true" }), o.windowText);
  o.head = h("header", { class: "conv-head" }, o.back,
    h("div", { class: "who" }, h("div", { class: "who-line" }, o.title, o.chips), o.windowEl, o.sub), o.actions);

  o.summary = h("section", { class: "summary", "data-testid": "summary", "aria-label": "Handoff summary", hidden: true });

  o.timeline = h("ol", { class: "timeline", "data-testid": "timeline", "aria-label": "Timeline" });
  o.loadingEl = h("p", { class: "timeline-loading" }, "Loading the conversation…");
  o.newPill = h("button", { type: "button", class: "new-pill", hidden: true, onclick: () => scrollToBottom(o, true) }, "New messages ↓");
  // The log announces new entries; it scrolls with the keyboard once focused.
  o.scroller = h("div", { class: "timeline-wrap", role: "log", "aria-live": "polite", "aria-label": "Conversation timeline", tabindex: "0" },
    o.loadingEl, o.timeline);
  o.scroller.addEventListener("scroll", () => {
    const el = o.scroller;
    o.stick = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    if (o.stick) o.newPill.hidden = true;
  }, { passive: true });

  // Composer
  o.hint = h("p", { class: "composer-hint", id: "composer-hint" });
  o.windowBanner = h("div", { class: "window-closed", "data-testid": "window-closed", role: "status", hidden: true });
  o.canned = h("div", { class: "canned", "data-testid": "canned", id: "canned", role: "dialog", "aria-label": "Canned replies", hidden: true });
  o.input = h("textarea", {
    class: "composer-input", "data-testid": "composer", dir: "auto", rows: "2", id: "composer",
    "aria-label": "Reply to the customer", "aria-describedby": "composer-hint", "aria-autocomplete": "list",
    "aria-controls": "canned", spellcheck: "true",
  });
  o.input.addEventListener("keydown", onComposerKey);
  o.input.addEventListener("beforeinput", (e) => {
    // A shortcut (r, n, /) moved the focus here during its keydown: some
    // input paths still deliver its character afterwards. Drop it.
    if (swallow && performance.now() < swallow.until && (e.data === swallow.key ||
      (swallow.key === "Enter" && (e.inputType === "insertLineBreak" || e.inputType === "insertParagraph")))) e.preventDefault();
    swallow = null;
  });
  o.input.addEventListener("input", onComposerInput);
  o.replyTab = h("button", { type: "button", class: "seg", "aria-pressed": "true", onclick: () => setComposeMode("reply", true) }, "Reply");
  o.noteTab = h("button", { type: "button", class: "seg note", "data-testid": "note-toggle", "aria-pressed": "false",
    title: "Private note: only agents see it (n)", onclick: () => setComposeMode(S.composeMode === "note" ? "reply" : "note", true) }, "Note");
  o.cannedBtn = h("button", { type: "button", class: "btn ghost small", title: "Canned replies (/)", onclick: () => openCannedPicker(false) }, "Canned");
  o.sendBtn = h("button", { type: "submit", class: "btn primary", "data-testid": "send" }, "Send");
  o.keys = h("span", { class: "composer-keys" }, h("kbd", null, "Enter"), " send · ", h("kbd", null, "Shift+Enter"), " new line · ", h("kbd", null, "/"), " canned");
  o.composer = h("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); sendComposer(); } },
    o.windowBanner, o.hint, o.canned, o.input,
    h("div", { class: "composer-bar" },
      h("div", { class: "segmented", role: "group", "aria-label": "Reply or private note" }, o.replyTab, o.noteTab),
      o.cannedBtn, o.keys, h("span", { class: "grow" }), o.sendBtn));

  o.root = h("section", { class: "conv", "data-testid": "conversation", dataset: { id: o.id }, "aria-labelledby": "conv-title" },
    o.head, o.summary, h("div", { class: "timeline-area" }, o.scroller, o.newPill), o.composer);
  setChildren(pane, o.root);

  const d = S.drafts.get(o.id);
  o.input.value = d ? d.text : "";
  S.composeMode = d && d.mode === "note" ? "note" : "reply";
  if (c) renderOpenState();
  else {
    o.title.textContent = "Conversation " + shortId(o.id);
    setComposeMode(S.composeMode);
  }
  autosize();
}

function goBack() {
  saveDraft();
  const o = S.open;
  if (o && o.pushed && location.hash) {
    history.back(); // the hashchange closes the pane
  } else {
    history.replaceState(null, "", location.pathname);
    closeConversationPane();
  }
  showList();
  const row = document.querySelector(".row.active") || document.querySelector(".row");
  if (row) row.focus();
}

function closeConversationPane() {
  saveDraft();
  closeCanned();
  const was = S.open;
  S.open = null;
  if (was) maybeDrop(was.id);
  const pane = $("pane");
  setChildren(pane, h("div", { class: "placeholder", id: "placeholder" },
    h("div", { class: "placeholder-inner" },
      h("p", { class: "placeholder-title" }, "No conversation open"),
      h("p", { class: "placeholder-stats", id: "placeholder-stats" }),
      h("button", { type: "button", class: "btn primary", id: "open-next", hidden: true,
        onclick: () => { const id = S.order.find((x) => sectionOf(S.convs.get(x)) === "queue"); if (id) openConversation(id, { user: true }); } },
      "Open the next waiting customer"),
      h("p", { class: "muted" }, "Pick one from the list, or press ", h("kbd", null, "j"), " / ", h("kbd", null, "k"), ". ",
        h("kbd", null, "?"), " shows every shortcut."))));
  scheduleRender();
}

/** The empty pane says where the inbox stands. */
function renderPlaceholder(groups) {
  const el = $("placeholder-stats");
  if (!el) return;
  const q = groups.queue;
  const parts = [];
  if (q.length) {
    const longest = Math.max(...q.map((c) => serverNow() - (waitInfo(c).start || serverNow())));
    parts.push(`${q.length} waiting, the longest for ${formatWaitLong(longest / 1000)}`);
  } else parts.push("Nobody is waiting in your queues");
  const mineWaiting = groups.mine.filter((c) => waitInfo(c).waiting).length;
  if (groups.mine.length) parts.push(`${groups.mine.length} with you` + (mineWaiting ? `, ${mineWaiting} waiting for your reply` : ""));
  setText(el, parts.join(" · ") + ".");
  $("open-next").hidden = !q.length;
}

/** Header, chips, actions, summary and composer hint from the current view. */
function renderOpenState() {
  const o = S.open;
  if (!o) return;
  const c = S.convs.get(o.id);
  if (!c) return;
  const me = S.me;
  const mine = c.mode === "agent" && c.assignee === me.id;
  const others = c.mode === "agent" && c.assignee && c.assignee !== me.id;

  setText(o.title, customerName(c));
  const ct = c.contact || {};
  const phone = phoneOf(c);
  const subs = [];
  if (ct.name && ct.email) subs.push(ct.email);
  // On WhatsApp the number goes with the channel, below.
  if (ct.phone && (ct.name || ct.email) && c.channel !== "whatsapp") subs.push(ct.phone);
  for (const [k, v] of Object.entries(ct.attributes || {})) subs.push(humanize(k) + ": " + v);
  subs.push("#" + shortId(c.id));
  setChildren(o.sub, subs.map((s, i) => [i ? h("span", { class: "dot-sep", "aria-hidden": "true" }, "·") : null, h("span", { dir: "auto" }, s)]));

  const ch = CHANNELS[c.channel] || { short: c.channel, long: c.channel };
  const lang = language(c.locale);
  const chips = [
    h("span", { class: "chip mode mode-" + c.mode, title: "Mode" }, MODES[c.mode] || c.mode),
    c.priority && c.priority !== "normal" ? h("span", { class: "chip prio prio-" + c.priority }, humanize(c.priority)) : null,
    c.department ? h("span", { class: "chip", title: "Department" }, deptTitle(c.department)) : null,
    h("span", { class: "chip chan chan-" + c.channel, "data-testid": "channel",
      title: "Channel" + (c.channel_account ? ": " + ch.long + " account " + c.channel_account : "") },
      ch.long, c.channel === "whatsapp" && phone ? h("span", { class: "chan-phone", dir: "ltr" }, phone) : null),
    lang.short ? h("span", { class: "chip", title: "Language" }, lang.long + (isRTL(c.locale) ? " (RTL)" : "")) : null,
    h("span", { class: "chip assignee", title: "Assignee" }, c.assignee ? (c.assignee === me.id ? "With you" : "With " + agentName(c.assignee)) : "Unassigned"),
    c.mode === "queued" && c._qpos ? h("span", { class: "chip", title: "Place in the queue" }, "#" + c._qpos + " in queue") : null,
    c.survey_step ? h("span", { class: "chip", title: "Survey" }, "Survey: " + c.survey_step) : null,
  ];
  const key = JSON.stringify([c.mode, c.priority, c.department, c.channel, c.channel_account, phone, c.locale, c.assignee, c._qpos, c.survey_step, S.departments.length, S.agents.size]);
  if (o.chipKey !== key) { o.chipKey = key; setChildren(o.chips, chips); }

  // Actions
  o.claimBtn.hidden = mine;
  o.claimBtn.disabled = !!others || o.busy;
  o.claimBtn.title = others ? "Assigned to " + agentName(c.assignee) : "Take this conversation (c)";
  const canTransfer = mine || ["queued", "ticket", "handoff"].includes(c.mode);
  o.transferBtn.disabled = !canTransfer || o.busy;
  o.transferBtn.title = canTransfer ? "Transfer to a department or an agent (t)" : "Only a conversation with you or waiting for a person can be transferred";
  o.releaseBtn.disabled = !mine || o.busy;
  o.releaseBtn.title = mine ? "Hand back to the bot (h)" : "Only the agent who holds it can hand it back";
  o.closeBtn.disabled = c.mode === "closed" || !!others || o.busy;
  o.claimBtn.classList.toggle("primary", !mine);

  renderSummary(o, c);

  // Composer hint
  let hint = "";
  let warn = false;
  if (others) { hint = `${agentName(c.assignee)} has this conversation: you can add private notes.`; }
  else if (c.mode === "queued") hint = "Waiting in the queue: a reply takes the conversation (or claim it first).";
  else if (c.mode === "bot") hint = "The bot is handling this: a reply takes over from the bot.";
  else if (c.mode === "handoff") hint = "The bot is collecting details: a reply takes over now.";
  else if (c.mode === "ticket") hint = "Ticket: a reply picks it up and reaches the customer on " + ch.long + ".";
  else if (c.mode === "closed") hint = "Closed: a reply reopens it with you.";
  const w = renderWindow(o, c, others);
  if (w && !w.open) {
    // The banner above says why; the hint only says what still works.
    hint = others ? hint : "Replies cannot reach the customer now: private notes still work.";
  } else if (!c.reply_window && WINDOW_CHANNELS.has(c.channel)) {
    // A server without reply windows: guess from the customer's last message.
    const last = ts(c.last_customer_at);
    if (last && serverNow() - last > STANDARD_WINDOW_MS) {
      hint = (hint ? hint + " " : "") + `The customer last wrote over 24 hours ago: ${ch.long} may not deliver a free-form reply.`;
      warn = true;
    }
  }
  o.hint.textContent = hint;
  o.hint.hidden = !hint;
  o.hint.classList.toggle("warn", warn);
  // Under the banner the hint says it again: kept for screen readers only.
  o.hint.classList.toggle("visually-hidden", !!w && !w.open && !others);
  o.replyBlock = others ? "others" : w && !w.open ? "window" : null;
  o.replyAllowed = !o.replyBlock;
  if (!o.replyAllowed && S.composeMode === "reply") {
    S.composeMode = "note";
    o.forcedNote = o.replyBlock === "window";
  } else if (o.replyBlock === "others") {
    o.forcedNote = false;
  } else if (o.replyAllowed && o.forcedNote) {
    // Back to replying once allowed again, unless a note is being written:
    // it must not reach the customer by surprise.
    o.forcedNote = false;
    if (S.composeMode === "note" && !o.input.value.trim()) S.composeMode = "reply";
  }
  setComposeMode(S.composeMode);
}

function renderSummary(o, c) {
  const s = c.summary;
  const el = o.summary;
  if (!s) { el.hidden = true; o.waitedEl = null; return; }
  el.hidden = false;
  const key = JSON.stringify([s, c.mode, c.assigned_at, c.handoff && c.handoff.missing, S.summaryCollapsed]);
  if (o.summaryKey === key) return;
  o.summaryKey = key;
  const lang = language(s.locale);
  const ch = CHANNELS[s.channel] || { long: s.channel };
  o.waitedEl = h("span", { class: "chip waited" });
  o.waitedLive = !c.assigned_at && ["queued", "handoff", "ticket"].includes(c.mode);
  o.waitedBase = { sec: s.waited_seconds || 0, at: serverNow(), requested: ts(s.requested_at) };
  updateWaited();
  const toggle = h("button", {
    type: "button", class: "btn ghost small summary-toggle", "aria-expanded": String(!S.summaryCollapsed),
    onclick: () => {
      S.summaryCollapsed = !S.summaryCollapsed;
      localStorage.setItem("baton.inbox.summary", S.summaryCollapsed ? "collapsed" : "open");
      renderSummary(o, S.convs.get(o.id) || c);
    },
  }, S.summaryCollapsed ? "More" : "Less");
  const details = Object.entries(s.details || {}).sort(([a], [b]) => a.localeCompare(b));
  const missing = (c.mode === "handoff" && c.handoff && c.handoff.missing) || [];
  el.classList.toggle("collapsed", S.summaryCollapsed);
  el.classList.toggle("urgent", s.priority === "urgent");
  setChildren(el,
    h("div", { class: "summary-head" },
      h("span", { class: "summary-label" }, "Handoff"),
      h("strong", { class: "summary-reason", dir: "auto" }, s.reason || TRIGGERS[s.trigger] || "Needs a person"),
      h("span", { class: "grow" }), toggle),
    h("div", { class: "summary-chips" },
      h("span", { class: "chip trigger", title: "Trigger: " + s.trigger }, TRIGGERS[s.trigger] || humanize(s.trigger)),
      s.intent ? h("span", { class: "chip", title: "Intent" }, "Topic: " + humanize(s.intent)) : null,
      s.priority && s.priority !== "normal" ? h("span", { class: "chip prio prio-" + s.priority }, humanize(s.priority)) : null,
      o.waitedEl,
      lang.short ? h("span", { class: "chip" }, lang.long) : null,
      h("span", { class: "chip" }, ch.long),
      s.department ? h("span", { class: "chip" }, deptTitle(s.department)) : null),
    S.summaryCollapsed ? null : [
      details.length ? h("dl", { class: "details" }, details.map(([k, v]) => [
        h("dt", null, humanize(k)), h("dd", { dir: "auto" }, v)])) : h("p", { class: "muted small" }, "No details collected."),
      missing.length ? h("p", { class: "summary-missing" }, "Still asking for: " + missing.map(humanize).join(", ")) : null,
      s.text ? h("p", { class: "summary-text", dir: "auto" }, s.text) : null,
    ]);
}

function updateWaited() {
  const o = S.open;
  if (!o || !o.waitedEl) return;
  const b = o.waitedBase;
  let sec = b.sec;
  if (o.waitedLive) sec = b.requested ? (serverNow() - b.requested) / 1000 : b.sec + (serverNow() - b.at) / 1000;
  setText(o.waitedEl, "Waited " + formatWait(sec));
  o.waitedEl.title = "Waited " + formatWaitLong(sec) + (o.waitedLive ? " so far" : " for an agent");
}

// ---------------------------------------------------------------- reply window (WhatsApp, Messenger)

/**
 * The reply window as it stands now: the server's, carried on here once its
 * closes_at has passed (local: true) until the server's next view says.
 */
function currentWindow(c) {
  const w = c && c.reply_window;
  if (!w || !WINDOW_CHANNELS.has(c.channel)) return null;
  if (!w.open) return w;
  const end = ts(w.closes_at);
  const now = serverNow();
  if (!end || now < end) return w;
  const last = ts(c.last_customer_at);
  if (c.channel === "messenger" && !w.tag && last && now < last + HUMAN_AGENT_WINDOW_MS) {
    return { open: true, tag: "HUMAN_AGENT", closes_at: new Date(last + HUMAN_AGENT_WINDOW_MS).toISOString(), local: true };
  }
  const hrs = last ? Math.round((now - last) / 3600000) : 0;
  const ago = hrs >= 1 ? `the customer last wrote ${hrs} hour${hrs === 1 ? "" : "s"} ago; ` : "";
  if (c.channel === "whatsapp") {
    return { open: false, template_only: true, local: true,
      reason: ago + "outside WhatsApp's 24-hour window only an approved template can be sent" };
  }
  return { open: false, local: true,
    reason: ago + "Messenger lets a person reply for 7 days after the customer's last message" };
}

function windowKind(w) {
  if (!w) return "";
  if (!w.open) return "closed";
  return w.tag ? "tag" : "open";
}

/** "less than a minute", "42 min", "3 h", "3 h 12 min", "5 days": minutes rounded. */
function timeLeft(ms) {
  const min = Math.round(ms / 60000);
  if (min < 1) return "less than a minute";
  if (min < 60) return min + " min";
  const hrs = Math.floor(min / 60);
  if (hrs < 48) return hrs + " h" + (min % 60 ? " " + (min % 60) + " min" : "");
  return Math.floor(hrs / 24) + " days";
}

/** "5 more days", "36 more hours", "12 more minutes". */
function timeMore(ms) {
  const min = Math.round(ms / 60000);
  if (min < 1) return "less than a minute more";
  if (min < 60) return min + " more minute" + (min === 1 ? "" : "s");
  const hrs = Math.floor(min / 60);
  if (hrs < 48) return hrs + " more hour" + (hrs === 1 ? "" : "s");
  return Math.floor(hrs / 24) + " more days";
}

/** The header's line about the window; returns nothing else. */
function renderWindowLine(o, c, w) {
  const el = o.windowEl;
  if (!w) { el.hidden = true; return; }
  const ch = (CHANNELS[c.channel] || { long: c.channel }).long;
  const end = ts(w.closes_at);
  const left = end ? end - serverNow() : NaN;
  let text, state, title;
  if (w.open && w.tag) {
    text = "Standard window closed · agent replies allowed for " + (end ? timeMore(left) : "now");
    state = left < 3600000 ? "closing" : "tag";
    title = `${ch}'s 24-hour window has passed: agents' replies go out with the ${w.tag} tag` +
      (end ? " until " + formatFull(new Date(end)) : "") + ".";
  } else if (w.open) {
    text = "Reply window open" + (end ? " · closes in " + timeLeft(left) : "");
    state = left < 3600000 ? "closing" : "open";
    title = end ? `Replies can reach the customer on ${ch} until ${formatFull(new Date(end))}; each message they send reopens the window.` : "";
  } else {
    text = "Reply window closed" + (w.template_only ? " · template only" : "");
    state = "closed";
    title = w.reason ? sentence(w.reason) + "." : "";
  }
  el.hidden = false;
  el.dataset.state = state;
  setText(o.windowText, text);
  if (el.title !== title) el.title = title;
}

/** The last template sent since the customer last wrote, if any. */
function templateSince(o, c) {
  const last = ts(c.last_customer_at) || 0;
  for (let seq = o.maxSeq, n = 0; seq > 0 && n < 300; seq--, n++) {
    const m = o.msgs.get(seq);
    if (!m) continue;
    if (m.author === "customer") return null;
    if (m.event === "template" && !(ts(m.created_at) < last)) return m;
  }
  return null;
}

/** The window's header line and, when closed, the banner above the composer. Returns the window. */
function renderWindow(o, c, others) {
  const w = currentWindow(c);
  o.windowKind = windowKind(w);
  renderWindowLine(o, c, w);
  const closed = !!w && !w.open;
  o.windowBanner.hidden = !closed;
  if (!closed) { o.bannerKey = null; return w; }
  const canTemplate = !!w.template_only && !!c.template_available && !others;
  const sent = w.template_only ? templateSince(o, c) : null;
  const key = JSON.stringify([w.reason, w.template_only, w.local, canTemplate, others, !!o.templateBusy, sent && sent.seq]);
  if (o.bannerKey === key) return w;
  o.bannerKey = key;
  let reason = sentence(w.reason || "the platform does not let a reply reach the customer now");
  if (!/[.!?]$/.test(reason)) reason += ".";
  const parts = [h("p", { class: "wc-text", dir: "auto" }, h("strong", null, "Reply window closed. "), reason)];
  if (canTemplate) {
    parts.push(h("div", { class: "wc-actions" },
      h("button", { type: "button", class: "btn small primary", "data-testid": "send-template", disabled: !!o.templateBusy,
        onclick: sendTemplate }, o.templateBusy ? "Sending…" : "Send template"),
      h("span", { class: "wc-note" }, sent
        ? `Template sent at ${formatTime(new Date(sent.created_at))}: the window opens again when the customer answers.`
        : "Sends the department's approved template; the window opens again when the customer answers.")));
  } else if (w.template_only && !others) {
    parts.push(h("p", { class: "wc-note" }, w.local
      ? "Checking whether the department has an approved template…"
      : "No approved template is set up for this department: add a private note, or wait for the customer to write."));
  }
  const hadFocus = o.windowBanner.contains(document.activeElement);
  setChildren(o.windowBanner, parts);
  if (hadFocus) (o.windowBanner.querySelector("button") || o.input).focus();
  return w;
}

/** Every second: the countdown, and the switch when the window closes. */
function updateWindowClock() {
  const o = S.open;
  if (!o || !o.windowEl || o.loading) return;
  const c = S.convs.get(o.id);
  if (!c || !c.reply_window) return;
  const w = currentWindow(c);
  if (windowKind(w) !== o.windowKind) renderOpenState();
  else renderWindowLine(o, c, w);
  if (w && w.local) {
    // The server's view is out of date: ask for its own (template or not),
    // a little after the end so that its clock agrees, then less often.
    const key = c.id + "|" + c.reply_window.closes_at + "|" + c.version;
    if (o.wrKey !== key) {
      o.wrKey = key;
      o.wrN = 0;
      o.wrAt = serverNow() + 1500;
    } else if (serverNow() >= o.wrAt) {
      o.wrAt = serverNow() + [10, 30, 60][Math.min(o.wrN++, 2)] * 1000;
      refreshConversation(o.id);
    }
  }
}

async function sendTemplate() {
  const o = S.open;
  if (!o || o.templateBusy) return;
  o.templateBusy = true;
  // The same id until it goes through: a retry never sends it twice.
  o.templateCmid = o.templateCmid || newId();
  renderOpenState();
  try {
    const m = await post(`/conversations/${enc(o.id)}/messages`, { template: true, client_message_id: o.templateCmid });
    o.templateCmid = null;
    if (S.open === o) addMessage(o, m, { own: true });
    toast("Template sent.", { kind: "info", timeout: 2500 });
    refreshConversation(o.id); // sending it takes the conversation
  } catch (err) {
    if (err.status && err.status !== 429 && err.status < 500) {
      o.templateCmid = null;
      refreshConversation(o.id);
    }
    toast("Template not sent: " + err.message);
  } finally {
    o.templateBusy = false;
    if (S.open === o) renderOpenState();
  }
}

// ---------------------------------------------------------------- timeline

function rerenderTimeline() {
  const o = S.open;
  if (!o) return;
  o.loadingEl.hidden = !o.loading;
  if (o.loading) return;
  o.els.clear();
  o.timeline.replaceChildren();
  o.lastDay = null;
  const seqs = [...o.msgs.keys()].sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  let prev = null;
  for (const seq of seqs) {
    const m = o.msgs.get(seq);
    const d = new Date(m.created_at);
    if (!prev || dayKey(new Date(prev.created_at)) !== dayKey(d)) frag.appendChild(daySep(d));
    const el = entryEl(m, prev);
    o.els.set(seq, el);
    frag.appendChild(el);
    prev = m;
  }
  o.timeline.appendChild(frag);
  o.lastMsg = prev;
  if (!seqs.length) o.timeline.appendChild(h("li", { class: "timeline-empty" }, "No messages yet."));
  for (const p of o.pending.values()) o.timeline.appendChild(p.el = pendingEl(p));
}

function insertEntry(o, m) {
  o.timeline.querySelector(".timeline-empty")?.remove();
  if (o.lastMsg && m.seq < o.lastMsg.seq) {
    // Out of order (a gap filled late): rebuild, keeping the scroll.
    const el = o.scroller, bottom = el.scrollHeight - el.scrollTop;
    rerenderTimeline();
    el.scrollTop = el.scrollHeight - bottom;
    return;
  }
  const firstPending = o.timeline.querySelector(".pending");
  const d = new Date(m.created_at);
  if (!o.lastMsg || dayKey(new Date(o.lastMsg.created_at)) !== dayKey(d)) o.timeline.insertBefore(daySep(d), firstPending);
  const el = entryEl(m, o.lastMsg);
  o.els.set(m.seq, el);
  o.timeline.insertBefore(el, firstPending);
  o.lastMsg = m;
}

function daySep(d) {
  return h("li", { class: "day-sep" }, h("span", null, formatDay(d)));
}

function authorLabel(m) {
  const c = S.open && S.convs.get(S.open.id);
  switch (m.author) {
    case "customer": return c ? customerName(c) : "Customer";
    case "bot": return "Bot";
    case "agent": return m.agent_id === S.me.id ? "You" : agentName(m.agent_id);
    default: return "Baton";
  }
}

function entryEl(m, prev) {
  const own = m.author === "agent" && m.agent_id === S.me.id;
  const d = new Date(m.created_at);
  const time = h("time", { datetime: m.created_at, title: formatFull(d) }, formatTime(d));
  const base = {
    "data-testid": "entry",
    dataset: { author: m.author, seq: String(m.seq), private: m.private ? "true" : "false" },
  };
  if (m.delivery && m.delivery.status) base.dataset.delivery = m.delivery.status;
  if (m.author === "system") {
    return h("li", { ...base, class: "entry system" + (m.private ? " internal" : "") +
      (m.event === "delivery_failed" ? " delivery-failed" : "") },
      h("span", { class: "sys-text", dir: "auto" }, m.text || humanize(m.event)),
      m.private ? h("span", { class: "tag" }, "internal") : null, time,
      m.delivery ? deliverySlot(m, "span") : null);
  }
  const cls = ["entry", "a-" + m.author];
  if (own) cls.push("own");
  else if (m.author === "agent") cls.push("other-agent");
  if (m.private) cls.push("private");
  if (m.event === "wait_updated") cls.push("wait-update");
  if (m.event === "template") cls.push("template");
  // Consecutive entries from the same author within 5 min share a header.
  const cont = prev && prev.author === m.author && prev.agent_id === m.agent_id && !!prev.private === !!m.private &&
    prev.author !== "system" && Date.parse(m.created_at) - Date.parse(prev.created_at) < 300000;
  if (cont) cls.push("cont");
  const meta = h("div", { class: "meta" },
    h("span", { class: "who" }, authorLabel(m)),
    m.private ? h("span", { class: "tag note-tag" }, "Note · only agents see this") : null,
    m.payload ? h("span", { class: "tag", title: "Payload: " + m.payload }, "tapped a button") : null,
    m.event === "template" ? h("span", { class: "tag tpl-tag", title: "Sent as the department's approved template" }, "Template") : null,
    time);
  const text = h("div", { class: "text", dir: "auto" }, linkify(m.text || ""));
  const buttons = m.buttons && m.buttons.length
    ? h("div", { class: "qr", "aria-label": "Quick replies offered" }, m.buttons.map((b) => h("span", { class: "qr-btn", dir: "auto", title: b.payload }, b.title)))
    : null;
  return h("li", { ...base, class: cls.join(" ") }, h("div", { class: "bubble" }, meta, text, buttons,
    m.delivery ? deliverySlot(m, "div") : null));
}

// ---------------------------------------------------------------- delivery on messaging channels

/** Whether delivery b is news after a: statuses only move forward. */
function fresherDelivery(a, b) {
  if (!b || !(b.status in DELIVERY_RANK)) return false;
  if (!a) return true;
  const ra = DELIVERY_RANK[a.status] ?? -1, rb = DELIVERY_RANK[b.status];
  if (rb !== ra) return rb > ra && a.status !== "failed";
  return (ts(b.updated_at) || 0) > (ts(a.updated_at) || 0) || (b.attempts || 0) > (a.attempts || 0) ||
    (!!b.error && b.error !== a.error) || (!!b.platform_id && !a.platform_id);
}

function deliverySlot(m, tag) {
  const slot = h(tag, { class: "dlv-slot" });
  fillDelivery(slot, m);
  return slot;
}

/**
 * The status mark: an icon with its words for screen readers, updated in
 * place (the timeline is a live region: a read receipt is not news). A
 * failure is a button in words; it shows the platform's reason.
 */
function fillDelivery(slot, m) {
  const d = m.delivery;
  const c = S.open && S.convs.get(S.open.id);
  const ch = c ? (CHANNELS[c.channel] || { long: c.channel }).long : "the platform";
  const at = ts(d.updated_at);
  const when = at ? " · " + formatTime(new Date(at)) : "";
  slot.dataset.status = d.status;
  if (d.status === "failed") {
    const id = "dlv-error-" + m.seq;
    const reason = d.error || "the platform gave no reason";
    const err = h("span", { class: "dlv-error", id, dir: "auto", hidden: true }, sentence(reason));
    const btn = h("button", {
      type: "button", class: "dlv dlv-failed", "aria-expanded": "false", "aria-describedby": id,
      title: `Not delivered on ${ch}: ${reason}${when}`, "data-testid": "delivery-failed",
      onclick: () => { err.hidden = !err.hidden; btn.setAttribute("aria-expanded", String(!err.hidden)); },
    }, h("span", { class: "dlv-icon", "aria-hidden": "true" }), "Not delivered");
    setChildren(slot, btn, err);
    return;
  }
  let mark = slot.firstElementChild;
  if (!mark || mark.tagName === "BUTTON") {
    mark = h("span", { class: "dlv", role: "img" });
    setChildren(slot, mark);
  }
  const retrying = d.status === "pending" && (d.attempts || 0) > 0;
  let label, title;
  switch (d.status) {
    case "pending":
      label = retrying ? "Not sent yet, retrying" : "Sending";
      title = retrying ? `Not sent yet: ${d.attempts} attempt${d.attempts === 1 ? "" : "s"} failed` +
        (d.error ? ` (${d.error})` : "") + `; Baton tries again` : `Waiting to go out on ${ch}`;
      break;
    case "sent": label = "Sent"; title = `Sent on ${ch}, not delivered yet`; break;
    case "delivered": label = "Delivered"; title = "Delivered to the customer's device"; break;
    case "read": label = "Read"; title = "Read by the customer"; break;
    default: label = humanize(d.status); title = label;
  }
  mark.dataset.status = d.status;
  mark.classList.toggle("retrying", retrying);
  mark.setAttribute("aria-label", label);
  mark.title = title + when;
  setChildren(mark, h("span", { class: "dlv-icon", "aria-hidden": "true" }),
    retrying ? h("span", { class: "dlv-text" }, "retrying") : null);
}

/** Whether an entry goes out to the customer on the conversation's messaging channel. */
function goesOut(o, m) {
  const c = S.convs.get(o.id);
  return !!c && MESSAGING_CHANNELS.has(c.channel) && !!c.channel_user &&
    !m.private && m.author !== "customer" && !!m.text;
}

/** A newer delivery for an entry shown: its mark changes, nothing else. */
function updateDelivery(o, had, m) {
  if (!fresherDelivery(had.delivery, m.delivery)) return;
  had.delivery = m.delivery;
  const el = o.els.get(had.seq);
  if (!el) return;
  el.dataset.delivery = m.delivery.status;
  let slot = el.querySelector(".dlv-slot");
  if (!slot) {
    const bubble = el.querySelector(".bubble");
    slot = h(bubble ? "div" : "span", { class: "dlv-slot" });
    (bubble || el).appendChild(slot);
  }
  fillDelivery(slot, had);
}

function pendingEl(p) {
  const failed = p.state === "failed";
  const actions = failed ? h("span", { class: "pending-actions" },
    h("button", { type: "button", class: "btn small", onclick: () => retryPending(p) }, "Retry"),
    h("button", { type: "button", class: "btn ghost small", onclick: () => discardPending(p, true) }, "Edit")) : null;
  return h("li", {
    class: "entry a-agent own pending" + (p.private ? " private" : "") + (failed ? " failed" : ""),
    "data-testid": "entry-pending", dataset: { author: "agent", private: p.private ? "true" : "false" },
  }, h("div", { class: "bubble" },
    h("div", { class: "meta" }, h("span", { class: "who" }, "You"),
      p.private ? h("span", { class: "tag note-tag" }, "Note") : null,
      h("span", { class: "tag" }, failed ? "not sent" : "sending…")),
    h("div", { class: "text", dir: "auto" }, p.text), actions));
}

function scrollToBottom(o, force) {
  const el = o.scroller;
  if (!el) return;
  if (force) o.stick = true;
  requestAnimationFrame(() => {
    el.scrollTop = el.scrollHeight;
    o.newPill.hidden = true;
  });
}

// ---------------------------------------------------------------- composer

function setComposeMode(mode, focus) {
  const o = S.open;
  if (o && mode === "reply" && o.replyAllowed === false) {
    if (focus) {
      toast(o.replyBlock === "window" ? "The reply window is closed: you can only add notes." :
        "Another agent has this conversation: you can only add notes.", { kind: "info" });
    }
    mode = "note";
  }
  S.composeMode = mode;
  if (!o) return;
  const note = mode === "note";
  o.composer.classList.toggle("note-mode", note);
  o.replyTab.setAttribute("aria-pressed", String(!note));
  o.noteTab.setAttribute("aria-pressed", String(note));
  o.replyTab.disabled = o.replyAllowed === false;
  o.replyTab.title = o.replyBlock === "window" ? "The reply window is closed: replies cannot reach the customer" :
    o.replyBlock === "others" ? "Another agent has this conversation" : "Reply to the customer (r)";
  o.input.placeholder = note ? "Private note for agents — the customer never sees it" : "Reply to the customer…";
  o.input.setAttribute("aria-label", note ? "Private note" : "Reply to the customer");
  o.sendBtn.textContent = note ? "Add note" : "Send";
  if (focus) o.input.focus();
  saveDraft();
}

function saveDraft() {
  const o = S.open;
  if (!o || !o.input) return;
  const text = o.input.value;
  if (text) S.drafts.set(o.id, { text, mode: S.composeMode });
  else S.drafts.delete(o.id);
  persistDrafts();
}

// Drafts are kept per tab, for this agent, across a reload.
let draftTimer = null;
function persistDrafts() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => {
    try {
      sessionStorage.setItem("baton.inbox.drafts", JSON.stringify({ agent: S.draftsOwner, drafts: [...S.drafts] }));
    } catch { /* storage full or off */ }
  }, 300);
}

function restoreDrafts() {
  try {
    const d = JSON.parse(sessionStorage.getItem("baton.inbox.drafts") || "null");
    if (d && d.agent === S.draftsOwner) for (const [id, v] of d.drafts) if (!S.drafts.has(id)) S.drafts.set(id, v);
  } catch { /* ignore */ }
}

function autosize() {
  const o = S.open;
  if (!o || !o.input) return;
  const el = o.input;
  el.style.height = "auto";
  const max = Math.max(120, Math.round(window.innerHeight * 0.3));
  el.style.height = Math.min(el.scrollHeight + 2, max) + "px";
}

function onComposerInput() {
  autosize();
  saveDraft();
  const v = S.open.input.value;
  if (v.startsWith("/") && !v.includes("\n")) openCannedPicker(true);
  else if (canned.open && canned.inline) closeCanned();
}

function onComposerKey(e) {
  if (canned.open && canned.inline) {
    if (cannedKey(e)) return;
  }
  if (e.key === "Enter" && !e.isComposing && (e.ctrlKey || e.metaKey || !e.shiftKey)) {
    e.preventDefault();
    sendComposer();
  } else if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    S.open.input.blur();
  }
}

async function sendComposer() {
  const o = S.open;
  if (!o) return;
  closeCanned();
  const text = o.input.value.trim();
  if (!text) { o.input.focus(); return; }
  const priv = S.composeMode === "note";
  const p = { cmid: newId(), text, private: priv, state: "sending", convId: o.id };
  o.input.value = "";
  S.drafts.delete(o.id);
  persistDrafts();
  autosize();
  o.pending.set(p.cmid, p);
  o.timeline.querySelector(".timeline-empty")?.remove();
  p.el = pendingEl(p);
  o.timeline.appendChild(p.el);
  scrollToBottom(o, true);
  await postPending(o, p);
}

async function postPending(o, p) {
  try {
    // A reply takes the conversation: an urgent alert for it is answered.
    if (!p.private) S.acting.add(p.convId);
    let m;
    try {
      m = await post(`/conversations/${enc(p.convId)}/messages`, { text: p.text, client_message_id: p.cmid, private: p.private });
    } finally {
      if (!p.private) S.acting.delete(p.convId);
    }
    if (!p.private) { const a = alertFor(p.convId); if (a) dropAlert(a); }
    if (S.open === o) {
      addMessage(o, m, { own: true });
      if (o.pending.has(p.cmid)) { o.pending.delete(p.cmid); p.el?.remove(); }
    }
    if (!p.private) {
      // A reply takes the conversation: its state arrives on the stream,
      // but do not wait for it to show the new owner.
      const c = S.convs.get(p.convId);
      if (c && !(c.mode === "agent" && c.assignee === S.me.id)) refreshConversation(p.convId);
    }
  } catch (err) {
    p.state = "failed";
    if (S.open === o && o.pending.has(p.cmid)) {
      const el = pendingEl(p);
      p.el.replaceWith(el);
      p.el = el;
    }
    toast((p.private ? "Note not saved: " : "Reply not sent: ") + err.message);
    // Refused (the reply window closed, someone else took it…): show why.
    if (err.status === 409) refreshConversation(p.convId);
  }
}

function retryPending(p) {
  const o = S.open;
  if (!o) return;
  p.state = "sending";
  const el = pendingEl(p);
  p.el.replaceWith(el);
  p.el = el;
  postPending(o, p); // same client_message_id: never sent twice
}

function discardPending(p, edit) {
  const o = S.open;
  if (!o) return;
  o.pending.delete(p.cmid);
  p.el?.remove();
  if (edit) {
    o.input.value = p.text + (o.input.value ? "\n" + o.input.value : "");
    setComposeMode(p.private ? "note" : "reply", true);
    autosize();
  }
}

function focusComposer(mode) {
  if (!S.open || !S.open.input) return;
  $("app").dataset.view = "conversation";
  setComposeMode(mode, true);
  const el = S.open.input;
  el.setSelectionRange(el.value.length, el.value.length);
}

// ---------------------------------------------------------------- canned replies

const canned = { open: false, inline: false, items: [], index: 0, search: null };

function cannedFor(c) {
  const lang = c && c.locale ? c.locale.split(/[-_]/)[0].toLowerCase() : "";
  const list = S.canned.filter((r) => !r.department || !c || r.department === c.department);
  const rank = (r) => {
    if (!r.locale) return 1;
    const l = r.locale.toLowerCase();
    if (c && l === (c.locale || "").toLowerCase()) return 0;
    if (lang && l.split(/[-_]/)[0] === lang) return 0;
    return 2;
  };
  return list.map((r) => ({ r, k: rank(r) })).sort((a, b) => a.k - b.k || a.r.title.localeCompare(b.r.title)).map((x) => x.r);
}

function filterCanned(query) {
  const o = S.open;
  const c = o && S.convs.get(o.id);
  const all = cannedFor(c);
  const q = query.trim().toLowerCase();
  if (!q) return all;
  const starts = [], contains = [], inText = [];
  for (const r of all) {
    const t = r.title.toLowerCase();
    if (t.startsWith(q)) starts.push(r);
    else if (t.includes(q)) contains.push(r);
    else if (r.text.toLowerCase().includes(q)) inText.push(r);
  }
  return [...starts, ...contains, ...inText];
}

function openCannedPicker(inline) {
  const o = S.open;
  if (!o) return;
  $("app").dataset.view = "conversation";
  const wasOpen = canned.open;
  canned.open = true;
  canned.inline = inline;
  if (!wasOpen) canned.index = 0;
  if (inline) {
    canned.search = null;
    renderCanned(o.input.value.slice(1));
  } else {
    if (!canned.search) {
      canned.search = h("input", { type: "search", class: "canned-search", placeholder: "Search canned replies…", "aria-label": "Search canned replies",
        "aria-controls": "canned-list", autocomplete: "off" });
      canned.search.addEventListener("input", () => { canned.index = 0; renderCanned(canned.search.value); });
      canned.search.addEventListener("keydown", (e) => {
        if (cannedKey(e)) return;
        if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); closeCanned(); o.input.focus(); }
      });
    }
    renderCanned(canned.search.value);
    canned.search.focus();
  }
  o.canned.hidden = false;
}

function renderCanned(query) {
  const o = S.open;
  canned.items = filterCanned(query);
  if (canned.index >= canned.items.length) canned.index = Math.max(0, canned.items.length - 1);
  const c = S.convs.get(o.id);
  const list = h("ul", { class: "canned-list", role: "listbox", id: "canned-list", "aria-label": "Canned replies" },
    canned.items.map((r, i) => h("li", {
      role: "option", id: "canned-opt-" + i, class: "canned-item" + (i === canned.index ? " selected" : ""),
      "aria-selected": String(i === canned.index), dataset: { id: r.id },
      onmousedown: (e) => e.preventDefault(),
      onclick: () => insertCanned(r),
    }, h("span", { class: "canned-title" }, r.title,
      r.locale ? h("span", { class: "tag" }, r.locale) : null,
      r.department ? h("span", { class: "tag" }, deptTitle(r.department)) : null),
    h("span", { class: "canned-text", dir: "auto" }, fillCanned(r.text, c)))));
  const empty = !canned.items.length ? h("p", { class: "canned-empty" },
    S.canned.length ? "No canned reply matches “" + query + "”." : "No canned replies are set up.") : null;
  setChildren(o.canned,
    h("div", { class: "canned-head" }, h("span", null, "Canned replies"), h("span", { class: "muted" }, "↑↓ choose · Enter insert · Esc close")),
    canned.inline ? null : canned.search, list, empty);
  const target = canned.inline ? o.input : canned.search;
  if (canned.items.length) target.setAttribute("aria-activedescendant", "canned-opt-" + canned.index);
  else target.removeAttribute("aria-activedescendant");
  list.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
}

/** Arrow keys, Enter, Tab and Esc in the picker; true when handled. */
function cannedKey(e) {
  if (!canned.open) return false;
  const n = canned.items.length;
  const query = canned.inline ? S.open.input.value.slice(1) : canned.search.value;
  switch (e.key) {
    case "ArrowDown":
      if (n) { canned.index = (canned.index + 1) % n; renderCanned(query); }
      break;
    case "ArrowUp":
      if (n) { canned.index = (canned.index - 1 + n) % n; renderCanned(query); }
      break;
    case "Enter":
    case "Tab":
      if (e.shiftKey && e.key === "Enter") return false;
      if (!n) { if (e.key === "Tab") return false; break; }
      insertCanned(canned.items[canned.index]);
      if (e.key === "Enter") swallow = { key: "Enter", until: performance.now() + 300 };
      break;
    case "Escape":
      closeCanned();
      if (!canned.inline) S.open.input.focus();
      break;
    default:
      return false;
  }
  e.preventDefault();
  e.stopPropagation();
  return true;
}

function closeCanned() {
  canned.open = false;
  const o = S.open;
  if (o && o.canned) {
    o.canned.hidden = true;
    o.input.removeAttribute("aria-activedescendant");
  }
}

/** Fills {customer_name} and {agent_name}; a missing name goes without a trace. */
function fillCanned(text, c) {
  const name = c && c.contact && c.contact.name ? c.contact.name.trim() : "";
  const agent = S.me ? S.me.name : "";
  let t = text.replace(/\{agent_name\}/g, agent);
  if (name) return t.replace(/\{customer_name\}/g, name);
  t = t.replace(/[ \t]*\{customer_name\}/g, "") // "Hi {customer_name}," → "Hi,"
    .replace(/^[ \t]*[,;:]+[ \t]*/gm, "") // a line that began with the name
    .replace(/[ \t]+([,.!?;:])/g, "$1");
  return t;
}

function insertCanned(r) {
  const o = S.open;
  if (!o || !r) return;
  const text = fillCanned(r.text, S.convs.get(o.id));
  const el = o.input;
  if (canned.inline) {
    el.value = text;
    el.setSelectionRange(text.length, text.length);
  } else {
    const start = el.selectionStart ?? el.value.length, end = el.selectionEnd ?? el.value.length;
    el.setRangeText(text, start, end, "end");
  }
  closeCanned();
  if (canned.search) canned.search.value = "";
  if (S.composeMode !== "reply" && o.replyAllowed !== false) setComposeMode("reply");
  el.focus();
  autosize();
  saveDraft();
}

// ---------------------------------------------------------------- actions

async function withBusy(fn) {
  const o = S.open;
  if (!o || o.busy) return;
  o.busy = true;
  renderOpenState();
  try {
    await fn(o);
  } catch (err) {
    toast(err.message);
  } finally {
    o.busy = false;
    if (S.open === o) renderOpenState();
  }
}

function doClaim() {
  const o = S.open;
  if (!o) return;
  const c = S.convs.get(o.id);
  if (c && c.mode === "agent" && c.assignee === S.me.id) { toast("This conversation is already yours.", { kind: "info", timeout: 2000 }); return; }
  withBusy(async () => {
    S.acting.add(o.id);
    let v;
    try {
      v = await post(`/conversations/${enc(o.id)}/claim`);
    } finally {
      S.acting.delete(o.id);
    }
    const a = alertFor(v.id);
    if (a) dropAlert(a);
    upsertFresh(v);
    scheduleRender();
    toast("Claimed: " + customerName(v) + " is yours.", { kind: "info", timeout: 2500 });
    if (S.open === o) o.input.focus();
  });
}

function doClose() {
  withBusy(async (o) => {
    const v = await post(`/conversations/${enc(o.id)}/close`);
    upsertFresh(v);
    scheduleRender();
    toast("Conversation closed.", { kind: "info", timeout: 2500 });
  });
}

function openRelease() {
  const o = S.open;
  if (!o) return;
  const c = S.convs.get(o.id);
  if (!c || c.mode !== "agent" || c.assignee !== S.me.id) {
    toast("Only a conversation you hold can be handed back.", { kind: "info" });
    return;
  }
  showDialog($("release-dialog"));
  $("release-with-survey").focus();
}

function doRelease(survey) {
  $("release-dialog").close();
  withBusy(async (o) => {
    const v = await post(`/conversations/${enc(o.id)}/release`, { survey });
    upsertFresh(v);
    scheduleRender();
    toast(survey ? "Handed back to the bot; it asks for a rating." : "Handed back to the bot.", { kind: "info", timeout: 2500 });
  });
}

async function openTransfer() {
  const o = S.open;
  if (!o) return;
  const c = S.convs.get(o.id);
  if (!c) return;
  const mine = c.mode === "agent" && c.assignee === S.me.id;
  if (!mine && !["queued", "ticket", "handoff"].includes(c.mode)) {
    toast("Only a conversation with you or waiting for a person can be transferred.", { kind: "info" });
    return;
  }
  const dlg = $("transfer-dialog");
  showDialog(dlg);
  const depSel = $("transfer-department"), agSel = $("transfer-agent");
  setChildren(depSel, h("option", { value: "" }, "Loading…"));
  setChildren(agSel, h("option", { value: "" }, "Loading…"));
  $("transfer-note").textContent = "";
  await Promise.all([loadDepartments(), loadAgents()]);
  setChildren(depSel, S.departments.map((d) => h("option", { value: d.name },
    (d.title || d.name) + (d.name === c.department ? " (current)" : "") + (d.open_now === false ? " — closed now" : ""))));
  const firstOther = S.departments.find((d) => d.name !== c.department);
  if (firstOther) depSel.value = firstOther.name;
  const agents = [...S.agents.values()].filter((a) => a.id !== S.me.id)
    .sort((a, b) => {
      const ia = (a.departments || []).includes(c.department) ? 0 : 1, ib = (b.departments || []).includes(c.department) ? 0 : 1;
      const sa = { online: 0, away: 1, offline: 2 }[a.status] ?? 3, sb = { online: 0, away: 1, offline: 2 }[b.status] ?? 3;
      return ia - ib || sa - sb || a.name.localeCompare(b.name);
    });
  setChildren(agSel, agents.length ? agents.map((a) => h("option", { value: a.id, disabled: a.status === "offline" },
    `${a.name} — ${a.status}` + (typeof a.active === "number" ? ` · ${a.active}/${a.max_concurrent}` : "") +
    ((a.departments || []).length ? " · " + a.departments.map(deptTitle).join(", ") : ""))) : h("option", { value: "" }, "No other agents"));
  const firstAvail = agents.find((a) => a.status !== "offline");
  if (firstAvail) agSel.value = firstAvail.id;
  syncTransferTarget();
}

function syncTransferTarget() {
  const target = document.querySelector("#transfer-form input[name=target]:checked").value;
  $("transfer-department").disabled = target !== "department";
  $("transfer-agent").disabled = target !== "agent";
  $("transfer-note").textContent = target === "department"
    ? "The conversation goes to that department's queue; the bot asks for anything it still needs."
    : "The agent gets the conversation at once. Offline agents cannot take it.";
}

function onTransferSubmit(e) {
  e.preventDefault();
  const target = document.querySelector("#transfer-form input[name=target]:checked").value;
  const body = target === "department" ? { department: $("transfer-department").value } : { agent_id: $("transfer-agent").value };
  const val = body.department || body.agent_id;
  if (!val) { $("transfer-note").textContent = "Choose where to transfer to."; return; }
  $("transfer-dialog").close();
  withBusy(async (o) => {
    const v = await post(`/conversations/${enc(o.id)}/transfer`, body);
    const a = alertFor(v.id);
    if (a) dropAlert(a);
    upsertFresh(v);
    scheduleRender();
    const where = body.department ? deptTitle(body.department) : (S.agents.get(body.agent_id) || {}).name || "the agent";
    toast("Transferred to " + where + ".", { kind: "info", timeout: 2500 });
  });
}

// ---------------------------------------------------------------- password

function openPasswordDialog() {
  for (const id of ["pw-current", "pw-new", "pw-again"]) $(id).value = "";
  $("pw-username").value = S.me ? S.me.email || "" : "";
  $("pw-error").hidden = true;
  showDialog($("password-dialog"));
  $("pw-current").focus();
}

async function onPasswordSubmit(e) {
  e.preventDefault();
  const cur = $("pw-current").value, pw = $("pw-new").value, again = $("pw-again").value;
  const err = $("pw-error");
  const fail = (m) => { err.textContent = m; err.hidden = false; };
  if (!cur || !pw) return fail("Fill in your current and your new password.");
  if (pw !== again) return fail("The new passwords differ.");
  try {
    await put("/agents/me/password", { current_password: cur, password: pw }, { allow401: true });
    $("password-dialog").close();
    // The server may start a new session: take its CSRF token.
    try { const s = await get("/session"); if (s && s.csrf_token) setCsrf(s.csrf_token); } catch { /* 401 handled */ }
    toast("Password changed.", { kind: "info" });
  } catch (ex) {
    fail(ex.message);
  }
}

// ---------------------------------------------------------------- dialogs, toasts

function showDialog(d) {
  toggleMenu(false);
  if (!d.open) d.showModal();
}

function confirmDialog(title, text, okLabel) {
  return new Promise((resolve) => {
    const d = $("confirm-dialog");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    const ok = $("confirm-ok");
    ok.textContent = okLabel || "OK";
    let result = false;
    const onOk = () => { result = true; d.close(); };
    ok.addEventListener("click", onOk, { once: true });
    d.addEventListener("close", () => { ok.removeEventListener("click", onOk); resolve(result); }, { once: true });
    showDialog(d);
    ok.focus();
  });
}

function sentence(msg) {
  const t = String(msg || "").trim();
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : t;
}

function toast(message, opts = {}) {
  message = sentence(message);
  const kind = opts.kind || "error";
  const box = $("toasts");
  // The same message twice in a row: one toast, shown longer.
  for (const t of box.children) if (t.firstChild && t.firstChild.textContent === message) t.remove();
  const el = h("div", { class: "toast " + kind, "data-testid": "toast", role: kind === "error" ? "alert" : "status" },
    h("span", { class: "toast-text" }, message),
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => el.remove() }, "×"));
  box.appendChild(el);
  while (box.children.length > 4) box.firstChild.remove();
  setTimeout(() => el.remove(), opts.timeout || (kind === "error" ? 8000 : 4000));
}

// ---------------------------------------------------------------- keyboard

function isTyping(t) {
  if (!t || !t.tagName) return false;
  const tag = t.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable ||
    (tag === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(t.type));
}

let swallow = null;

function onGlobalKey(e) {
  if (!S.running || e.defaultPrevented) return;
  if (document.querySelector("dialog[open]")) return; // the dialog has the keyboard; Esc closes it
  if (e.key === "Escape") {
    // Focus in an urgent alert: Esc dismisses that alert, nothing else.
    const banner = e.target.closest && e.target.closest(".urgent-alert");
    const a = banner && urgent.list.find((x) => x.el === banner);
    if (a) { e.preventDefault(); dismissAlert(a); return; }
    if (!$("menu").hidden) { toggleMenu(false); $("menu-button").focus(); return; }
    if (canned.open) { closeCanned(); return; }
    if (isTyping(e.target)) e.target.blur();
    return;
  }
  if (isTyping(e.target)) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && S.open && e.target === S.open.input) { e.preventDefault(); sendComposer(); }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  switch (e.key) {
    case "j": case "ArrowDown":
      if (e.key === "ArrowDown" && !e.target.closest?.(".rows")) return;
      move(1); break;
    case "k": case "ArrowUp":
      if (e.key === "ArrowUp" && !e.target.closest?.(".rows")) return;
      move(-1); break;
    case "c": if (S.open) doClaim(); break;
    case "r": focusComposer("reply"); break;
    case "n": focusComposer("note"); break;
    case "t": openTransfer(); break;
    case "h": openRelease(); break;
    case "/":
      if (!S.open) return;
      if (!S.open.input.value) {
        focusComposer("reply");
        S.open.input.value = "/";
        openCannedPicker(true);
      } else {
        openCannedPicker(false);
      }
      break;
    case "?": showDialog($("shortcuts")); break;
    default: return;
  }
  e.preventDefault();
  if (e.key === "r" || e.key === "n" || e.key === "/") swallow = { key: e.key, until: performance.now() + 300 };
}

function move(delta) {
  const order = S.order.filter((id) => !S.collapsed.has(sectionOf(S.convs.get(id))));
  if (!order.length) return;
  const cur = S.open ? order.indexOf(S.open.id) : -1;
  let next = cur < 0 ? (delta > 0 ? 0 : order.length - 1) : cur + delta;
  next = Math.max(0, Math.min(order.length - 1, next));
  const id = order[next];
  openConversation(id, { user: true });
  const r = rowEls.get(id);
  if (r) {
    r.btn.scrollIntoView({ block: "nearest" });
    if (document.activeElement && document.activeElement.closest && document.activeElement.closest(".rows")) r.btn.focus();
  }
}

// Modules run once the document is parsed: start now that every
// declaration above exists.
boot();
