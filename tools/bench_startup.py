"""Measures keyhole's time from process start to the first answered API request, and its
resident memory when idle. Usage: python3 tools/bench_startup.py [path/to/keyhole] [runs]"""
import http.client
import statistics
import subprocess
import sys
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/keyhole"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
BODY = "Action=GetCallerIdentity&Version=2011-06-15"
HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "X-Amz-Date": "20260101T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/sts/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=00",
}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def one_run():
    start = time.perf_counter()
    proc = subprocess.Popen([BINARY, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    host_port = line.strip().rsplit("http://", 1)[1]
    host, port = host_port.split(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.request("POST", "/", BODY, HEADERS)
    response = conn.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - start
    assert response.status == 200 and b"111111111111" in payload, payload
    conn.close()
    time.sleep(0.2)
    idle = rss_kib(proc.pid)
    proc.terminate()
    proc.wait()
    return elapsed, idle


results = [one_run() for _ in range(RUNS)]
times = sorted(r[0] * 1000 for r in results)
rss = sorted(r[1] for r in results)
print(f"runs: {RUNS}")
print(f"start to first answered GetCallerIdentity: median {statistics.median(times):.2f} ms, "
      f"p90 {times[int(0.9 * (RUNS - 1))]:.2f} ms, min {times[0]:.2f} ms")
print(f"idle RSS after one request: median {statistics.median(rss) / 1024:.2f} MiB, max {rss[-1] / 1024:.2f} MiB")
