"""Write the demo corpus section of docs/conformance.md from the reports of scripts/conformance.

Reads /tmp/corpus-VERSION.jsonl (one line per endpoint, written by tests/test_demo_corpus.py
through CORPUS_REPORT) for each version given and prints: a summary per version, a row per
demo with one column per version, and every case that is not "same" or "same shape".
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

PASSED = ("same", "same shape")


def load(version: str) -> list[dict[str, str]]:
    path = Path(f"/tmp/corpus-{version}.jsonl")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def both_pass(row: dict[str, str]) -> bool:
    return row["session"] in PASSED and row["proxy"] in PASSED


def cell(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "not run"
    same = sum(r["session"] == "same" and r["proxy"] == "same" for r in rows)
    shape = sum(r["session"] in PASSED and r["proxy"] in PASSED for r in rows) - same
    theirs = sum(r["gradio_client"] != "ok" for r in rows)
    ours = sum(
        r["gradio_client"] == "ok" and not (r["session"] in PASSED and r["proxy"] in PASSED) for r in rows
    )
    parts = [f"{len(rows)} endpoints: {same} same"]
    if shape:
        parts.append(f"{shape} same shape")
    if theirs:
        parts.append(f"{theirs} gradio_client fails")
    if ours:
        parts.append(f"**{ours} we fail**")
    return ", ".join(parts)


def main(versions: list[str]) -> None:
    reports = {version: load(version) for version in versions}
    print("## Apps written by others: the gradio repository's demos, three ways")
    print()
    print(
        "`tests/test_demo_corpus.py` starts each app listed in `tests/corpus/demos.txt` from the `demo/`\n"
        "folder of a gradio checkout and calls every named endpoint of its `/info` with the examples of\n"
        'its "Use via API" page (example files replaced by the sample media Gradio ships) three ways:\n'
        "the session way (a stateful session, since `gradio_client` keeps one session hash per client),\n"
        "the proxy way (the generated function, values positional in the documented order) and\n"
        '`gradio_client`. "same": all three returned equal values; "same shape": equal kinds and\n'
        "counts of outputs, values that differ (the demo answers at random or with the time). Our\n"
        "results hold every output the server sends (as PowershAI returns them); the outputs\n"
        "`gradio_client` leaves out (State and layout components) are dropped for the comparison."
    )
    print()
    print("| Gradio | demos | endpoints | gradio_client passes | of those, the session way | the proxy way |")
    print("|---|---|---|---|---|---|")
    for version, rows in reports.items():
        if not rows:
            why = "GRADIO_DEMOS unset"
            if version.startswith("4."):
                why = "the demos are written for Gradio 5 and 6"
            print(f"| {version} | not run ({why}) | | | | |")
            continue
        reference = [r for r in rows if r["gradio_client"] == "ok"]
        session = sum(r["session"] in PASSED for r in reference)
        proxy = sum(r["proxy"] in PASSED for r in reference)
        demos = len({r["demo"] for r in rows})
        print(f"| {version} | {demos} | {len(rows)} | {len(reference)} | {session} | {proxy} |")
    print()
    by_demo: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for version, rows in reports.items():
        for row in rows:
            by_demo[row["demo"]][version].append(row)
    print("| demo | " + " | ".join(f"Gradio {v}" for v in versions) + " |")
    print("|---|" + "---|" * len(versions))
    for demo in sorted(by_demo):
        print(f"| `{demo}` | " + " | ".join(cell(by_demo[demo].get(v, [])) for v in versions) + " |")
    print()
    print('### Every case that is not "same" or "same shape"')
    print()
    print("| Gradio | demo | endpoint | gradio_client | session way | proxy way |")
    print("|---|---|---|---|---|---|")
    for version, rows in reports.items():
        for r in rows:
            if r["gradio_client"] == "ok" and r["session"] in PASSED and r["proxy"] in PASSED:
                continue
            texts = [r["gradio_client"], r["session"], r["proxy"]]
            shown = [t.replace("|", "\\|").replace("\n", " ")[:160] for t in texts]
            print(f"| {version} | `{r['demo']}` | `{r['endpoint']}` | " + " | ".join(shown) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
