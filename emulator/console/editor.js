// The policy editor: a key policy or a vault access policy, validated with keyhole's
// validator (POST /_keyhole/policy/validate) and saved with the call a client would make
// (kms:PutKeyPolicy, backup:PutBackupVaultAccessPolicy) through POST /_keyhole/call.
"use strict";

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
                el("li", {}, f.line ? el("a", { href: "#editor", onclick: (e) => (e.preventDefault(), jumpTo(area, f.line, f.column)) }, t("editor.at", { line: f.line, column: f.column }) + ": ") : null, el("span", { class: "mono" }, f.message === f.code ? f.code : `${f.code}: ${f.message}`))
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
