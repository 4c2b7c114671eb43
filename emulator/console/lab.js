// The lab panel (only in a lab: GET /_keyhole/lab answers 200): the task, what the learner
// sees, where to look, hints, "check my fix" and the solution, in the chosen language.
"use strict";

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
