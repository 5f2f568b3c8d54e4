"""`make test-sklearn-floor` runs under the oldest scikit-learn we allow."""
import os
import re
from pathlib import Path

import pytest
import sklearn

ROOT = Path(__file__).resolve().parents[1]


def _floor():
    pyproject = (ROOT / "pyproject.toml").read_text()
    return re.search(r'"scikit-learn>=(\d+\.\d+)', pyproject).group(1)


def test_makefile_installs_the_floor_of_pyproject():
    makefile = (ROOT / "Makefile").read_text()
    assert f"SKLEARN_FLOOR ?= scikit-learn=={_floor()}.*" in makefile
    assert "make test-sklearn-floor" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.skipif("sklearn-floor" not in os.environ.get("PYTHONPATH", ""),
                    reason="only under make test-sklearn-floor")
def test_the_floor_is_the_scikit_learn_imported():
    assert sklearn.__version__.startswith(_floor() + ".")
