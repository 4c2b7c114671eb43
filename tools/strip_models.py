"""Copy the botocore service models keyhole serves into emulator/models/,
without documentation strings (they are most of the bytes and unused)."""
import gzip, json, os, sys
import botocore

SERVICES = {"kms": "2014-11-01", "backup": "2018-11-15", "organizations": "2016-11-28",
            "sts": "2011-06-15", "iam": "2010-05-08",
            "accessanalyzer": "2019-11-01"}
DROP = {"documentation", "documentationUrl", "deprecatedMessage", "examples", "endpointdiscovery"}

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

def main(out_dir):
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    for name, version in SERVICES.items():
        with gzip.open(os.path.join(data, name, version, "service-2.json.gz")) as f:
            model = strip(json.load(f))
        model["metadata"]["botocoreVersion"] = botocore.__version__
        with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
            json.dump(model, f, separators=(",", ":"), sort_keys=True)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "emulator/models")
