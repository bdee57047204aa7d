// Small helpers for the inbox: building DOM nodes safely and formatting.
// Text always goes in as text nodes, never as HTML.

/**
 * h("div", {class: "x", dataset: {id: "1"}, onclick: fn}, "text", child)
 * Attributes starting with "on" become listeners; class, dataset, text,
 * hidden and disabled are handled specially; null/false leave an attribute out.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "hidden" || k === "disabled" || k === "checked" || k === "selected") el[k] = !!v;
      else if (k === "value") el.value = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

export const $ = (id) => document.getElementById(id);

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

/**
 * Text with links: URLs become anchors that open in a new tab, everything
 * else stays text. Returns a DocumentFragment.
 */
export function linkify(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    // Leave trailing punctuation out of the link.
    const trail = url.match(/[).,;:!?]+$/);
    if (trail) url = url.slice(0, -trail[0].length);
    if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
    frag.appendChild(h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url));
    last = m.index + url.length;
  }
  if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
  return frag;
}

/** "45s", "3m 12s" (under 10 min), "42m", "1h 5m", "2d 3h". */
export function formatWait(sec) {
  sec = Math.max(0, Math.floor(sec));
  if (sec < 60) return sec + "s";
  const m = Math.floor(sec / 60);
  if (m < 10) return m + "m " + (sec % 60) + "s";
  if (m < 60) return m + "m";
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return hrs + "h " + (m % 60) + "m";
  const d = Math.floor(hrs / 24);
  return d + "d " + (hrs % 24) + "h";
}

/** Spelled out for screen readers and titles: "3 minutes 12 seconds". */
export function formatWaitLong(sec) {
  sec = Math.max(0, Math.floor(sec));
  const parts = [];
  const d = Math.floor(sec / 86400), hh = Math.floor(sec / 3600) % 24, mm = Math.floor(sec / 60) % 60, ss = sec % 60;
  const p = (n, w) => n + " " + w + (n === 1 ? "" : "s");
  if (d) parts.push(p(d, "day"));
  if (hh) parts.push(p(hh, "hour"));
  if (mm && !d) parts.push(p(mm, "minute"));
  if (!d && !hh && (ss || !parts.length)) parts.push(p(ss, "second"));
  return parts.join(" ");
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export const formatTime = (d) => timeFmt.format(d);
export const formatFull = (d) => fullFmt.format(d);

export function formatDay(d) {
  const today = new Date();
  const start = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((start(today) - start(d)) / 86400000);
  if (diff === 0) return "Today";
  if (diff === 1) return "Yesterday";
  return dateFmt.format(d);
}

export function dayKey(d) {
  return d.getFullYear() + "-" + d.getMonth() + "-" + d.getDate();
}

let langNames = null;
try { langNames = new Intl.DisplayNames(undefined, { type: "language" }); } catch { /* old browser */ }

/** "en" → "EN" label with "English" as its long name. */
export function language(locale) {
  if (!locale) return { short: "", long: "" };
  const base = locale.split(/[-_]/)[0].toLowerCase();
  let long = locale;
  try { long = (langNames && langNames.of(locale)) || locale; } catch { /* invalid tag */ }
  return { short: base.toUpperCase(), long };
}

const RTL = new Set(["he", "iw", "ar", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ku", "ckb"]);
export function isRTL(locale) {
  return !!locale && RTL.has(locale.split(/[-_]/)[0].toLowerCase());
}

export function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return "?";
  const first = Array.from(parts[0])[0] || "?";
  const last = parts.length > 1 ? Array.from(parts[parts.length - 1])[0] : "";
  return (first + last).toUpperCase();
}

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function humanize(s) {
  if (!s) return "";
  const t = String(s).replace(/[_-]+/g, " ").trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}
