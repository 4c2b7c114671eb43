// keyhole's web console: reads the world (GET /_keyhole/state), the lab (GET /_keyhole/lab)
// and the recent denials from the keyhole that serves this page, and saves policies through
// POST /_keyhole/call, the same API calls a client would make. Plain DOM, no framework.
"use strict";

(function () {
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

  async function loadAll() {
    showStatus("");
    const [state, lab, denials] = await Promise.all([
      admin("GET", "/_keyhole/state"),
      admin("GET", withLang("/_keyhole/lab")),
      admin("GET", "/_keyhole/denials"),
    ]);
    if (state.status === 200) app.world = state.body;
    else if (state.status) showStatus(t("app.loadFailed", { path: "/_keyhole/state", error: state.status }));
    app.lab = lab.status === 200 ? lab.body : null;
    app.denials = denials.status === 200 ? denials.body.denials : [];
    if (!app.view) app.view = viewFromHash() || (app.lab ? "lab" : "org");
    render();
  }

  async function reloadLab() {
    const lab = await admin("GET", withLang("/_keyhole/lab"));
    app.lab = lab.status === 200 ? lab.body : null;
  }

  function viewFromHash() {
    const view = location.hash.replace("#", "");
    return VIEWS.includes(view) ? view : null;
  }

  // ---- The world, walked ----

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

  // ---- Views ----

  function renderLab() {
    const lab = app.lab;
    if (!lab) return [el("p", { class: "card" }, t("lab.none"))];
    const parts = [
      el(
        "h2",
        {},
        el("span", { id: "lab-title" }, lab.title),
        lab.solved ? el("span", { class: "badge ok", style: "margin-left:10px" }, t("lab.solvedBadge")) : null
      ),
      el(
        "section",
        { class: "card" },
        el("h3", {}, t("lab.task")),
        el("p", { id: "lab-task" }, prose(lab.task)),
        el("h3", {}, t("lab.symptom")),
        el("p", {}, prose(lab.symptom)),
        el("h4", {}, t("lab.message")),
        el("pre", { class: "message" }, lab.message)
      ),
    ];
    const investigate = (lab.investigate || []).map((step) =>
      el("li", {}, el("p", {}, prose(step.text)), commandBlock(step.command))
    );
    if (investigate.length) {
      parts.push(el("section", { class: "card" }, el("h3", {}, t("lab.investigate")), el("ol", {}, investigate)));
    }
    const hints = lab.hints || [];
    const hintButton = el(
      "button",
      { type: "button", id: "hint", disabled: hints.length >= lab.hintCount, onclick: showHint },
      t("lab.hintButton")
    );
    parts.push(
      el(
        "section",
        { class: "card", id: "lab-hints" },
        el("h3", {}, t("lab.hints")),
        hints.length ? el("ol", { id: "hints" }, hints.map((h) => el("li", {}, prose(h)))) : el("p", { class: "muted" }, t("lab.noHints")),
        el("div", { class: "row" }, hintButton, el("span", { class: "muted" }, t("lab.hintCount", { shown: hints.length, count: lab.hintCount })))
      )
    );
    const check = el("section", { class: "card", id: "lab-check" }, el("h3", {}, t("lab.check")), el("p", { class: "muted" }, t("lab.checkHelp")));
    check.append(
      el(
        "div",
        { class: "row" },
        el("button", { type: "button", class: "primary", id: "check", onclick: checkFix }, t("lab.check")),
        el("button", { type: "button", id: "solution", onclick: showSolution }, t("lab.solution")),
        el("button", { type: "button", id: "reset", onclick: resetLab }, t("lab.reset"))
      )
    );
    if (app.verdict) {
      const v = app.verdict;
      check.append(
        el(
          "div",
          { class: "verdict " + v.verdict, id: "verdict", "data-verdict": v.verdict },
          el("strong", {}, t("lab.verdict." + v.verdict)),
          el("p", {}, prose(v.summary)),
          (v.findings || []).length ? el("ul", {}, v.findings.map((f) => el("li", {}, prose(f)))) : null
        )
      );
    }
    if (app.solution) {
      const s = app.solution;
      check.append(
        el(
          "div",
          { id: "solution-text" },
          el("h4", {}, t("lab.cause")),
          el("p", {}, prose(s.cause)),
          el("h4", {}, t("lab.fix")),
          el("p", {}, prose(s.fix)),
          el("h4", {}, t("lab.commands")),
          (s.commands || []).map(commandBlock)
        )
      );
    }
    parts.push(check);
    const accounts = lab.accounts || [];
    if (accounts.length) {
      parts.push(
        el(
          "section",
          { class: "card" },
          el("h3", {}, t("lab.accounts")),
          el(
            "table",
            {},
            el("tr", {}, el("th", {}, t("common.account")), el("th", {}, t("lab.profile")), el("th", {}, t("lab.accessKey")), el("th", {}, t("lab.secretKey"))),
            accounts.map((a) =>
              el("tr", {}, el("td", {}, `${a.name} (${a.id})`), el("td", { class: "mono" }, a.profile), el("td", { class: "mono" }, a.accessKeyId), el("td", { class: "mono" }, a.secretAccessKey))
            )
          )
        )
      );
    }
    // Two columns on a laptop screen: what to do on the left, hints and "check my fix" on
    // the right, where they stay in view.
    const [title, ...cards] = parts;
    const side = ["lab-check", "lab-hints"];
    const right = side.map((id) => cards.find((c) => c.id === id));
    const left = cards.filter((c) => !side.includes(c.id));
    return [title, el("div", { class: "lab-grid" }, el("div", {}, left), el("div", {}, right))];
  }

  async function showHint() {
    const answer = await admin("POST", withLang("/_keyhole/lab/hint"), {});
    if (answer.status !== 200) return showStatus((answer.body && answer.body.error) || String(answer.status));
    await reloadLab();
    render();
  }

  async function checkFix() {
    const answer = await admin("POST", withLang("/_keyhole/lab/check"), {});
    if (answer.status !== 200) return showStatus((answer.body && answer.body.error) || String(answer.status));
    app.verdict = answer.body;
    await Promise.all([reloadLab(), refreshWorld()]);
    render();
  }

  async function showSolution() {
    const answer = await admin("GET", withLang("/_keyhole/lab/solution"));
    if (answer.status !== 200) return showStatus((answer.body && answer.body.error) || String(answer.status));
    app.solution = answer.body;
    render();
  }

  async function resetLab() {
    if (!window.confirm(t("lab.resetConfirm"))) return;
    await admin("POST", withLang("/_keyhole/lab/reset"), {});
    app.verdict = null;
    app.solution = null;
    await loadAll();
  }

  async function refreshWorld() {
    const [state, denials] = await Promise.all([admin("GET", "/_keyhole/state"), admin("GET", "/_keyhole/denials")]);
    if (state.status === 200) app.world = state.body;
    if (denials.status === 200) app.denials = denials.body.denials;
  }

  function policyBadges(org, targetId) {
    const attached = (org.attachments || []).filter((a) => a.targetId === targetId);
    const badges = attached.map((a) => {
      // The AWS managed FullAWSAccess and RCPFullAWSAccess are not stored with the others.
      const managed = { "p-FullAWSAccess": "SERVICE_CONTROL_POLICY", "p-RCPFullAWSAccess": "RESOURCE_CONTROL_POLICY" };
      const policy = (org.policies || {})[a.policyId] || (managed[a.policyId] && { id: a.policyId, name: a.policyId.slice(2), policyType: managed[a.policyId], awsManaged: true });
      if (!policy) return null;
      const kind =
        policy.policyType === "SERVICE_CONTROL_POLICY" ? t("org.scp") : policy.policyType === "RESOURCE_CONTROL_POLICY" ? t("org.rcp") : t("org.otherPolicy") + " " + policy.policyType;
      const label = `${kind}: ${policy.name} (${policy.id})`;
      if (policy.awsManaged && !policy.content) return el("div", {}, label, " · ", el("span", { class: "muted" }, t("org.awsManaged")));
      return el("div", {}, policyDetails(label, policy.content));
    });
    return badges.length ? badges : [el("div", { class: "muted" }, t("org.noPolicies"))];
  }

  function renderOrg() {
    const orgs = Object.values((app.world && app.world.organizations && app.world.organizations.organizations) || {});
    const parts = [el("h2", {}, t("nav.org"))];
    const members = new Set();
    for (const org of orgs) {
      const ous = Object.values(org.ous || {});
      const accounts = Object.values(org.accounts || {});
      accounts.forEach((a) => members.add(a.id));
      // One node of the tree: its kind, its name, what it shows beside the name (an id, an
      // account's status) and the SCPs and RCPs attached to it.
      const node = (kind, label, id, note, children) =>
        el("li", {}, el("span", { class: "node-kind" }, kind), el("strong", {}, label), " ", el("span", { class: "mono muted" }, note), el("div", { style: "margin-left:8px" }, policyBadges(org, id)), children.length ? el("ul", {}, children) : null);
      const below = (parentId) => [
        ...ous.filter((ou) => ou.parentId === parentId).map((ou) => node(t("org.ou"), ou.name, ou.id, ou.id, below(ou.id))),
        ...accounts
          .filter((a) => a.parentId === parentId)
          .map((a) => node(t("org.account"), accountName(a.id) + (a.id === org.managementAccount ? " · " + t("org.management") : ""), a.id, a.status || "", [])),
      ];
      const types = (org.root.policyTypes || []).join(", ");
      parts.push(
        el(
          "section",
          { class: "card" },
          el("h3", {}, `${org.id}`),
          el("p", { class: "muted" }, `${t("org.policyTypes")}: ${types || t("common.none")}`),
          el("ul", { class: "tree" }, node(t("org.root"), org.root.name || t("org.root"), org.root.id, org.root.id, below(org.root.id)))
        )
      );
    }
    if (!orgs.length) parts.push(el("p", { class: "card" }, t("org.none")));
    const outside = Object.keys((app.world && app.world.accounts) || {}).filter((id) => !members.has(id));
    if (outside.length) {
      parts.push(el("section", { class: "card" }, el("h3", {}, t("org.accounts")), el("ul", {}, outside.sort().map((id) => el("li", {}, accountName(id), " · ", el("span", { class: "muted" }, t("org.outside")))))));
    }
    return parts;
  }

  function renderKeys() {
    const keys = allKeys();
    const parts = [el("h2", {}, t("nav.keys"))];
    if (!keys.length) parts.push(el("p", { class: "card" }, t("keys.none")));
    for (const key of keys) {
      const customer = key.keyManager === "CUSTOMER";
      const stateClass = key.state === "Enabled" ? "ok" : "bad";
      const grants = key.grants || [];
      parts.push(
        el(
          "section",
          { class: "card key", "data-arn": key.arn },
          el("h3", {}, key.aliases.length ? key.aliases.join(", ") : key.keyId, " ", el("span", { class: "badge " + stateClass }, key.state)),
          el(
            "table",
            {},
            el("tr", {}, el("th", {}, "ARN"), el("td", { class: "mono" }, key.arn)),
            el("tr", {}, el("th", {}, t("keys.aliases")), el("td", { class: "mono" }, key.aliases.join(", ") || t("common.none"))),
            el("tr", {}, el("th", {}, t("keys.state")), el("td", {}, key.state)),
            el("tr", {}, el("th", {}, t("common.account")), el("td", {}, accountName(key.account))),
            el("tr", {}, el("th", {}, t("common.region")), el("td", {}, key.region)),
            el("tr", {}, el("th", {}, t("keys.description")), el("td", {}, key.description || "")),
            el("tr", {}, el("th", {}, t("keys.manager")), el("td", {}, customer ? t("keys.managerCustomer") : t("keys.managerAws")))
          ),
          policyDetails(t("keys.policy"), key.policy),
          el("h4", {}, t("keys.grants")),
          grants.length
            ? el(
                "table",
                {},
                el("tr", {}, el("th", {}, "GrantId"), el("th", {}, t("keys.grantee")), el("th", {}, t("keys.operations"))),
                grants.map((g) => el("tr", {}, el("td", { class: "mono" }, g.grantId), el("td", { class: "mono" }, g.granteePrincipal), el("td", {}, (g.operations || []).join(", "))))
              )
            : el("p", { class: "muted" }, t("keys.noGrants")),
          customer ? el("button", { type: "button", onclick: () => openEditor("kms|" + key.arn) }, t("keys.edit")) : null
        )
      );
    }
    return parts;
  }

  function renderVaults() {
    const vaults = allVaults();
    const parts = [el("h2", {}, t("nav.vaults"))];
    if (!vaults.length) parts.push(el("p", { class: "card" }, t("vaults.none")));
    for (const vault of vaults) {
      const lock = vault.lock;
      const points = Object.values(vault.recoveryPoints || {});
      let lockText = t("vaults.noLock");
      if (lock) {
        lockText = t("vaults.lockRange", { min: lock.minRetentionDays ?? "-", max: lock.maxRetentionDays ?? "-" });
        if (lock.lockDate) lockText += " · " + t("vaults.lockDate", { date: when(lock.lockDate) });
      }
      parts.push(
        el(
          "section",
          { class: "card vault", "data-arn": vault.arn },
          el("h3", {}, vault.name),
          el(
            "table",
            {},
            el("tr", {}, el("th", {}, "ARN"), el("td", { class: "mono" }, vault.arn)),
            el("tr", {}, el("th", {}, t("common.account")), el("td", {}, accountName(vault.account))),
            el("tr", {}, el("th", {}, t("common.region")), el("td", {}, vault.region)),
            el("tr", {}, el("th", {}, t("vaults.key")), el("td", { class: "mono" }, vault.encryptionKeyArn || "")),
            el("tr", {}, el("th", {}, t("vaults.lock")), el("td", {}, lockText))
          ),
          vault.accessPolicy ? policyDetails(t("vaults.policy"), vault.accessPolicy) : el("p", { class: "muted" }, t("vaults.policy") + ": " + t("vaults.noPolicy")),
          el("h4", {}, t("vaults.points")),
          points.length
            ? el(
                "table",
                {},
                el("tr", {}, el("th", {}, "ARN"), el("th", {}, t("vaults.resource")), el("th", {}, t("vaults.status")), el("th", {}, t("common.created"))),
                points.map((p) => el("tr", {}, el("td", { class: "mono" }, p.arn), el("td", { class: "mono" }, p.resourceArn), el("td", {}, p.status), el("td", {}, when(p.creationDate))))
              )
            : el("p", { class: "muted" }, t("vaults.noPoints")),
          el("button", { type: "button", onclick: () => openEditor("backup|" + vault.arn) }, t("vaults.edit"))
        )
      );
    }
    return parts;
  }

  // A decision record line ("ok 3 destination vault exists", "FAILED 6 source key ...: why")
  // as a row of the trace: the check, whether it passed, and its detail.
  function traceRow(line) {
    const match = /^(ok|FAILED)\s+(?:(\d+)\s+)?(.*)$/.exec(line);
    if (!match) return el("tr", {}, el("td", {}, ""), el("td", { colspan: 2 }, line));
    const [, outcome, , rest] = match;
    const cut = rest.indexOf(": ");
    const check = cut >= 0 ? rest.slice(0, cut) : rest;
    const detail = cut >= 0 ? rest.slice(cut + 2) : "";
    const passed = outcome === "ok";
    return el(
      "tr",
      { class: passed ? "passed" : "failed" },
      el("td", {}, el("span", { class: "badge " + (passed ? "ok" : "bad") }, passed ? t("jobs.ok") : t("jobs.failed"))),
      el("td", { class: "mono" }, check),
      // keyhole joins an explanation's lines with " | ".
      el("td", { class: "mono" }, detail.split(" | ").flatMap((line, i) => (i ? [el("br"), line] : [line])))
    );
  }

  function renderJobs() {
    const parts = [el("h2", {}, t("nav.jobs"))];
    const jobs = [];
    for (const r of regions()) {
      const backup = r.backup || {};
      for (const [kind, field] of [["backup", "backupJobs"], ["copy", "copyJobs"], ["restore", "restoreJobs"]]) {
        for (const job of Object.values(backup[field] || {})) jobs.push({ kind, job });
      }
    }
    jobs.sort((a, b) => (b.job.creationDate || 0) - (a.job.creationDate || 0));
    if (!jobs.length) parts.push(el("p", { class: "card" }, t("jobs.none")));
    for (const { kind, job } of jobs) {
      const state = job.state || job.status || "";
      const stateClass = state === "COMPLETED" ? "ok" : state === "FAILED" || state === "ABORTED" ? "bad" : "warn";
      const record = job.decisionRecord || [];
      const [headline, ...steps] = record.length && !/^(ok|FAILED)\s/.test(record[0]) ? record : [null, ...record];
      parts.push(
        el(
          "section",
          { class: "card job", "data-state": state },
          el("h3", {}, t("jobs." + kind), " ", el("span", { class: "mono muted" }, job.id), " ", el("span", { class: "badge " + stateClass }, state)),
          el(
            "table",
            {},
            el("tr", {}, el("th", {}, t("jobs.state")), el("td", {}, state)),
            el("tr", {}, el("th", {}, t("jobs.statusMessage")), el("td", { class: "mono" }, job.statusMessage || t("common.none"))),
            el("tr", {}, el("th", {}, t("common.created")), el("td", {}, when(job.creationDate))),
            el("tr", {}, el("th", {}, t("jobs.from")), el("td", { class: "mono" }, job.vaultArn || job.recoveryPointArn || "")),
            job.destinationVaultArn ? el("tr", {}, el("th", {}, t("jobs.to")), el("td", { class: "mono" }, job.destinationVaultArn)) : null,
            el("tr", {}, el("th", {}, t("jobs.role")), el("td", { class: "mono" }, job.iamRoleArn || ""))
          ),
          el("h4", {}, t("jobs.trace")),
          headline ? el("p", { class: "mono" }, headline) : null,
          steps.length
            ? el("table", { class: "trace" }, el("tr", {}, el("th", {}, t("jobs.result")), el("th", {}, t("jobs.step")), el("th", {}, t("jobs.detail"))), steps.map(traceRow))
            : el("p", { class: "muted" }, t("jobs.noTrace"))
        )
      );
    }
    return parts;
  }

  function renderDenials() {
    const parts = [el("h2", {}, t("nav.denials"))];
    if (!app.denials.length) return parts.concat(el("p", { class: "card" }, t("denials.none")));
    for (const d of app.denials) {
      const why = d.explanation;
      parts.push(
        el(
          "section",
          { class: "card denial" },
          el("h3", {}, el("span", { class: "mono" }, d.action), " ", el("span", { class: "badge bad" }, d.errorCode)),
          el(
            "table",
            {},
            el("tr", {}, el("th", {}, t("denials.time")), el("td", {}, when(d.time))),
            el("tr", {}, el("th", {}, t("denials.action")), el("td", { class: "mono" }, d.action)),
            el("tr", {}, el("th", {}, t("denials.caller")), el("td", { class: "mono" }, d.callerArn)),
            el("tr", {}, el("th", {}, t("denials.resource")), el("td", { class: "mono" }, d.resource || "-")),
            el("tr", {}, el("th", {}, t("denials.error")), el("td", { class: "mono" }, d.message)),
            why
              ? el(
                  "tr",
                  {},
                  el("th", {}, t("denials.why")),
                  el(
                    "td",
                    {},
                    el("div", {}, why.decision === "explicitDeny" ? t("denials.explicit") : t("denials.implicit")),
                    el("div", {}, `${t("denials.layer")}: ${why.layer || "-"}`),
                    why.policy ? el("div", {}, `${t("denials.policy")}: `, el("span", { class: "mono" }, why.policy)) : null,
                    why.statement ? el("div", {}, `${t("denials.statement")}: `, el("span", { class: "mono" }, why.statement + (why.line ? ` (line ${why.line})` : ""))) : null,
                    el("details", {}, el("summary", {}, t("denials.trace")), el("pre", {}, (why.trace || []).join("\n")))
                  )
                )
              : null
          )
        )
      );
    }
    return parts;
  }

  // ---- The policy editor ----

  // The policy a target ("kms|<key arn>" or "backup|<vault arn>") holds now, and how to save it.
  function editorTarget(value) {
    const [service, arn] = [value.slice(0, value.indexOf("|")), value.slice(value.indexOf("|") + 1)];
    if (service === "kms") {
      const key = allKeys().find((k) => k.arn === arn);
      if (!key) return null;
      return {
        type: "kms-key",
        policy: key.policy || "",
        call: "kms:PutKeyPolicy",
        request: (text) => ({ account: key.account, region: key.region, service: "kms", operation: "PutKeyPolicy", input: { KeyId: key.arn, PolicyName: "default", Policy: text } }),
      };
    }
    const vault = allVaults().find((v) => v.arn === arn);
    if (!vault) return null;
    return {
      type: "backup-vault",
      policy: vault.accessPolicy || "",
      call: "backup:PutBackupVaultAccessPolicy",
      request: (text) => ({ account: vault.account, region: vault.region, service: "backup", operation: "PutBackupVaultAccessPolicy", input: { BackupVaultName: vault.name, Policy: text } }),
    };
  }

  function openEditor(value) {
    app.editor = { target: value, text: prettyJson((editorTarget(value) || {}).policy || ""), findings: null, saved: null };
    app.view = "editor";
    location.hash = "#editor";
    render();
  }

  function renderEditor() {
    const ed = app.editor;
    const keys = allKeys().filter((k) => k.keyManager === "CUSTOMER");
    const vaults = allVaults();
    const select = el(
      "select",
      { id: "editor-target", onchange: (e) => openEditor(e.target.value) },
      el("option", { value: "" }, t("editor.choose")),
      el("optgroup", { label: t("editor.keyGroup") }, keys.map((k) => el("option", { value: "kms|" + k.arn, selected: ed.target === "kms|" + k.arn }, `${(k.aliases[0] || k.keyId)} · ${accountName(k.account)} · ${k.description || ""}`))),
      el("optgroup", { label: t("editor.vaultGroup") }, vaults.map((v) => el("option", { value: "backup|" + v.arn, selected: ed.target === "backup|" + v.arn }, `${v.name} · ${accountName(v.account)}`)))
    );
    const parts = [el("h2", {}, t("nav.editor")), el("p", { class: "muted" }, t("editor.help")), el("div", { class: "row" }, el("label", {}, t("editor.target"), " ", select))];
    const target = ed.target ? editorTarget(ed.target) : null;
    if (!target) return parts;
    const gutter = el("pre", { class: "gutter", "aria-hidden": "true" });
    const area = el("textarea", { id: "editor-text", spellcheck: "false", "aria-label": t("editor.target"), value: ed.text });
    const numberLines = () => {
      const count = area.value.split("\n").length;
      gutter.textContent = Array.from({ length: count }, (_, i) => i + 1).join("\n");
      gutter.scrollTop = area.scrollTop;
    };
    area.addEventListener("input", () => {
      ed.text = area.value;
      numberLines();
    });
    area.addEventListener("scroll", () => (gutter.scrollTop = area.scrollTop));
    numberLines();
    parts.push(
      el("div", { class: "editor" }, gutter, area),
      el(
        "div",
        { class: "row" },
        el("button", { type: "button", id: "validate", onclick: () => validatePolicy(target) }, t("editor.validate")),
        el("button", { type: "button", class: "primary", id: "save", onclick: () => savePolicy(target) }, t("editor.save")),
        el("button", { type: "button", onclick: () => openEditor(ed.target) }, t("editor.reload"))
      )
    );
    if (ed.findings) {
      parts.push(
        ed.findings.length
          ? el(
              "div",
              { class: "verdict failing", id: "findings", "data-valid": "false" },
              el("strong", {}, t("editor.invalid")),
              el(
                "ul",
                { class: "findings" },
                ed.findings.map((f) =>
                  el("li", {}, f.line ? el("a", { href: "#editor", onclick: (e) => (e.preventDefault(), jumpTo(area, f.line, f.column)) }, t("editor.at", { line: f.line, column: f.column }) + ": ") : null, el("span", { class: "mono" }, `${f.code}: ${f.message}`))
                )
              )
            )
          : el("div", { class: "verdict solved", id: "findings", "data-valid": "true" }, t("editor.valid"))
      );
    }
    if (ed.saved) {
      const s = ed.saved;
      parts.push(
        s.error
          ? el("div", { class: "verdict failing", id: "saved", "data-saved": "false" }, el("strong", {}, t("editor.saveFailed", { call: target.call })), el("pre", {}, `${s.error.code} (HTTP ${s.error.status}): ${s.error.message}`))
          : el("div", { class: "verdict solved", id: "saved", "data-saved": "true" }, t("editor.saved", { call: target.call }))
      );
    }
    return parts;
  }

  function jumpTo(area, line, column) {
    const lines = area.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset += Math.max(0, (column || 1) - 1);
    area.focus();
    area.setSelectionRange(offset, offset + 1);
  }

  async function validatePolicy(target) {
    const answer = await admin("POST", "/_keyhole/policy/validate", { type: target.type, document: app.editor.text });
    if (answer.status !== 200) return showStatus((answer.body && answer.body.error) || String(answer.status));
    app.editor.findings = answer.body.findings;
    app.editor.saved = null;
    render();
  }

  async function savePolicy(target) {
    const answer = await admin("POST", "/_keyhole/call", target.request(app.editor.text));
    if (answer.status !== 200) return showStatus((answer.body && answer.body.error) || String(answer.status));
    app.editor.saved = answer.body;
    app.editor.findings = null;
    if (answer.body.error) {
      // AWS's refusal rarely says where (KMS says nothing for unreadable JSON): the
      // validator's findings, with their lines, go beside it.
      const check = await admin("POST", "/_keyhole/policy/validate", { type: target.type, document: app.editor.text });
      if (check.status === 200 && !check.body.valid) app.editor.findings = check.body.findings;
    }
    await refreshWorld();
    render();
  }

  // ---- The page ----

  const RENDER = { lab: renderLab, org: renderOrg, keys: renderKeys, vaults: renderVaults, jobs: renderJobs, denials: renderDenials, editor: renderEditor };

  function render() {
    document.documentElement.lang = app.lang;
    document.title = t("app.title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    document.getElementById("where").textContent = location.host + (app.lab ? " · " + app.lab.name : "");
    const nav = document.getElementById("nav");
    nav.replaceChildren(
      ...VIEWS.filter((v) => v !== "lab" || app.lab).map((v) => el("a", { href: "#" + v, id: "nav-" + v, "aria-current": v === app.view ? "page" : null }, t("nav." + v)))
    );
    const main = document.getElementById("main");
    const scroll = main.scrollTop;
    main.replaceChildren(...RENDER[app.view]());
    main.scrollTop = scroll;
  }

  function setUpLanguages() {
    const select = document.getElementById("lang");
    select.replaceChildren(...window.KEYHOLE_LANGUAGES.map(([code, name]) => el("option", { value: code, selected: code === app.lang }, name)));
    select.value = app.lang;
    select.addEventListener("change", async () => {
      app.lang = select.value;
      try {
        localStorage.setItem(STORED_LANG, app.lang);
      } catch (_) {
        // Not remembered, still switched.
      }
      // The lab's texts, the verdict's and the solution's come in the chosen language.
      await reloadLab();
      if (app.verdict) {
        app.verdict = null;
      }
      if (app.solution) await showSolution();
      render();
    });
  }

  window.addEventListener("hashchange", () => {
    const view = viewFromHash();
    if (view && view !== app.view) {
      app.view = view;
      document.getElementById("main").scrollTop = 0;
      render();
    }
  });
  document.getElementById("refresh").addEventListener("click", loadAll);
  setUpLanguages();
  loadAll();
})();
