"""Deprecated name of :mod:`sk_dann.data_parallel` (removed in sk_dann 0.12).

``distributed`` was a module, an estimator parameter and a net attribute at
once; the module is now named for what it does.
"""
import warnings

from .data_parallel import *  # noqa: F401,F403
from .data_parallel import __all__  # noqa: F401

warnings.warn("sk_dann.distributed is deprecated and will be removed in sk_dann 0.12; "
              "import sk_dann.data_parallel instead.", FutureWarning, stacklevel=2)
