"""Screenshots of the built site in a real browser (headless Chromium).

Takes a full-width screenshot of the landing page, the gallery index and
the training-curves example, to look at the site as a new user sees it
(layout, figures, how far one scrolls to the first picture). Needs Debian's
``chromium`` package (``apt-get install chromium``) or Chrome on PATH, and a
built site (`make docs`); it is a tool for people, not part of CI.

    python docs/screenshots.py [--site docs/_build/html] [--out docs/_build/screenshots]

The screenshots are written to ``--out`` (default
``docs/_build/screenshots``) as landing.png, gallery.png and
training_curves.png. The folder must be new, empty, or hold nothing but
those three files (an earlier run's, which are replaced): a user's folder
is never written into.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PAGES = {
    "landing": "index.html",
    "gallery": "auto_examples/index.html",
    "training_curves": "auto_examples/plot_training_curves.html",
}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("No Chromium found (tried " + ", ".join(BROWSERS) + "): on Debian "
                     "or Ubuntu, `apt-get install chromium`.")


def screenshot(browser, page, png, width, height):
    """One page, rendered at width x height pixels, into png."""
    png.unlink(missing_ok=True)  # so an earlier run's file cannot pass for this one
    # Chromium's sandbox refuses to start as root (containers, CI); as
    # anyone else it stays on.
    sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory() as profile:  # no state from earlier runs
        command = [browser, "--headless", *sandbox, "--disable-gpu",
                   "--hide-scrollbars", f"--user-data-dir={profile}",
                   f"--window-size={width},{height}", "--virtual-time-budget=5000",
                   f"--screenshot={png}", page.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"Chromium took over 120 s on {page.name}; is another one "
                             "hanging? Try again, or run it by hand:\n"
                             + " ".join(command)) from None
    if result.returncode != 0 or not png.is_file():
        raise SystemExit(f"Chromium could not take {png.name}:\n{result.stderr[-2000:]}")


def check_output_folder(out):
    """Refuse a folder that holds anything but this script's own screenshots."""
    if out.exists() and not out.is_dir():
        raise SystemExit(f"--out {out} is a file, not a folder.")
    ours = {f"{name}.png" for name in PAGES}
    others = sorted(p.name for p in out.iterdir() if p.name not in ours) if out.exists() else []
    if others:
        raise SystemExit(f"--out {out} holds other files ({', '.join(others[:5])}); "
                         "give a new or empty folder.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=DOCS / "_build" / "html")
    parser.add_argument("--out", type=Path, default=DOCS / "_build" / "screenshots")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2400,
                        help="pixels of page height captured (default 2400)")
    args = parser.parse_args(argv)
    missing = [name for name in PAGES.values() if not (args.site / name).is_file()]
    if missing:
        raise SystemExit(f"The built site at {args.site} lacks {missing}: run `make docs`.")
    check_output_folder(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    browser = find_browser()
    for name, page in PAGES.items():
        png = args.out / f"{name}.png"
        screenshot(browser, (args.site / page).resolve(), png, args.width, args.height)
        print(f"{png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
