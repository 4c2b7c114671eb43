"""Measures what --state-dir costs: CreateKey, PutKeyPolicy and Encrypt per second against a
memory-only keyhole and one with --state-dir, in the same run. Each mode gets a fresh keyhole
(the state dir a fresh temp dir); each phase runs CONNECTIONS threads, one keep-alive
connection each, for SECONDS; CreateKey runs first, so the later phases see its keys.
Usage: python3 tools/bench_persist.py [path/to/keyhole] [seconds] [connections]"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/keyhole"
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
CONNECTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 4
ACCOUNT = "111111111111"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*", "Resource": "*"}]})


def headers(operation):
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"TrentService.{operation}",
        "X-Amz-Date": stamp,
        # A 12-digit access key: keyhole parses SigV4 but does not verify the signature.
        "Authorization": f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/{stamp[:8]}/us-east-1/kms/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=00",
    }


def call(conn, operation, body):
    conn.request("POST", "/", json.dumps(body), headers(operation))
    response = conn.getresponse()
    payload = response.read()
    assert response.status == 200, (operation, response.status, payload)
    return json.loads(payload)


def phase(port, operation, body_of):
    """CONNECTIONS threads send `operation` for SECONDS; answers (req/s, p50 µs, answers)."""
    latencies, answers = [], []
    deadline = time.monotonic() + SECONDS

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine, out, i = [], [], 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            out.append(call(conn, operation, body_of(n, i)))
            mine.append(time.perf_counter() - start)
            i += 1
        latencies.extend(mine)
        answers.extend(out)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return len(latencies) / elapsed, statistics.median(latencies) * 1e6, answers


def run(mode):
    args = [BINARY, "serve", "--port", "0"]
    state = None
    if mode == "state-dir":
        state = tempfile.mkdtemp(prefix="keyhole-bench-state-")
        args += ["--state-dir", state]
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(server.stdout.readline().strip().rsplit(":", 1)[1])
    rows = []
    try:
        rate, p50, created = phase(port, "CreateKey", lambda n, i: {})
        keys = [k["KeyMetadata"]["KeyId"] for k in created]
        rows.append(("CreateKey", rate, p50))
        rate, p50, _ = phase(port, "PutKeyPolicy", lambda n, i: {
            "KeyId": keys[(n * 7919 + i) % len(keys)], "PolicyName": "default", "Policy": POLICY})
        rows.append(("PutKeyPolicy", rate, p50))
        rate, p50, _ = phase(port, "Encrypt", lambda n, i: {
            "KeyId": keys[n % len(keys)], "Plaintext": "aGVsbG8="})
        rows.append(("Encrypt", rate, p50))
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/_keyhole/health")
        health = json.loads(conn.getresponse().read())
        writes = health.get("persistence", {}).get("writes", "-")
        size = os.path.getsize(os.path.join(state, "keyhole-state.sqlite")) if state else 0
    finally:
        server.terminate()
        server.wait()
        if state:
            shutil.rmtree(state)
    return rows, len(keys), writes, size


def main():
    results = {mode: run(mode) for mode in ("memory", "state-dir")}
    print(f"{CONNECTIONS} connections, {SECONDS:g} s per phase")
    print("| operation | memory: req/s | memory: p50 | state-dir: req/s | state-dir: p50 |")
    print("|---|---|---|---|---|")
    for (op, m_rate, m_p50), (_, s_rate, s_p50) in zip(results["memory"][0], results["state-dir"][0]):
        print(f"| {op} | {m_rate:,.0f} | {m_p50:,.0f} µs | {s_rate:,.0f} | {s_p50:,.0f} µs |")
    for mode, (_, keys, writes, size) in results.items():
        print(f"{mode}: {keys:,} keys created; state-file writes {writes}; file {size:,} bytes")


if __name__ == "__main__":
    main()
