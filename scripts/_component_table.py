"""Write the component table of docs/conformance.md from the logs of scripts/conformance.

Reads /tmp/conformance-VERSION.log (pytest -rA output) for each version given and prints a
Markdown table: one row per case of test_every_component_three_ways, one column per version.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LINE = re.compile(r"^(PASSED|FAILED|SKIPPED|ERROR).*test_every_component_three_ways\[([^\]]+)\]")
SKIP = re.compile(r"^SKIPPED \[\d+\] .*: /(\S+) is not in Gradio")
WORDS = {"PASSED": "same", "FAILED": "**differs**", "SKIPPED": "not in this version", "ERROR": "**error**"}


def main(versions: list[str]) -> None:
    results: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for version in versions:
        log = Path(f"/tmp/conformance-{version}.log")
        text = log.read_text(errors="replace") if log.exists() else ""
        for line in text.splitlines():
            found = LINE.match(line)
            skipped = SKIP.match(line)
            if found:
                outcome, case = found.groups()
                if case not in order:
                    order.append(case)
                results.setdefault(case, {})[version] = WORDS[outcome]
            elif skipped:
                case = skipped.group(1)
                if case not in order:
                    order.append(case)
                results.setdefault(case, {})[version] = WORDS["SKIPPED"]
    print("| component case | " + " | ".join(f"Gradio {v}" for v in versions) + " |")
    print("|---|" + "---|" * len(versions))
    for case in order:
        print(f"| `{case}` | " + " | ".join(results[case].get(v, "not run") for v in versions) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
