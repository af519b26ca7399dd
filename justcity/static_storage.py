"""Production static files: WhiteNoise's compressed, hashed files, with each file's URL
looked up once per process.

Django's manifest storage rebuilds a static URL on every ``{% static %}`` (the manifest
lookup, splitting, quoting and joining the URL): 1.8% of the web workers' CPU under
``python -m bench.load`` (py-spy), for a handful of names whose answer cannot change
while the process runs: the manifest is read at start-up, and a deploy's new
``collectstatic`` comes with new workers.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

# The templates name a few dozen files; a bound keeps a template that named files from
# its data (none does) from growing this without end.
_MOST_URLS = 1000


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            # A name missing from the manifest raises here, and is not kept.
            found = super().url(name)
            if len(self._urls) < _MOST_URLS:
                self._urls[name] = found
        return found
