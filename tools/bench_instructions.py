"""Instructions per KMS Encrypt through `pipeline::handle`, counted by valgrind's callgrind
on the pipeline benchmark. Unlike time, the count does not move with the shared machine's
load, so it compares two commits reliably.

Usage (valgrind installed): python3 tools/bench_instructions.py [N]
Prints the count per call and, with N, the N heaviest functions per call (inclusive)."""
import glob
import os
import re
import subprocess
import sys

OUT = "/tmp/keyhole-pipeline.callgrind"

subprocess.run(
    ["cargo", "bench", "-p", "keyhole", "--bench", "pipeline", "--no-run"],
    check=True,
    capture_output=True,
)
binary = max(
    (p for p in glob.glob("target/release/deps/pipeline-*") if not p.endswith(".d")),
    key=os.path.getmtime,
)
subprocess.run(
    ["valgrind", "--tool=callgrind", f"--callgrind-out-file={OUT}", binary,
     "--bench", "--profile-time", "3", "pipeline"],
    check=True,
    capture_output=True,
)
lines = open(OUT).read().split("\n")
handle_id = next(
    m.group(1)
    for m in (re.match(r"c?fn=\((\d+)\) keyhole::pipeline::handle$", l) for l in lines)
    if m
)
# The call site with the most calls is the benchmark loop; its cost line follows `calls=`.
calls, cost = max(
    (int(lines[i + 1].split()[0].split("=")[1]), int(lines[i + 2].split()[1]))
    for i, l in enumerate(lines)
    if l.startswith(f"cfn=({handle_id})")
)
print(f"Encrypt: {cost / calls:.0f} instructions per call over {calls} calls")
if len(sys.argv) > 1:
    report = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", OUT], capture_output=True, text=True
    ).stdout
    shown = 0
    for row in report.splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+\S*?:(\S.*?)(?: \[.*)?$", row)
        if m and "keyhole::" in m.group(2):
            print(f"{int(m.group(1).replace(',', '')) / calls:9.0f}  {m.group(2)}")
            shown += 1
            if shown >= int(sys.argv[1]):
                break
