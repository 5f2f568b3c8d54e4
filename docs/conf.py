"""Sphinx configuration: `make docs` builds docs/_build/html and fails on warnings."""
import sys
from pathlib import Path

import sk_dann

sys.path.insert(0, str(Path(__file__).parent))  # gallery_order, named below

project = "sk_dann"
release = version = sk_dann.__version__
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_default_options = {}
autodoc_member_order = "bysource"
autosummary_generate = False
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
myst_heading_anchors = 3
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": []}  # the landing page is wide: figure and example first

# The gallery: every script in examples/ except the two that start other
# processes (a Dask cluster, torchrun), which the test suite runs instead.
# Each runs once per build, with its printed output and figures on its page.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example in the gallery, not only plot_*
    "ignore_pattern": r"(dask_grid_search|torchrun_office_caltech)\.py$",
    "within_subsection_order": "gallery_order.example_order",
    "minigallery_sort_order": "gallery_order.example_order",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    # Thumbnails of chosen examples on the landing page (``minigallery``),
    # and "examples using this function" under each documented function.
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sk_dann",),
}
nitpicky = False
