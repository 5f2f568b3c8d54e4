# The two set-up commands from README.md: `make demo` and `make test`.
# Both install what they need. torch is installed first, pinned, only where
# no torch is present: an unpinned torch would pull a CUDA build of several GB.
PYTHON ?= python3
TORCH_PIN ?= torch==2.13.0

.PHONY: install demo test docs

install:
	$(PYTHON) -c "import torch" 2>/dev/null || $(PYTHON) -m pip install -q "$(TORCH_PIN)"
	$(PYTHON) -m pip install -q -e ".[test]"

demo: install
	$(PYTHON) -m sk_dann

test: install
	$(PYTHON) -m pytest -q

# The documentation site: docs/_build/html/index.html. Warnings are errors.
docs: install
	$(PYTHON) -m pip install -q -e ".[docs]"
	$(PYTHON) -m sphinx -W --keep-going -q -b html docs docs/_build/html
