"""Runs keyhole scenarios (scenarios/*/scenario.json) through boto3.

Usage: scenario_runner.py ENDPOINT SCENARIO_DIR...

One generic executor: each step's `call` becomes `boto3.client(service).<operation>(**input)`,
so a new scenario needs no code here. keyhole's own loader (`keyhole scenario run`) has
already checked the files; this reads them as they are. Prints one JSON object per scenario
on stdout: {"name", "passed", "differences": [...]} and exits 1 if any scenario differs.
"""
import json
import pathlib
import re
import sys
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
from botocore import xform_name

REFERENCE = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_.\-]*)\}")
PATH_STEP = re.compile(r"([A-Za-z0-9_\-]+)|\[(\d+)\]")
CONFIG = botocore.config.Config(retries={"max_attempts": 1})


class StepFailed(Exception):
    pass


def at_path(value, path):
    """The value at a dotted path (`Roles[0].Arn`), or None."""
    for part in path.split("."):
        for name, index in PATH_STEP.findall(part):
            if name:
                value = value.get(name) if isinstance(value, dict) else None
            else:
                i = int(index)
                value = value[i] if isinstance(value, list) and i < len(value) else None
    return value


class Runner:
    def __init__(self, endpoint, folder, baseline):
        self.endpoint = endpoint
        self.folder = folder
        self.scenario = json.loads((folder / "scenario.json").read_text())
        self.baseline = baseline
        accounts = self.scenario.get("accounts") or (baseline.scenario["accounts"] if baseline else [])
        self.region = self.scenario.get("region", "us-east-1")
        self.accounts = {a["name"]: a["id"] for a in accounts}
        self.captures = {}
        self.sessions = {}

    # -- values ---------------------------------------------------------------------------

    def substitute(self, text):
        def one(match):
            name = match.group(1)
            if name == "region":
                return self.region
            if name.startswith("accounts."):
                return self.accounts[name[len("accounts."):]]
            return self.captures.get(name, match.group(0))
        return REFERENCE.sub(one, text)

    def value(self, owner, value):
        if isinstance(value, str):
            return self.substitute(value)
        if isinstance(value, list):
            return [self.value(owner, v) for v in value]
        if isinstance(value, dict):
            if set(value) == {"$file"}:
                return self.substitute((owner / value["$file"]).read_text())
            return {k: self.value(owner, v) for k, v in value.items()}
        return value

    # -- calls ----------------------------------------------------------------------------

    def client(self, service, actor, region):
        key, secret, token = self.credentials(actor)
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region, config=CONFIG,
            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)

    def credentials(self, actor):
        if actor in self.sessions:
            return self.sessions[actor]
        account, _, principal = actor.partition(":")
        root = (self.accounts[account], "keyhole", None)
        as_root = lambda service: boto3.client(
            service, endpoint_url=self.endpoint, region_name=self.region, config=CONFIG,
            aws_access_key_id=root[0], aws_secret_access_key=root[1])
        if principal.startswith("role/"):
            arn = as_root("iam").get_role(RoleName=principal[len("role/"):])["Role"]["Arn"]
            c = as_root("sts").assume_role(RoleArn=arn, RoleSessionName="keyhole-scenario")["Credentials"]
            made = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        elif principal.startswith("user/"):
            k = as_root("iam").create_access_key(UserName=principal[len("user/"):])["AccessKey"]
            made = (k["AccessKeyId"], k["SecretAccessKey"], None)
        else:
            made = root
        self.sessions[actor] = made
        return made

    def call(self, owner, step):
        """The step's answer: ("output", dict) or ("error", {code, status, message})."""
        service, operation = step["call"].split(":", 1)
        client = self.client(service, step["as"], step.get("region", self.region))
        method = getattr(client, xform_name(operation))
        try:
            output = method(**self.value(owner, step.get("input", {})))
        except botocore.exceptions.ClientError as e:
            error = e.response.get("Error", {})
            return "error", {
                "code": error.get("Code"),
                "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                "message": error.get("Message"),
            }
        output.pop("ResponseMetadata", None)
        for name, path in step.get("capture", {}).items():
            found = at_path(output, path)
            if found is not None:
                self.captures[name] = found if isinstance(found, str) else json.dumps(found)
        return "output", output

    def admin(self, path, body):
        request = urllib.request.Request(
            self.endpoint + path, data=json.dumps(body).encode(), method="POST",
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read() or b"null")

    def step(self, owner, section, index, step):
        if "call" in step:
            kind, answer = self.call(owner, step)
            if kind == "error":
                raise StepFailed(f"{section} step {index} ({step['call']} as {step['as']}) failed: {answer}")
        elif "declare" in step:
            self.admin("/_keyhole/resources", self.value(owner, step["declare"]))
        elif "advanceClock" in step:
            self.admin("/_keyhole/clock/advance", {"seconds": step["advanceClock"]})

    def steps(self, owner, section, steps):
        for i, step in enumerate(steps, 1):
            self.step(owner, section, i, step)

    # -- the scenario ---------------------------------------------------------------------

    def check(self, expected, phase, differences):
        *before, last = self.scenario["check"]
        self.steps(self.folder, "check", before)
        kind, answer = self.call(self.folder, last)
        if "error" in expected:
            want = {k: (self.substitute(v) if isinstance(v, str) else v) for k, v in expected["error"].items()}
            got = answer if kind == "error" else {"output": answer}
        else:
            want = {p: self.value(self.folder, v) for p, v in expected["output"].items()}
            got = {p: at_path(answer, p) for p in want} if kind == "output" else {"error": answer}
        if want != got:
            differences.append({"phase": phase, "step": last["call"], "expected": want, "actual": got})

    def run(self):
        differences = []
        self.admin("/_keyhole/reset", {})
        if self.baseline:
            self.steps(self.baseline.folder, "baseline setup", self.baseline.scenario.get("setup", []))
        self.steps(self.folder, "setup", self.scenario.get("setup", []))
        self.check(self.scenario["broken"], "before the fix", differences)
        self.steps(self.folder, "fix", self.scenario.get("fix", []))
        self.check(self.scenario["fixed"], "after the fix", differences)
        return differences


def main():
    endpoint = sys.argv[1]
    failed = False
    for folder in map(pathlib.Path, sys.argv[2:]):
        scenario = json.loads((folder / "scenario.json").read_text())
        baseline = None
        if scenario.get("baseline"):
            baseline = Runner(endpoint, folder.parent / scenario["baseline"], None)
        try:
            differences = Runner(endpoint, folder, baseline).run()
            result = {"name": folder.name, "passed": not differences, "differences": differences}
        except StepFailed as e:
            result = {"name": folder.name, "passed": False, "error": str(e)}
        failed = failed or not result["passed"]
        print(json.dumps(result, default=str))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
