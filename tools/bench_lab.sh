#!/usr/bin/env bash
# Lab costs, side by side with a plain `keyhole serve` in the same run (release build):
# start-up to the first answer, GET /_keyhole/lab, POST /_keyhole/lab/check (replays the
# copy on a copy of the world and asks the breadth questions), and the console's page.
# Usage: tools/bench_lab.sh [path/to/keyhole]   (default target/release/keyhole)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/keyhole}"
lab=key-policy-missing-destination-account
dir="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
now() { date +%s.%N; }
ms() { python3 -c "print(f'{($2-$1)*1000:.1f}')" ; }

# Baseline: a plain server's start-up to its first health answer.
port=$((20000 + RANDOM % 20000))
t0=$(now)
"$bin" serve --port "$port" >/dev/null 2>&1 &
until curl -sf "http://127.0.0.1:$port/_keyhole/health" >/dev/null; do sleep 0.005; done
t1=$(now)
echo "serve: start-up to first answer $(ms "$t0" "$t1") ms"
kill %1; wait %1 2>/dev/null || true

# The lab: start-up (world built from the scenario) to its first answer.
t0=$(now)
"$bin" lab start "$lab" --port 0 --lab-dir "$dir" --lang en >/dev/null 2>&1 &
until [ -s "$dir/endpoint" ]; do sleep 0.005; done
endpoint="$(cat "$dir/endpoint")"
until curl -sf "$endpoint/_keyhole/health" >/dev/null; do sleep 0.005; done
t1=$(now)
echo "lab start: start-up to first answer $(ms "$t0" "$t1") ms"

time_n() { # n method path
  local n=$1 method=$2 path=$3 t0 t1
  t0=$(now)
  for _ in $(seq "$n"); do curl -sf -X "$method" "$endpoint$path" -d '{}' >/dev/null; done
  t1=$(now)
  python3 -c "print(f'$method $path: {($t1-$t0)*1000/$n:.2f} ms per call ($n calls)')"
}
time_n 50 GET /_keyhole/health
time_n 50 GET /_keyhole/lab
time_n 20 POST /_keyhole/lab/check
bytes=0
for f in index.html app.js core.js lab.js world.js editor.js i18n.js style.css; do
  b=$(curl -sf "$endpoint/_keyhole/console/$f" | wc -c); bytes=$((bytes + b))
done
echo "console: $bytes bytes in 8 files, nothing fetched from elsewhere"
echo "lab folder: $(du -sk "$dir" | cut -f1) KiB"
