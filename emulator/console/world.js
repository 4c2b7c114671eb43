// The world as read from GET /_keyhole/state: the organization tree with its SCPs and
// RCPs, KMS keys, backup vaults, jobs with their decision records, and the recent denials.
"use strict";

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
