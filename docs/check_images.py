"""Fail when a page of the built site shows an image that is not there.

Reads every HTML file under the build folder (default docs/_build/html) and
checks each ``<img src>`` and each ``srcset`` entry (of ``<img>`` and of a
``<picture>``'s ``<source>``): the file must exist inside the site; an
empty ``src`` is broken too. Links to other sites are not followed (CI has no
network); they are counted apart. No browser needed: `make docs` runs it.

    python docs/check_images.py [docs/_build/html]
"""
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class ImageSources(HTMLParser):
    """Collects the image addresses of one page."""

    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("img", "source"):
            return
        attrs = dict(attrs)
        if tag == "img":  # an <img> without an address shows a broken image
            self.sources.append(attrs.get("src") or "")
        srcset = attrs.get("srcset") or ""
        # Candidates are "address [descriptor]" separated by commas; a data:
        # address holds a comma itself, so split only before a new address.
        for candidate in re.split(r",\s+(?=\S)", srcset.strip()):
            if candidate.strip():
                self.sources.append(candidate.split()[0])


def broken_images(site):
    """(page, address) for every image address in ``site`` that names no file."""
    site = Path(site)
    broken, external = [], 0
    for page in sorted(site.rglob("*.html")):
        parser = ImageSources()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for source in parser.sources:
            address = urlsplit(source)
            if address.scheme in ("http", "https") or source.startswith("//"):
                external += 1
                continue
            if address.scheme == "data":
                continue
            path = unquote(address.path)
            target = ((site / path.lstrip("/")) if path.startswith("/")
                      else page.parent / path).resolve()
            # Outside the site is broken too: the folder is what gets published.
            inside = target.is_relative_to(site.resolve())
            if not path or not inside or not target.is_file():
                broken.append((str(page.relative_to(site)), source))
    return broken, external


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    site = Path(argv[0] if argv else Path(__file__).parent / "_build" / "html")
    if not (site / "index.html").is_file():
        print(f"No built site at {site} (no index.html): build it first with `make docs`.")
        return 2
    broken, external = broken_images(site)
    pages = len(list(site.rglob("*.html")))
    for page, source in broken:
        print(f"{page}: image {source!r} is not in the built site")
    print(f"{pages} pages checked: {len(broken)} broken image links"
          f"{f', {external} external images not followed' if external else ''}.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
