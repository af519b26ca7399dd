from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "node_modules", ".git"}


class Command(BaseCommand):
    help = (
        "Compile every .po file of the project to .mo with polib (pure Python), so an "
        "install needs no GNU gettext. Only files whose .mo is missing or older are written."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        written = 0
        for po_path in sorted(root.rglob("*.po")):
            if SKIP & set(po_path.relative_to(root).parts):
                continue
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written += 1
        if options["verbosity"] > 0:
            self.stdout.write(f"Compiled {written} translation catalogue(s).")
