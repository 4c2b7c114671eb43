#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (committed).

Seeds come from the project's own inputs: one request per operation of every service model
(emulator/models, the shapes botocore has; required members filled), the signed requests of
emulator/tests/fixtures/sigv4, every policy of the policy corpus and the scenarios, the
scenario, lab and seed files. Run again when those change: `python3 tools/fuzz_corpus.py`.
"""
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
MODELS = ROOT / "emulator" / "models"


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def example(model, shape_name, depth=0):
    """A value of the shape with its required members filled: what a minimal call sends."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if kind == "structure":
        if depth > 3:
            return {}
        return {m: example(model, shape["members"][m]["shape"], depth + 1)
                for m in shape.get("required", [])}
    if kind == "list":
        return [example(model, shape["member"]["shape"], depth + 1)]
    if kind == "map":
        return {"k": example(model, shape["value"]["shape"], depth + 1)}
    if kind == "string":
        return shape.get("enum", ["fuzz"])[0]
    if kind in ("integer", "long"):
        return max(1, shape.get("min", 1))
    if kind in ("double", "float"):
        return 1.5
    if kind == "boolean":
        return True
    if kind == "blob":
        return "eA=="
    if kind == "timestamp":
        return 1704112496
    return None


def input_members(model, op):
    name = op.get("input", {}).get("shape")
    return (model["shapes"][name], name) if name else ({"members": {}}, None)


def aws_json():
    for service in ["kms", "organizations"]:
        model = json.loads((MODELS / f"{service}.json").read_text())
        prefix = model["metadata"]["targetPrefix"]
        auth = (f"Authorization: AWS4-HMAC-SHA256 Credential=111111111111/20240101/us-east-1/"
                f"{service}/aws4_request, SignedHeaders=host, Signature=0\n")
        for name, op in model["operations"].items():
            shape, shape_name = input_members(model, op)
            body = example(model, shape_name) if shape_name else {}
            write("aws_json", f"POST /\n{auth}X-Amz-Target: {prefix}.{name}\n\n{json.dumps(body)}")


def rest_json():
    model = json.loads((MODELS / "backup.json").read_text())
    for name, op in model["operations"].items():
        shape, shape_name = input_members(model, op)
        uri = op["http"]["requestUri"]
        path, _, fixed_query = uri.partition("?")
        query = [fixed_query] if fixed_query else []
        body = {}
        for member, ref in shape.get("members", {}).items():
            required = member in shape.get("required", [])
            value = example(model, ref["shape"])
            where = ref.get("location")
            if where == "uri":
                path = path.replace("{%s}" % ref["locationName"], "fuzz")
                path = path.replace("{%s+}" % ref["locationName"], "fuzz")
            elif where == "querystring" and (required or not query):
                query.append(f"{ref['locationName']}={value}")
            elif where is None and required:
                body[member] = value
        target = path + ("?" + "&".join(query) if query else "")
        write("rest_json", f"{op['http']['method']} {target}\n\n{json.dumps(body) if body else ''}")


def flatten(model, shape_name, prefix, value, out):
    shape = model["shapes"][shape_name]
    if shape["type"] == "structure":
        for m, v in value.items():
            flatten(model, shape["members"][m]["shape"], f"{prefix}{m}.", v, out)
    elif shape["type"] == "list":
        for i, v in enumerate(value, 1):
            flatten(model, shape["member"]["shape"], f"{prefix}member.{i}.", v, out)
    elif shape["type"] == "map":
        for i, (k, v) in enumerate(value.items(), 1):
            out.append((f"{prefix}entry.{i}.key", k))
            flatten(model, shape["value"]["shape"], f"{prefix}entry.{i}.value.", v, out)
    else:
        out.append((prefix.rstrip("."), "true" if value is True else str(value)))


def aws_query():
    for service in ["iam", "sts"]:
        model = json.loads((MODELS / f"{service}.json").read_text())
        version = model["metadata"]["apiVersion"]
        auth = (f"Authorization: AWS4-HMAC-SHA256 Credential=111111111111/20240101/us-east-1/"
                f"{service}/aws4_request, SignedHeaders=host, Signature=0\n")
        for name, op in model["operations"].items():
            _, shape_name = input_members(model, op)
            params = [("Action", name), ("Version", version)]
            if shape_name:
                flatten(model, shape_name, "", example(model, shape_name), params)
            form = "&".join(f"{k}={v}" for k, v in params)
            write("aws_query", f"POST /\n{auth}\n{form}")


def signed_fixtures():
    """The botocore-signed requests: raw, for the protocol targets, and split into the
    sigv4_parse target's fields (authorization, date, path, query, body)."""
    for f in sorted((ROOT / "emulator/tests/fixtures/sigv4").glob("*.json")):
        fx = json.loads(f.read_text())
        headers = {k.lower(): v for k, v in fx["headers"]}
        target = fx["path"] + ("?" + fx["query"] if fx["query"] else "")
        head = "\n".join(f"{k}: {v}" for k, v in fx["headers"])
        raw = f"{fx['method']} {target}\n{head}\n\n{fx['body'] or ''}"
        wire = {"kms": "aws_json", "organizations": "aws_json", "backup": "rest_json"}
        write(wire.get(fx["service"], "aws_query"), raw)
        write("sigv4_parse", "\n".join([headers.get("authorization", ""),
                                        headers.get("x-amz-date", ""), fx["path"],
                                        fx["query"] or "", fx["body"] or ""]))


def policies(value, out):
    if isinstance(value, dict):
        if "Statement" in value:
            out.append(json.dumps(value, indent=1))
        for v in value.values():
            policies(v, out)
    elif isinstance(value, list):
        for v in value:
            policies(v, out)


def files():
    found = []
    for f in sorted((ROOT / "emulator/tests/policy_corpus").glob("*.json")):
        policies(json.loads(f.read_text()), found)
    for f in sorted(ROOT.glob("scenarios/*/policies/*.json")):
        found.append(f.read_text())
    for text in sorted(set(found)):
        write("policy_parse", text)
    for f in sorted(ROOT.glob("scenarios/*/scenario.json")):
        write("scenario_parse", f.read_text())
    for f in sorted(ROOT.glob("emulator/tests/fixtures/scenarios-malformed/*/scenario.json")):
        write("scenario_parse", f.read_bytes())
    for f in sorted(ROOT.glob("scenarios/*/lab/en.json"))[:6]:
        write("lab_text", f.read_text())
    for f in sorted(ROOT.glob("emulator/tests/fixtures/seeds-malformed/*/seed.json")):
        write("seed_parse", f.read_bytes())
    write("seed_parse", json.dumps({"keyholeSeed": 1, "accounts": {"111111111111": {"iam": {
        "groups": [{"name": "admins"}],
        "users": [{"name": "alice", "groups": ["admins"], "accessKeys": [
            {"accessKeyId": "AKIAALICE00000000001", "secretAccessKey": "s"}]}]}}}}))


def structured():
    """The byte-driven targets: a few inputs that reach each branch of the choices."""
    for i in range(16):
        write("sigv4_verify", bytes([i % 8, i, 12, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 5, 2, 6,
                                     7, 8, 1, 4, 16, 72, 101, 108, 108, 111, i * 3]))
        write("policy_differential", bytes(((i * 37 + j * 11) % 256 for j in range(24 + i))))


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    aws_json()
    rest_json()
    aws_query()
    signed_fixtures()
    files()
    structured()
    for d in sorted(OUT.iterdir()):
        size = sum(f.stat().st_size for f in d.iterdir())
        print(f"{d.name}: {len(list(d.iterdir()))} files, {size // 1024} KB")
