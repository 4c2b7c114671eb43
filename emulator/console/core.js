// keyhole's web console, the shared part: the console's state, its labels, building DOM
// elements, the admin calls and the world walked (every account and region's keys and
// vaults). The console's scripts are plain scripts sharing one page: core.js, lab.js,
// world.js, editor.js, then app.js; no framework, no modules, no build step.
"use strict";

const LANGS = window.KEYHOLE_LANGUAGES.map(([code]) => code);
const STORED_LANG = "keyhole.console.lang";
const VIEWS = ["lab", "org", "keys", "vaults", "jobs", "denials", "editor"];

const app = {
  lang: initialLanguage(),
  view: null,
  world: null,
  lab: null,
  verdict: null,
  solution: null,
  denials: [],
  editor: { target: "", text: "", findings: null, saved: null },
};

function initialLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORED_LANG);
  } catch (_) {
    // Storage may be off (private windows); the browser's language still works.
  }
  if (LANGS.includes(stored)) return stored;
  for (const wanted of navigator.languages || [navigator.language || "en"]) {
    const code = String(wanted).toLowerCase().split("-")[0];
    if (LANGS.includes(code)) return code;
  }
  return "en";
}

// The label `key` in the chosen language (English when a language lacks it), with
// {name} placeholders filled from `values`.
function t(key, values) {
  const dict = window.KEYHOLE_I18N[app.lang] || {};
  let text = dict[key] ?? window.KEYHOLE_I18N.en[key] ?? key;
  for (const [name, value] of Object.entries(values || {})) {
    text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

// A DOM element: el("td", {class: "mono"}, "text", child, ...). Text is never parsed as HTML.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "value") node.value = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Lab texts mark commands and names with backticks: `aws kms get-key-policy`.
function prose(text) {
  return String(text ?? "")
    .split("`")
    .map((piece, i) => (i % 2 ? el("code", {}, piece) : piece));
}

function when(seconds) {
  if (typeof seconds !== "number") return "";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function showStatus(message) {
  const status = document.getElementById("status");
  status.textContent = message || "";
  status.classList.toggle("shown", Boolean(message));
}

// One admin call; the status and the JSON answer (null when there is none).
async function admin(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    showStatus(t("app.loadFailed", { path, error: error.message }));
    return { status: 0, body: null };
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch (_) {
    answer = null;
  }
  return { status: response.status, body: answer };
}

const withLang = (path) => path + "?lang=" + encodeURIComponent(app.lang);

async function reloadLab() {
  if (!app.lab) return;
  const lab = await admin("GET", withLang("/_keyhole/lab"));
  app.lab = lab.status === 200 ? lab.body : null;
}

function viewFromHash() {
  const view = location.hash.replace("#", "");
  return VIEWS.includes(view) ? view : null;
}

// Every account and region with its service states: [{account, region, kms, backup}].
function regions() {
  const out = [];
  const accounts = (app.world && app.world.accounts) || {};
  for (const id of Object.keys(accounts).sort()) {
    const regionMap = accounts[id].regions || {};
    for (const region of Object.keys(regionMap).sort()) {
      out.push({ account: id, region, kms: regionMap[region].kms, backup: regionMap[region].backup });
    }
  }
  return out;
}

function allKeys() {
  const keys = [];
  for (const r of regions()) {
    const kms = r.kms || {};
    const aliases = Object.values(kms.aliases || {});
    for (const key of Object.values(kms.keys || {})) {
      keys.push({ ...key, aliases: aliases.filter((a) => a.targetKeyId === key.keyId).map((a) => a.name) });
    }
  }
  return keys;
}

function allVaults() {
  const vaults = [];
  for (const r of regions()) {
    for (const vault of Object.values((r.backup && r.backup.vaults) || {})) {
      vaults.push({ ...vault, account: r.account, region: r.region });
    }
  }
  return vaults;
}

function accountName(id) {
  const profiles = (app.world && app.world.organizations && app.world.organizations.profiles) || {};
  const labAccount = app.lab && (app.lab.accounts || []).find((a) => a.id === id);
  if (labAccount && labAccount.name) return `${labAccount.name} (${id})`;
  const name = profiles[id] && profiles[id].name;
  return name && name !== id ? `${name} (${id})` : id;
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_) {
    return text;
  }
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = t("common.copied");
  } catch (_) {
    button.textContent = t("common.copyFailed");
  }
  setTimeout(() => (button.textContent = t("common.copy")), 1500);
}

function commandBlock(command) {
  const button = el("button", { type: "button", class: "small copy" }, t("common.copy"));
  button.addEventListener("click", () => copy(command, button));
  return el("div", { class: "command" }, el("pre", { class: "mono" }, command), button);
}

function policyDetails(label, text) {
  if (!text) return el("p", { class: "muted" }, label + ": " + t("common.none"));
  return el("details", {}, el("summary", {}, label), el("pre", {}, prettyJson(text)));
}

async function refreshWorld() {
  const [state, denials] = await Promise.all([admin("GET", "/_keyhole/state"), admin("GET", "/_keyhole/denials")]);
  if (state.status === 200) app.world = state.body;
  if (denials.status === 200) app.denials = denials.body.denials;
}
