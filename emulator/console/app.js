// keyhole's web console: reads the world (GET /_keyhole/state), the lab (GET /_keyhole/lab)
// and the recent denials from the keyhole that serves this page, and saves policies through
// POST /_keyhole/call, the same API calls a client would make. This file draws the page and
// starts it; the views are in lab.js, world.js and editor.js, the shared part in core.js.
"use strict";

async function loadAll() {
  showStatus("");
  // Health says whether a lab runs, so a plain keyhole is never asked for one (a 404 the
  // browser would log).
  const [state, health, denials] = await Promise.all([
    admin("GET", "/_keyhole/state"),
    admin("GET", "/_keyhole/health"),
    admin("GET", "/_keyhole/denials"),
  ]);
  const lab = health.status === 200 && health.body.lab ? await admin("GET", withLang("/_keyhole/lab")) : { status: 404 };
  if (state.status === 200) app.world = state.body;
  else if (state.status) showStatus(t("app.loadFailed", { path: "/_keyhole/state", error: state.status }));
  app.lab = lab.status === 200 ? lab.body : null;
  app.denials = denials.status === 200 ? denials.body.denials : [];
  if (!app.view) app.view = viewFromHash() || (app.lab ? "lab" : "org");
  render();
}

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
