# The two set-up commands from README.md: `make demo` and `make test`.
# Both install what they need. torch is installed first, pinned, only where
# no torch is present: an unpinned torch would pull a CUDA build of several GB.
PYTHON ?= python3
TORCH_PIN ?= torch==2.13.0

.PHONY: install demo test test-sklearn-floor docs

install:
	$(PYTHON) -c "import torch" 2>/dev/null || $(PYTHON) -m pip install -q "$(TORCH_PIN)"
	$(PYTHON) -m pip install -q -e ".[test]"

demo: install
	$(PYTHON) -m sk_dann

test: install
	$(PYTHON) -m pytest -q

# The tests of what leans on scikit-learn's own behaviour (the packed-label
# scorer check reads its scorer's call frame; DomainPipeline extends its
# Pipeline; the estimator contract and docstring checks), again under the
# oldest scikit-learn that pyproject.toml allows (tests/test_sklearn_floor.py
# keeps the two floors equal). CI runs it after `make test`.
SKLEARN_FLOOR ?= scikit-learn==1.6.*
test-sklearn-floor: install
	$(PYTHON) -m pip install -q --no-deps --upgrade --target build/sklearn-floor "$(SKLEARN_FLOOR)"
	PYTHONPATH=build/sklearn-floor $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/test_sklearn_floor.py tests/test_callers.py tests/test_pipeline.py \
		tests/test_docstrings.py tests/test_model_contract.py

# The documentation site: docs/_build/html/index.html. Warnings are errors.
# The build runs every example of the gallery (docs/conf.py), then every
# image the pages show must be in the site. `python docs/screenshots.py`
# afterwards photographs three pages in headless Chromium (not in CI).
docs: install
	$(PYTHON) -m pip install -q -e ".[docs]"
	$(PYTHON) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	$(PYTHON) docs/check_images.py docs/_build/html
