#!/usr/bin/env python3
"""Draws the policy engine's cost against statement count and condition count from the
`policy` criterion bench's results, as one SVG with two panels (no plotting library needed).

    cargo bench -p keyhole --bench policy -- --warm-up-time 1 --measurement-time 3
    python3 tools/bench_policy_plot.py [CRITERION_DIR] [OUT.svg]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion or target/criterion; OUT to
docs/bench/policy-cost.svg. Also prints the figures as a Markdown table.
"""
import json
import os
import sys


def median_ns(root, group, bench):
    path = os.path.join(root, group, bench, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def series(root, group, name):
    """[(x, ns)] for benches named NAME/X in GROUP (criterion writes `NAME_X` folders)."""
    out = []
    folder = os.path.join(root, group)
    for entry in sorted(os.listdir(folder)):
        head, _, x = entry.rpartition("_")
        if head == name.replace("/", "_") and x.isdigit():
            out.append((int(x), median_ns(root, group, entry)))
    return sorted(out)


def panel(x0, title, xlabel, lines, width=420, height=300):
    """One chart at horizontal offset x0: lines is [(label, colour, [(x, ns)])]."""
    pad_l, pad_b, pad_t, pad_r = 60, 40, 30, 20
    xs = [x for _, _, pts in lines for x, _ in pts]
    ys = [y for _, _, pts in lines for _, y in pts]
    xmax, ymax = max(xs), max(ys) * 1.1
    sx = lambda x: x0 + pad_l + (width - pad_l - pad_r) * x / xmax
    sy = lambda y: pad_t + (height - pad_t - pad_b) * (1 - y / ymax)
    svg = [f'<text x="{x0 + width / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>']
    svg.append(f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(xmax)}" y2="{sy(0)}" stroke="black"/>')
    svg.append(f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(0)}" y2="{sy(ymax)}" stroke="black"/>')
    for i in range(5):
        y = ymax * i / 4
        svg.append(f'<text x="{sx(0) - 6}" y="{sy(y) + 4}" text-anchor="end" font-size="11">{y:.0f}</text>')
        svg.append(f'<line x1="{sx(0)}" y1="{sy(y)}" x2="{sx(xmax)}" y2="{sy(y)}" stroke="#ddd"/>')
    for x in sorted(set(xs)):
        svg.append(f'<text x="{sx(x)}" y="{sy(0) + 15}" text-anchor="middle" font-size="11">{x}</text>')
    svg.append(f'<text x="{x0 + width / 2}" y="{height - 5}" text-anchor="middle" font-size="12">{xlabel}</text>')
    svg.append(f'<text x="{x0 + 14}" y="{height / 2}" transform="rotate(-90 {x0 + 14} {height / 2})" text-anchor="middle" font-size="12">ns per decision</text>')
    for i, (label, colour, pts) in enumerate(lines):
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            svg.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>')
        svg.append(f'<text x="{sx(0) + 10}" y="{pad_t + 14 + 16 * i}" fill="{colour}" font-size="12">{label}</text>')
    return svg


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "criterion")
    out = sys.argv[2] if len(sys.argv) > 2 else "docs/bench/policy-cost.svg"
    indexed = series(root, "policy_statements", "indexed")
    scan = series(root, "policy_statements", "scan")
    conditions = series(root, "policy_conditions", "50 statements")
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="880" height="300" font-family="sans-serif">',
           '<rect width="100%" height="100%" fill="white"/>']
    svg += panel(0, "Cost against statement count", "statements (the last one matches)",
                 [("indexed by action", "#1f77b4", indexed), ("plain scan (baseline)", "#d62728", scan)])
    svg += panel(440, "Cost against condition count", "conditions on the matching statement (of 50)",
                 [("indexed by action", "#1f77b4", conditions)])
    svg.append("</svg>")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        f.write("\n".join(svg) + "\n")
    print("| statements | indexed | plain scan | indexed decisions/s |")
    print("|---|---|---|---|")
    for (n, a), (_, b) in zip(indexed, scan):
        print(f"| {n} | {a:.0f} ns | {b:.0f} ns | {1e9 / a / 1e6:.2f} M/s |")
    print()
    print("| conditions (50 statements) | time | decisions/s |")
    print("|---|---|---|")
    for n, a in conditions:
        print(f"| {n} | {a:.0f} ns | {1e9 / a / 1e6:.2f} M/s |")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
