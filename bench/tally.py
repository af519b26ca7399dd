"""Our tally rules against pabutools on the largest shared Pabulib files.

    python -m bench.tally [--instances NAME ...] [--rules KEY ...]
                          [--reference-timeout SECONDS] [--no-reference]

Prints one JSON line per (instance, rule):
``{"instance", "rule", "ours_s", "reference_s", "ratio", "same_outcome",
"ours_peak_rss_mb"}`` with ``ratio = reference_s / ours_s``; then one summary
line with the peak RSS of our side. Both sides are timed around the rule call
only (parsing excluded, as in SOURCES.md). pabutools runs in a child process
with a wall-clock timeout and an address-space cap (its iterated MES leaks
memory); a timeout or a crash gives ``null``. pabutools' Add1 takes minutes
on these files, so the Add1-only rules are opt-in via ``--rules``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from dataclasses import replace
from fractions import Fraction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from budgets.pabulib.pb_file import load_election
from budgets.rules import RULES, run_rule

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
INSTANCES = SHARED / "pabulib" / "instances"
DEFAULT_INSTANCES = ("Poland_Lodz_2022", "Poland_Warszawa_2026", "Poland_Wroclaw_2023")
DEFAULT_RULES = ("greedy_cost", "mes_cost", "mes_cost_completed")
REFERENCE_RULES = (
    "greedy_cost",
    "mes_cost",
    "mes_cost_add1",
    "mes_cost_completed",
    "mes_cost_add1_esnet",
)


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux. RUSAGE_SELF excludes the pabutools children.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _reference(path: str, rule: str, memory_bytes: int, conn: Connection) -> None:
    """Child process: run pabutools' version of ``rule`` as SOURCES.md does."""
    try:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        from pabutools.election import Cost_Sat, parse_pabulib
        from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
        from pabutools.tiebreaking import TieBreakingRule

        instance, profile = parse_pabulib(path)
        start = time.perf_counter()
        if rule == "greedy_cost":
            result = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        elif rule == "mes_cost":
            result = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        elif rule in ("mes_cost_add1", "mes_cost_completed"):
            result = method_of_equal_shares(
                instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
            )
            if rule == "mes_cost_completed":
                result = greedy_utilitarian_welfare(
                    instance, profile, sat_class=Cost_Sat, initial_budget_allocation=result
                )
        elif rule == "mes_cost_add1_esnet":
            ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -prof.approval_score(p), p.name))
            multi = profile.as_multiprofile()
            budget = instance.budget_limit
            n = profile.num_ballots()
            result = method_of_equal_shares(instance, multi, sat_class=Cost_Sat, tie_breaking=ties)
            k = int(Fraction(budget) / n) + 1
            while True:
                instance.budget_limit = k * n
                current = method_of_equal_shares(
                    instance, multi, sat_class=Cost_Sat, tie_breaking=ties
                )
                if sum(p.cost for p in current) > budget:
                    break
                result, k = current, k + 1
        else:
            raise ValueError(f"no pabutools reference for {rule}")
        seconds = time.perf_counter() - start
        conn.send(("ok", seconds, sorted(p.name for p in result)))
    except BaseException as exc:  # report anything, including MemoryError
        if isinstance(exc, MemoryError):
            # Let go of pabutools' structures so that the report fits.
            instance = profile = result = None
        conn.send(("error", None, repr(exc)))


def reference(path: Path, rule: str, timeout: float, memory_gb: float) -> tuple[float | None, Any]:
    """``(seconds, selected)`` from pabutools, ``(None, reason)`` if it failed."""
    if rule not in REFERENCE_RULES:
        return None, "no pabutools reference"
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_reference, args=(str(path), rule, int(memory_gb * 2**30), child), daemon=True
    )
    process.start()
    child.close()
    # The child parses first (a few seconds on these files): allow for it.
    if parent.poll(timeout + 30):
        try:
            status, seconds, payload = parent.recv()
        except EOFError:
            # It died without a word, e.g. out of memory while reporting.
            process.join()
            return None, f"pabutools process died (exit code {process.exitcode})"
        process.join()
        return (seconds, payload) if status == "ok" else (None, payload)
    process.kill()
    process.join()
    return None, f"timeout after {timeout}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", nargs="+", default=list(DEFAULT_INSTANCES))
    parser.add_argument("--rules", nargs="+", default=list(DEFAULT_RULES), choices=sorted(RULES))
    parser.add_argument("--reference-timeout", type=float, default=300.0)
    parser.add_argument("--reference-memory-gb", type=float, default=8.0)
    parser.add_argument("--no-reference", action="store_true", help="time our side only")
    args = parser.parse_args(argv)

    if not INSTANCES.is_dir():
        print(
            f"bench.tally: {INSTANCES} is absent (../shared is not beside this checkout); skipped"
        )
        return 0
    for name in args.instances:
        path = INSTANCES / (name if name.endswith(".pb") else f"{name}.pb")
        if not path.is_file():
            print(f"bench.tally: no instance {path.name}; skipped", file=sys.stderr)
            continue
        _, election = load_election(path)
        for rule in args.rules:
            # A fresh copy: no profile or Add1 walk cached by an earlier rule.
            fresh = replace(election)
            start = time.perf_counter()
            outcome = run_rule(rule, fresh)
            ours = time.perf_counter() - start
            ref_s: float | None = None
            same: bool | None = None
            note: Any = None
            if not args.no_reference:
                ref_s, payload = reference(
                    path, rule, args.reference_timeout, args.reference_memory_gb
                )
                if ref_s is not None:
                    same = sorted(outcome.selected) == payload
                else:
                    note = payload
            line = {
                "instance": path.stem,
                "rule": rule,
                "ours_s": round(ours, 4),
                "reference_s": round(ref_s, 4) if ref_s is not None else None,
                "ratio": round(ref_s / ours, 1) if ref_s is not None else None,
                "same_outcome": same,
                "ours_peak_rss_mb": _peak_rss_mb(),
            }
            if note is not None:
                line["reference_note"] = note
            print(json.dumps(line), flush=True)
    print(json.dumps({"ours_peak_rss_mb": _peak_rss_mb()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
