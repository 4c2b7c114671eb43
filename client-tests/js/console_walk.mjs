// The web console in headless Chromium, against a keyhole serving the lab
// key-policy-missing-destination-account:
//   node console_walk.mjs ENDPOINT OUTDIR
// Switches through the five languages (the lab's title and the console's own labels must be
// in that language; one screenshot each, OUTDIR/<lang>.png), then, in each language, walks
// the lab from broken to solved through the policy editor: an over-broad key policy must be
// judged too broad, the least-privilege one solved. Any JavaScript error or console error on the page fails it.
// Prints one line per step; exits 1 on the first failure.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const [endpoint, outDir] = process.argv.slice(2);
if (!endpoint || !outDir) {
  console.error("usage: node console_walk.mjs ENDPOINT OUTDIR");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const scenario = path.join(here, "../../scenarios/key-policy-missing-destination-account");

// The console's own labels, written out again here so that a label lost from i18n.js (or
// shown in the wrong language) fails the walk.
const LABELS = {
  en: { check: "Check my fix", keys: "KMS keys" },
  ja: { check: "修正を確認", keys: "KMS キー" },
  zh: { check: "检查我的修复", keys: "KMS 密钥" },
  ko: { check: "수정 확인", keys: "KMS 키" },
  fr: { check: "Vérifier ma correction", keys: "Clés KMS" },
};

async function lab(lang) {
  const response = await fetch(`${endpoint}/_keyhole/lab?lang=${lang}`);
  if (response.status !== 200) throw new Error(`GET /_keyhole/lab answered ${response.status}`);
  return response.json();
}

function expectEqual(what, actual, expected) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  console.log(`ok ${what}`);
}

const problems = [];
function watch(page) {
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
}

const browser = await chromium.launch({
  executablePath: process.env.KEYHOLE_CHROMIUM || "/usr/bin/chromium",
  // Containers rarely allow Chromium's sandbox; the page is keyhole's own.
  args: ["--no-sandbox"],
});
let failed = false;
try {
  fs.mkdirSync(outDir, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "en-US" });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  watch(page);
  await page.goto(`${endpoint}/_keyhole/console/`);
  await page.waitForSelector("#lab-title");

  // Five languages: the lab's texts and the console's labels follow the switch.
  const titles = new Set();
  for (const lang of Object.keys(LABELS)) {
    const expected = (await lab(lang)).title;
    titles.add(expected);
    await page.selectOption("#lang", lang);
    await page.waitForFunction(
      ([lang, title]) => document.documentElement.lang === lang && document.querySelector("#lab-title")?.textContent === title,
      [lang, expected]
    );
    expectEqual(`${lang}: lab title`, await page.textContent("#lab-title"), expected);
    expectEqual(`${lang}: "check my fix" button`, await page.textContent("#check"), LABELS[lang].check);
    expectEqual(`${lang}: KMS keys in the menu`, await page.textContent("#nav-keys"), LABELS[lang].keys);
    await page.screenshot({ path: path.join(outDir, `${lang}.png`) });
  }
  expectEqual("five different lab titles", titles.size, 5);

  // The choice is remembered; a first visit follows the browser's language.
  await page.reload();
  await page.waitForSelector("#lab-title");
  expectEqual("language remembered after a reload", await page.getAttribute("html", "lang"), "fr");
  const japanese = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "ja-JP" });
  const first = await japanese.newPage();
  watch(first);
  await first.goto(`${endpoint}/_keyhole/console/`);
  await first.waitForSelector("#lab-title");
  expectEqual("a first visit in a Japanese browser", await first.getAttribute("html", "lang"), "ja");
  await japanese.close();

  // From broken to solved through the policy editor, as the learner would, in each language
  // (the lab reset between walks); the verdict reads as keyhole's messages.json words it.
  const messages = JSON.parse(fs.readFileSync(path.join(here, "../../emulator/src/lab/messages.json"), "utf8")).messages;
  const shared = fs.readFileSync(path.join(scenario, "policies/shared-key-policy.json"), "utf8");
  const owner = JSON.parse(shared).Statement[0].Principal.AWS.split(":")[4];
  const key = (await lab("en")).keys.find((k) => k.account === owner);
  if (!key) throw new Error(`the lab lists no key of account ${owner}`);

  async function check(expected) {
    await page.click("#nav-lab");
    await page.click("#check");
    await page.waitForSelector(`#verdict[data-verdict="${expected}"]`);
    console.log(`ok "check my fix" says ${expected}`);
  }

  async function save(policy, what) {
    await page.click("#nav-editor");
    await page.selectOption("#editor-target", `kms|${key.arn}`);
    await page.fill("#editor-text", policy);
    await page.click("#validate");
    await page.waitForSelector('#findings[data-valid="true"]');
    await page.click("#save");
    await page.waitForSelector('#saved[data-saved="true"]');
    console.log(`ok ${what} validated and saved with kms:PutKeyPolicy`);
  }

  const broad = {
    Version: "2012-10-17",
    Statement: [
      JSON.parse(shared).Statement[0],
      { Sid: "Let the destination account in", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "kms:*", Resource: "*" },
    ],
  };
  for (const lang of Object.keys(LABELS)) {
    await page.selectOption("#lang", lang);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    if (lang !== "en") {
      page.once("dialog", (dialog) => dialog.accept());
      await page.click("#nav-lab");
      await page.click("#reset");
      await page.waitForSelector("#verdict", { state: "detached" });
    }
    await check("failing");
    await page.click("#hint");
    await page.waitForSelector("#hints li");
    expectEqual(`${lang}: a hint shown`, await page.locator("#hints li").count(), 1);
    await page.click("#solution");
    await page.waitForSelector("#solution-text");
    console.log(`ok ${lang}: the solution shown`);
    await save(JSON.stringify(broad, null, 2), `${lang}: an over-broad key policy (kms:* to 222222222222)`);
    await check("too-broad");
    expectEqual(`${lang}: too broad, in words`, await page.textContent("#verdict p"), messages["too-broad"][lang]);
    await save(shared, `${lang}: the least-privilege key policy`);
    await check("solved");
    expectEqual(`${lang}: solved, in words`, await page.textContent("#verdict p"), messages.solved[lang]);
  }
  await page.screenshot({ path: path.join(outDir, "solved.png") });
} catch (error) {
  failed = true;
  console.log(`FAILED ${error.message}`);
} finally {
  await browser.close();
}
for (const problem of problems) console.log(`FAILED ${problem}`);
process.exit(failed || problems.length ? 1 : 0);
