"""Install the axe-core accessibility checker for the browser tests (run by `make test`).

Downloads one pinned axe-core release from the npm registry, checks it against the registry's
published SHA-512 integrity, and unpacks `axe.min.js` into `.cache/`. The tests only read that
file: nothing is fetched while tests run. axe-core is MPL-2.0; it is not part of the dashboard.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe"
             "37OgudVGtQ==")
URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
TARGET = Path(__file__).resolve().parent.parent / ".cache" / f"axe-core-{VERSION}" / "axe.min.js"


def main() -> int:
    if TARGET.is_file():
        return 0
    print(f"installing axe-core {VERSION} for the browser tests (npm registry)")
    try:
        with urllib.request.urlopen(URL, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        print(f"!!! could not download {URL}: {exc}", file=sys.stderr)
        return 1
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        print(f"!!! {URL} does not match its pinned integrity; refusing it", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        script = archive.extractfile("package/axe.min.js")
        if script is None:
            print("!!! axe.min.js is missing from the package", file=sys.stderr)
            return 1
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        partial = TARGET.with_suffix(".partial")
        partial.write_bytes(script.read())
        partial.replace(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
