"""Sphinx configuration: `make docs` builds docs/_build/html and fails on warnings."""
import sk_dann

project = "sk_dann"
release = version = sk_dann.__version__
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
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
html_theme = "alabaster"
nitpicky = False
