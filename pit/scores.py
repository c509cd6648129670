#!/usr/bin/env python3
"""The PIT score table: one row per module, read from <module>/target/pit-reports/mutations.xml.

Usage: pit/scores.py [--survivors DIR] MODULE...
Killed counts what PIT counts detected (KILLED, TIMED_OUT, MEMORY_ERROR); the score is killed over
all mutants; strength is killed over the mutants some test covers. With --survivors DIR, writes
DIR/<module>.txt: every SURVIVED and NO_COVERAGE mutant, sorted by class, line and mutator.
Exit 1 when a module has no mutations.xml."""
import os
import sys
import xml.etree.ElementTree as ET

DETECTED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR"}


def read(module):
    path = os.path.join(module, "target", "pit-reports", "mutations.xml")
    if not os.path.exists(path):
        return None
    rows = []
    for m in ET.parse(path).getroot().iter("mutation"):
        mutator = m.findtext("mutator", "")
        rows.append({
            "status": m.get("status", ""),
            "class": m.findtext("mutatedClass", ""),
            "method": m.findtext("mutatedMethod", ""),
            "line": int(m.findtext("lineNumber", "0") or 0),
            "mutator": mutator.rsplit(".", 1)[-1],
            "description": m.findtext("description", ""),
        })
    return rows


def main(argv):
    survivors = None
    if len(argv) >= 2 and argv[0] == "--survivors":
        survivors, argv = argv[1], argv[2:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    header = ("module", "mutants", "killed", "score", "survived", "no cover", "strength", "other")
    lines = []
    missing = False
    total = {"all": 0, "killed": 0, "survived": 0, "nocov": 0, "other": 0}
    for module in argv:
        rows = read(module)
        if rows is None:
            lines.append((module, "-", "-", "no report", "-", "-", "-", "-"))
            missing = True
            continue
        n = len(rows)
        killed = sum(r["status"] in DETECTED for r in rows)
        survived = sum(r["status"] == "SURVIVED" for r in rows)
        nocov = sum(r["status"] == "NO_COVERAGE" for r in rows)
        other = n - killed - survived - nocov
        for k, v in (("all", n), ("killed", killed), ("survived", survived), ("nocov", nocov), ("other", other)):
            total[k] += v
        lines.append((module, n, killed, pct(killed, n), survived, nocov, pct(killed, n - nocov), other))
        if survivors is not None:
            os.makedirs(survivors, exist_ok=True)
            left = sorted((r for r in rows if r["status"] in ("SURVIVED", "NO_COVERAGE")),
                          key=lambda r: (r["class"], r["line"], r["mutator"], r["method"]))
            with open(os.path.join(survivors, module + ".txt"), "w") as f:
                f.write("# %s: %d survived, %d with no coverage (status class method line mutator: description)\n"
                        % (module, survived, nocov))
                for r in left:
                    f.write("%s\t%s\t%s\t%d\t%s\t%s\n" % (r["status"], r["class"], r["method"], r["line"],
                                                        r["mutator"], r["description"]))
    t = total
    lines.append(("total", t["all"], t["killed"], pct(t["killed"], t["all"]), t["survived"], t["nocov"],
                  pct(t["killed"], t["all"] - t["nocov"]), t["other"]))
    widths = [max(len(str(x[i])) for x in [header] + lines) for i in range(len(header))]
    fmt = "  ".join("%%-%ds" % widths[0] if i == 0 else "%%%ds" % w for i, w in enumerate(widths))
    print(fmt % header)
    for x in lines:
        print(fmt % tuple(str(v) for v in x))
    return 1 if missing else 0


def pct(a, b):
    return "%.1f%%" % (100.0 * a / b) if b else "-"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
