"""Redraw docs/_static/feature_space.png, the figure at the top of README.md
and of the documentation's landing page.

It is the figure of the gallery example ``examples/plot_feature_space.py``,
run as it is; the documentation build draws that example's own copy afresh
on the gallery page, while README needs a file in the repository.

    python docs/readme_figure.py
"""
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "_static" / "feature_space.png"


def main():
    namespace = runpy.run_path(str(ROOT / "examples" / "plot_feature_space.py"),
                               run_name="__main__")
    namespace["figure"].savefig(OUT, dpi=110)
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
