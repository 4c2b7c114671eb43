"""Validates scenario files against scenarios/scenario.schema.json, as an editor would.

Usage: check_scenario_schema.py SCHEMA DIR...  Every DIR/*/scenario.json is checked; prints
one JSON object: {"<dir name>/<scenario>": null (valid) or "<first error>"}.
"""
import json
import pathlib
import sys

import jsonschema

schema = json.loads(pathlib.Path(sys.argv[1]).read_text())
validator = jsonschema.Draft202012Validator(schema)
results = {}
for root in sys.argv[2:]:
    for file in sorted(pathlib.Path(root).glob("*/scenario.json")):
        name = f"{pathlib.Path(root).name}/{file.parent.name}"
        try:
            document = json.loads(file.read_text())
        except json.JSONDecodeError as e:
            results[name] = f"not JSON: {e.msg}"
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        results[name] = errors[0].message if errors else None
print(json.dumps(results, indent=2, sort_keys=True))
