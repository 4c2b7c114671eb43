// Runs keyhole scenarios (scenarios/*/scenario.json) through the AWS SDK for JavaScript v3.
//
// Usage: node scenario_runner.mjs ENDPOINT SCENARIO_DIR...
//
// One generic executor: each step's `call` becomes `client.send(new <Operation>Command(input))`
// on the service's client, so a new scenario needs no code here. keyhole's own loader
// (`keyhole scenario run`) has already checked the files. Prints one JSON line per scenario,
// {"name", "passed", "differences"}, and exits 1 if any differs.

import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

import * as backup from "@aws-sdk/client-backup";
import * as iam from "@aws-sdk/client-iam";
import * as kms from "@aws-sdk/client-kms";
import * as organizations from "@aws-sdk/client-organizations";
import * as sts from "@aws-sdk/client-sts";

const SERVICES = {
  backup: [backup, backup.BackupClient],
  iam: [iam, iam.IAMClient],
  kms: [kms, kms.KMSClient],
  organizations: [organizations, organizations.OrganizationsClient],
  sts: [sts, sts.STSClient],
};
const REFERENCE = /\$\{([A-Za-z][A-Za-z0-9_.\-]*)\}/g;

class StepFailed extends Error {}

/** The value at a dotted path (`Roles[0].Arn`), or null. */
function atPath(value, path) {
  for (const part of path.split(".")) {
    for (const [, name, index] of part.matchAll(/([A-Za-z0-9_\-]+)|\[(\d+)\]/g)) {
      if (value === null || value === undefined) return null;
      value = name !== undefined ? value[name] : value[Number(index)];
    }
  }
  return value === undefined ? null : value;
}

function equal(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

class Runner {
  constructor(endpoint, folder, baseline) {
    this.endpoint = endpoint;
    this.folder = folder;
    this.scenario = JSON.parse(readFileSync(join(folder, "scenario.json"), "utf8"));
    this.baseline = baseline;
    const accounts = this.scenario.accounts?.length
      ? this.scenario.accounts
      : (baseline?.scenario.accounts ?? []);
    this.region = this.scenario.region ?? "us-east-1";
    this.accounts = Object.fromEntries(accounts.map((a) => [a.name, a.id]));
    this.captures = {};
    this.sessions = {};
  }

  substitute(text) {
    return text.replace(REFERENCE, (whole, name) => {
      if (name === "region") return this.region;
      if (name.startsWith("accounts.")) return this.accounts[name.slice("accounts.".length)];
      return this.captures[name] ?? whole;
    });
  }

  value(owner, value) {
    if (typeof value === "string") return this.substitute(value);
    if (Array.isArray(value)) return value.map((v) => this.value(owner, v));
    if (value && typeof value === "object") {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === "$file") {
        return this.substitute(readFileSync(join(owner, value.$file), "utf8"));
      }
      return Object.fromEntries(keys.map((k) => [k, this.value(owner, value[k])]));
    }
    return value;
  }

  client(service, credentials, region) {
    const [, Client] = SERVICES[service];
    return new Client({ endpoint: this.endpoint, region, credentials, maxAttempts: 1 });
  }

  async send(service, operation, input, credentials, region) {
    const [module] = SERVICES[service];
    const Command = module[`${operation}Command`];
    if (!Command) throw new StepFailed(`@aws-sdk/client-${service} has no ${operation}Command`);
    return this.client(service, credentials, region).send(new Command(input));
  }

  async credentials(actor) {
    if (this.sessions[actor]) return this.sessions[actor];
    const [account, principal = ""] = actor.split(/:(.*)/s);
    const root = { accessKeyId: this.accounts[account], secretAccessKey: "keyhole" };
    let made = root;
    if (principal.startsWith("role/")) {
      const role = await this.send("iam", "GetRole", { RoleName: principal.slice(5) }, root, this.region);
      const session = await this.send(
        "sts", "AssumeRole", { RoleArn: role.Role.Arn, RoleSessionName: "keyhole-scenario" }, root, this.region);
      made = {
        accessKeyId: session.Credentials.AccessKeyId,
        secretAccessKey: session.Credentials.SecretAccessKey,
        sessionToken: session.Credentials.SessionToken,
      };
    } else if (principal.startsWith("user/")) {
      const key = await this.send("iam", "CreateAccessKey", { UserName: principal.slice(5) }, root, this.region);
      made = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
    }
    this.sessions[actor] = made;
    return made;
  }

  /** The step's answer: ["output", object] or ["error", {code, status, message}]. */
  async call(owner, step) {
    const [service, operation] = step.call.split(":");
    const credentials = await this.credentials(step.as);
    let output;
    try {
      output = await this.send(service, operation, this.value(owner, step.input ?? {}), credentials,
        step.region ?? this.region);
    } catch (e) {
      if (!e.$metadata) throw e;
      return ["error", { code: e.name, status: e.$metadata.httpStatusCode, message: e.message }];
    }
    delete output.$metadata;
    for (const [name, path] of Object.entries(step.capture ?? {})) {
      const found = atPath(output, path);
      if (found !== null) this.captures[name] = typeof found === "string" ? found : JSON.stringify(found);
    }
    return ["output", output];
  }

  async admin(path, body) {
    const response = await fetch(this.endpoint + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new StepFailed(`${path}: HTTP ${response.status}: ${await response.text()}`);
  }

  async steps(owner, section, steps) {
    for (const [i, step] of (steps ?? []).entries()) {
      if (step.call) {
        const [kind, answer] = await this.call(owner, step);
        if (kind === "error") {
          throw new StepFailed(`${section} step ${i + 1} (${step.call} as ${step.as}) failed: ${JSON.stringify(answer)}`);
        }
      } else if (step.declare) {
        await this.admin("/_keyhole/resources", this.value(owner, step.declare));
      } else if (step.advanceClock !== undefined) {
        await this.admin("/_keyhole/clock/advance", { seconds: step.advanceClock });
      }
    }
  }

  async check(expected, phase, differences) {
    const check = this.scenario.check;
    await this.steps(this.folder, "check", check.slice(0, -1));
    const last = check[check.length - 1];
    const [kind, answer] = await this.call(this.folder, last);
    let want;
    let got;
    if (expected.error) {
      want = { ...expected.error, message: this.substitute(expected.error.message) };
      got = kind === "error" ? answer : { output: answer };
    } else {
      want = Object.fromEntries(Object.entries(expected.output).map(([p, v]) => [p, this.value(this.folder, v)]));
      got = kind === "output"
        ? Object.fromEntries(Object.keys(want).map((p) => [p, atPath(answer, p)]))
        : { error: answer };
    }
    if (!equal(want, got)) differences.push({ phase, step: last.call, expected: want, actual: got });
  }

  async run() {
    const differences = [];
    await this.admin("/_keyhole/reset", {});
    if (this.baseline) await this.steps(this.baseline.folder, "baseline setup", this.baseline.scenario.setup);
    await this.steps(this.folder, "setup", this.scenario.setup);
    await this.check(this.scenario.broken, "before the fix", differences);
    await this.steps(this.folder, "fix", this.scenario.fix);
    await this.check(this.scenario.fixed, "after the fix", differences);
    return differences;
  }
}

const [endpoint, ...folders] = process.argv.slice(2);
let failed = false;
for (const folder of folders) {
  const scenario = JSON.parse(readFileSync(join(folder, "scenario.json"), "utf8"));
  const baseline = scenario.baseline ? new Runner(endpoint, join(dirname(folder), scenario.baseline), null) : null;
  let result;
  try {
    const differences = await new Runner(endpoint, folder, baseline).run();
    result = { name: basename(folder), passed: differences.length === 0, differences };
  } catch (e) {
    result = { name: basename(folder), passed: false, error: String(e.stack ?? e) };
  }
  failed ||= !result.passed;
  console.log(JSON.stringify(result));
}
process.exit(failed ? 1 : 0);
