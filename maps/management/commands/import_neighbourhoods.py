"""`manage.py import_neighbourhoods FILE --name-property NAME [--population-property P]
[--strict]`: tiny boundary defects are repaired and reported by name; --strict refuses them."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from maps.services import ImportRejected, neighbourhoods_import

# A systematic mistake (swapped lat/lng) yields one problem per feature; show enough to
# see the pattern without burying the summary.
MAX_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Create or update neighbourhoods from a GeoJSON FeatureCollection of Polygons / "
        "MultiPolygons (WGS84), matched by name. All or nothing: any problem in the file "
        "imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a .geojson FeatureCollection (UTF-8)")
        parser.add_argument(
            "--name-property",
            required=True,
            help="feature property holding the neighbourhood name, e.g. name",
        )
        parser.add_argument(
            "--population-property",
            default=None,
            help="feature property holding the population (whole number); "
            "without it, populations are left as they are",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="refuse every invalid boundary, even one a repair changes by less than "
            "one part in a million of its area (repaired and reported by default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # tqdm redraws with "\r"; Django's OutputWrapper would append a newline to each
        # redraw, so give tqdm the raw stream (the one call_command(stderr=...) passed).
        stream = options.get("stderr") or sys.stderr
        # One bar per stage ("validating", then "writing"), one at a time.
        bars: dict[str, tqdm[Any]] = {}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                for previous in bars.values():
                    previous.close()
                bar = bars[stage] = tqdm(
                    total=total,
                    desc=stage.capitalize(),
                    unit="feature",
                    file=stream,
                    disable=options["verbosity"] < 1,
                )
            bar.update(done - bar.n)

        try:
            result = neighbourhoods_import(
                features_source=options["file"],
                name_property=options["name_property"],
                population_property=options["population_property"],
                progress=progress,
                strict=options["strict"],
            )
        except ImportRejected as exc:
            shown = [f"  {problem}" for problem in exc.problems[:MAX_PROBLEMS_SHOWN]]
            if len(exc.problems) > MAX_PROBLEMS_SHOWN:
                shown.append(f"  ... and {len(exc.problems) - MAX_PROBLEMS_SHOWN} more")
            raise CommandError(
                f"{options['file']}: nothing imported, {len(exc.problems)} problem(s):\n"
                + "\n".join(shown)
            ) from None
        finally:
            for bar in bars.values():
                bar.close()

        for repaired in result.repaired:
            self.stdout.write(self.style.WARNING(f"Repaired {repaired}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.total} neighbourhoods "
                f"({result.created} new, {result.updated} updated)"
            )
        )
