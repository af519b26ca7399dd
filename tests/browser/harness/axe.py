"""The accessibility audit: axe-core, injected into pages of a test (in a context that
bypasses the site's CSP: ``browsing.new_page(axe=True)``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.browser.harness.paths import ARTIFACTS, REPO_ROOT
from tests.browser.harness.prerequisites import missing

AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violation_text(label: str, url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{label} ({url}): {len(violations)} violation(s)"]
    for violation in violations:
        lines.append(
            f"  [{violation.get('impact')}] {violation['id']}: {violation['help']}"
            f" ({violation.get('helpUrl', '')})"
        )
        for node in violation.get("nodes", [])[:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"      at {target}")
            lines.append(f"         {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"         {summary[:300]}")
    return "\n".join(lines)


@dataclass
class AxeAudit:
    """Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on pages of a test and collects
    every violation, so one run reports all the pages that fail, not only the first."""

    name: str
    pages: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # Rules axe could not decide (to review by hand; not failures).
    incomplete: dict[str, list[str]] = field(default_factory=dict)

    def check(self, page: Any, label: str) -> list[dict[str, Any]]:
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations: list[dict[str, Any]] = result["violations"]
        assert result["passes"], f"axe checked nothing on {page.url}"
        key = label
        n = 2
        while key in self.pages:
            key = f"{label} ({n})"
            n += 1
        self.pages[key] = (page.url, violations)
        self.incomplete[key] = [
            f"{item['id']} at {' '.join(str(t) for t in node.get('target', []))}"
            for item in result.get("incomplete", [])
            for node in item.get("nodes", [])[:5]
        ]
        return violations

    def report(self) -> str:
        return "\n\n".join(
            _violation_text(label, url, violations)
            for label, (url, violations) in self.pages.items()
            if violations
        )

    def assert_clean(self) -> None:
        assert self.pages, "axe ran on no page"
        (ARTIFACTS / f"axe-{self.name}.json").write_text(
            json.dumps(
                {
                    label: {
                        "url": url,
                        "violations": violations,
                        "needs_review": self.incomplete.get(label, []),
                    }
                    for label, (url, violations) in self.pages.items()
                },
                indent=2,
            )
        )
        report = self.report()
        assert not report, "axe-core found WCAG 2.2 AA violations:\n\n" + report


def axe_audit(name: str) -> AxeAudit:
    """A new audit for the test ``name``; without axe-core the test skips (fails in CI)."""
    if not AXE_JS.exists():
        missing(
            f"axe-core is not installed ({AXE_JS.relative_to(REPO_ROOT)} is missing): "
            "run `npm ci --no-audit --no-fund` at the repository root"
        )
    return AxeAudit(name)
