"""Measures what --state-dir costs: CreateKey, PutKeyPolicy, Encrypt and Backup's
CreateBackupVault per second against a memory-only keyhole and one with --state-dir, in the
same run. Each mode gets a fresh keyhole (the state dir a fresh temp dir); each phase runs
CONNECTIONS threads, one keep-alive connection each, for SECONDS; CreateKey runs first, so the
later phases see its keys. Then the scale figure: CreateBackupVault with --state-dir in a
world that already holds RECOVERY_POINTS recovery points (loaded through POST
/_keyhole/state), against an empty one: a write's cost should not grow with the world.
Usage: python3 tools/bench_persist.py [path/to/keyhole] [seconds] [connections] [points]"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sqlite3
import sys
import tempfile
import threading
import time
import zlib

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/keyhole"
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
CONNECTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 4
RECOVERY_POINTS = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
ACCOUNT = "111111111111"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*", "Resource": "*"}]})


def headers(operation, service="kms"):
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Date": stamp,
        # A 12-digit access key: keyhole parses SigV4 but does not verify the signature.
        "Authorization": f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/{stamp[:8]}/us-east-1/{service}/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=00",
    }
    if service == "kms":
        out["X-Amz-Target"] = f"TrentService.{operation}"
    return out


def call(conn, operation, body):
    if operation == "CreateBackupVault":
        # REST-JSON: the name is in the path; `body` is {"name": ...}.
        conn.request("PUT", f"/backup-vaults/{body['name']}", "{}", headers(operation, "backup"))
    else:
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
        rate, p50, _ = phase(port, "CreateBackupVault", lambda n, i: {"name": f"v-{n}-{i}"})
        rows.append(("CreateBackupVault", rate, p50))
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


def admin(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(method, path, body)
    response = conn.getresponse()
    payload = response.read()
    assert response.status == 200, (path, response.status, payload[:300])
    return json.loads(payload) if payload else None


def serve(state):
    args = [BINARY, "serve", "--port", "0", "--state-dir", state]
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return server, int(server.stdout.readline().strip().rsplit(":", 1)[1])


def scale(points):
    """CreateBackupVault with --state-dir in a world of `points` recovery points. They are
    written into the state file as records (too many for POST /_keyhole/state's 16 MiB),
    between a stop and a start, so keyhole loads and checks them as any saved world."""
    state = tempfile.mkdtemp(prefix="keyhole-bench-scale-")
    server, port = serve(state)
    call(http.client.HTTPConnection("127.0.0.1", port), "CreateBackupVault", {"name": "big"})
    server.terminate()
    server.wait()
    db = sqlite3.connect(os.path.join(state, "keyhole-state.sqlite"))
    vault = json.loads(db.execute(
        "SELECT body FROM records WHERE kind = 'backup.vault' AND key = 'big'").fetchone()[0])
    rows = []
    for i in range(points):
        arn = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:{i:08d}"
        body = json.dumps({
            "arn": arn, "vaultName": "big", "vaultArn": vault["arn"],
            "resourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-{i:08d}",
            "resourceType": "EBS", "creationDate": 1.7e9, "completionDate": 1.7e9,
            "encryptionKeyArn": vault["encryptionKeyArn"],
            "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup", "status": "COMPLETED",
            "backupSizeInBytes": 1024}).encode()
        rows.append(("backup.recoveryPoint", f"{ACCOUNT}/us-east-1/big", arn, zlib.crc32(body), body))
    db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    began = time.monotonic()
    server, port = serve(state)
    loaded = time.monotonic() - began
    try:
        listed = admin(port, "GET", "/_keyhole/state")["accounts"][ACCOUNT]["regions"]["us-east-1"]
        assert len(listed["backup"]["vaults"]["big"]["recoveryPoints"]) == points
        rate, p50, _ = phase(port, "CreateBackupVault", lambda n, i: {"name": f"s-{n}-{i}"})
        size = os.path.getsize(os.path.join(state, "keyhole-state.sqlite"))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(state)
    return rate, p50, loaded, size


def main():
    results = {mode: run(mode) for mode in ("memory", "state-dir")}
    print(f"{CONNECTIONS} connections, {SECONDS:g} s per phase")
    print("| operation | memory: req/s | memory: p50 | state-dir: req/s | state-dir: p50 |")
    print("|---|---|---|---|---|")
    for (op, m_rate, m_p50), (_, s_rate, s_p50) in zip(results["memory"][0], results["state-dir"][0]):
        print(f"| {op} | {m_rate:,.0f} | {m_p50:,.0f} µs | {s_rate:,.0f} | {s_p50:,.0f} µs |")
    for mode, (_, keys, writes, size) in results.items():
        print(f"{mode}: {keys:,} keys created; state-file writes {writes}; file {size:,} bytes")
    print("| state-dir world | CreateBackupVault req/s | p50 | start (load, check, rewrite) | file |")
    print("|---|---|---|---|---|")
    for points in (0, RECOVERY_POINTS):
        rate, p50, loaded, size = scale(points)
        print(f"| {points:,} recovery points | {rate:,.0f} | {p50:,.0f} µs | {loaded:.1f} s | {size:,} bytes |")


if __name__ == "__main__":
    main()
