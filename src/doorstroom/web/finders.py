"""A static-files finder for front-end assets from npm packages.

Only the files listed in ``NPM_ASSETS`` are served (the npm packages hold much more, such as
source maps and JSON token files we do not need). The packages are installed at setup by
``npm ci``; nothing is copied into the repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

# static path -> path inside node_modules
NPM_ASSETS: dict[str, str] = {
    "vendor/utrecht/component-library.css": "@utrecht/component-library-css/dist/index.css",
    # The NL Design System example theme ("voorbeeld"): neutral, not a municipality's brand.
    "vendor/nlds/theme.css": "@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css",
    # The theme's fonts, self-hosted (Latin subset only).
    **{
        f"vendor/fonts/{family}/{name}": f"@fontsource/{family}/{name}"
        for family, weights in (("noto-sans", (400, 700)), ("noto-serif", (700,)))
        for weight in weights
        for name in (
            f"latin-{weight}.css",
            f"files/{family}-latin-{weight}-normal.woff2",
            f"files/{family}-latin-{weight}-normal.woff",
        )
    },
}
FONT_STYLESHEETS = sorted(
    path for path in NPM_ASSETS if path.startswith("vendor/fonts/") and path.endswith(".css")
)


class NpmAssetFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(settings.NODE_MODULES)

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        missing = [src for src in NPM_ASSETS.values() if not (self.root / src).is_file()]
        if missing:
            return [
                Error(
                    f"Front-end assets are missing: {', '.join(missing)}",
                    hint="Run `./dev setup` (it runs `npm ci`).",
                    id="doorstroom.E001",
                )
            ]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        source = NPM_ASSETS.get(path)
        if source is None or not (self.root / source).is_file():
            return [] if find_all or kwargs.get("all") else ""
        found = str(self.root / source)
        return [found] if find_all or kwargs.get("all") else found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for target, source in NPM_ASSETS.items():
            file = self.root / source
            if file.is_file():
                storage = _SingleFileStorage(file, target)
                yield target, storage


class _SingleFileStorage(FileSystemStorage):
    """Exposes one file of node_modules under the static path it should have."""

    def __init__(self, file: Path, target: str) -> None:
        super().__init__(location=str(file.parent))
        self._file = file
        self._target = target
        self.prefix = None

    def path(self, name: str) -> str:
        return str(self._file) if name == self._target else super().path(name)

    def open(self, name: str, mode: str = "rb") -> Any:
        return super().open(self._file.name if name == self._target else name, mode)

    def get_modified_time(self, name: str) -> Any:
        return super().get_modified_time(self._file.name if name == self._target else name)
