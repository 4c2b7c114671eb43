"""Measures a Backup request that makes nothing due, in worlds with many backup jobs running:
ListBackupVaults and DescribeBackupVault, one keep-alive connection, one request at a time.
Each world size gets a fresh keyhole whose job duration is 10^9 s (no job completes), seeded
with StartBackupJob over 4 connections.
Usage: python3 tools/bench_backup_jobs.py [path/to/keyhole] [job counts, e.g. 0,100000] [seconds]"""
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/keyhole"
COUNTS = [int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "0,100000").split(",")]
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
ACCOUNT = "111111111111"
VAULT = "bench-vault"
SEEDERS = 4


def headers():
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return {
        "Content-Type": "application/json",
        "X-Amz-Date": stamp,
        # A 12-digit access key: keyhole parses SigV4 but does not verify the signature.
        "Authorization": f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/{stamp[:8]}/us-east-1/backup/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=00",
    }


def call(conn, method, path, body=""):
    conn.request(method, path, body, headers())
    response = conn.getresponse()
    payload = response.read()
    assert response.status == 200, (method, path, response.status, payload)
    return payload


def seed(host, port, count):
    conn = http.client.HTTPConnection(host, port)
    call(conn, "POST", "/_keyhole/backup/job-duration", json.dumps({"seconds": 1e9}))
    call(conn, "PUT", f"/backup-vaults/{VAULT}", "{}")
    job = json.dumps({
        "BackupVaultName": VAULT,
        "ResourceArn": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/bench",
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
    })

    def worker(share):
        c = http.client.HTTPConnection(host, port)
        for _ in range(share):
            call(c, "PUT", "/backup-jobs", job)

    shares = [count // SEEDERS + (1 if i < count % SEEDERS else 0) for i in range(SEEDERS)]
    threads = [threading.Thread(target=worker, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    listed = json.loads(call(conn, "GET", "/backup-jobs/?maxResults=1"))
    assert count == 0 or len(listed["BackupJobs"]) == 1, listed


def measure(host, port, path):
    conn = http.client.HTTPConnection(host, port)
    for _ in range(200):  # warm-up
        call(conn, "GET", path)
    latencies = []
    end = time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        start = time.perf_counter()
        call(conn, "GET", path)
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    rate = len(latencies) / SECONDS
    p50 = statistics.median(latencies) * 1e6
    p99 = latencies[int(len(latencies) * 0.99)] * 1e6
    return rate, p50, p99


def main():
    print(f"keyhole {BINARY}; {SECONDS:g} s per run after 200 warm-up requests")
    print("| running jobs | operation | requests/s | p50 | p99 |")
    print("|---|---|---|---|---|")
    for count in COUNTS:
        proc = subprocess.Popen([BINARY, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            host, port = proc.stdout.readline().strip().rsplit("http://", 1)[1].split(":")
            port = int(port)
            started = time.perf_counter()
            seed(host, port, count)
            print(f"seeded {count} jobs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for label, path in [
                ("ListBackupVaults", "/backup-vaults/"),
                ("DescribeBackupVault", f"/backup-vaults/{VAULT}"),
            ]:
                rate, p50, p99 = measure(host, port, path)
                print(f"| {count} | {label} | {rate:,.0f} | {p50:.0f} µs | {p99:.0f} µs |")
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
