"""Sparse and memory-mapped input: trained batch by batch, never densified whole."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import make_domain_moons

PARAMS = dict(max_epochs=5, batch_size=64, random_state=0)


def _sparse_domains(n=1500, n_features=300, seed=0):
    """Bag-of-words-like counts; the class shows in the first 10 columns."""
    rng = np.random.default_rng(seed)

    def draw(shift):
        y = rng.integers(0, 2, n)
        X = sp.random(n, n_features, density=0.02, format="csr", random_state=rng,
                      data_rvs=lambda k: rng.poisson(2, k) + 1.0)
        X = X.tolil()
        for row in range(n):
            X[row, y[row] * 5 + rng.integers(0, 5)] += 3.0
            X[row, 20 + rng.integers(0, 5)] += shift
        return X.tocsr().astype(np.float32), y

    (Xs, ys), (Xt, yt) = draw(0.0), draw(2.0)
    return Xs, ys, Xt, yt


class _CountingCSR(sp.csr_matrix):
    """A CSR matrix that records the largest block ever made dense."""

    largest_dense_block = 0

    def toarray(self, *args, **kwargs):
        _CountingCSR.largest_dense_block = max(_CountingCSR.largest_dense_block, self.shape[0])
        return super().toarray(*args, **kwargs)

    def __getitem__(self, key):
        return _CountingCSR(super().__getitem__(key))


def test_sparse_fit_equals_dense_fit():
    Xs, ys, Xt, yt = _sparse_domains()
    sparse = DANNClassifier(**PARAMS).fit(Xs, ys, X_target=Xt)
    dense = DANNClassifier(**PARAMS).fit(Xs.toarray(), ys, X_target=Xt.toarray())
    np.testing.assert_allclose(sparse.predict_proba(Xt), dense.predict_proba(Xt.toarray()),
                               rtol=1e-4, atol=1e-6)
    assert sparse.score(Xt, yt) > 0.8


def test_sparse_rows_are_made_dense_one_batch_at_a_time():
    Xs, ys, Xt, _ = _sparse_domains()
    X, y = pack_domains(Xs, ys, Xt)
    counting = _CountingCSR(X)
    clf = DANNClassifier(**PARAMS)
    # validate_data keeps a CSR float32 matrix as it is, so the subclass survives.
    clf.fit(counting, y)
    clf.predict(counting)
    assert 0 < _CountingCSR.largest_dense_block <= 1024 < counting.shape[0]


def test_sparse_in_a_pipeline_with_packed_target():
    Xs, ys, Xt, yt = _sparse_domains(seed=1)
    pipe = make_pipeline(MaxAbsScaler(), DANNClassifier(**PARAMS))
    pipe.fit(*pack_domains(Xs, ys, Xt))
    assert pipe.score(Xt, yt) > 0.7


def test_memory_mapped_input_is_trained_in_place(tmp_path):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=400, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    path = tmp_path / "X.npy"
    np.save(path, X.astype(np.float32))
    X_map = np.load(path, mmap_mode="r")
    in_memory = DANNClassifier(**PARAMS).fit(X, y)
    mapped = DANNClassifier(**PARAMS).fit(X_map, y)
    np.testing.assert_array_equal(mapped.predict_proba(X_map), in_memory.predict_proba(X))


MEMMAP_FIT = textwrap.dedent("""
    import sys, threading, time
    import numpy as np
    from sk_dann import DANNClassifier

    def anon_kib():  # private memory; pages of the mapped file do not count
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1])

    X = np.load(sys.argv[1], mmap_mode="r")
    y = np.where(np.arange(len(X)) % 2 == 0, np.arange(len(X)) % 3, -1)
    clf = DANNClassifier(max_epochs=1, batch_size=512, random_state=0)
    # Warm up on a few rows: torch's first steps allocate buffers of their own.
    clf.fit(np.array(X[:2000]), y[:2000]).predict(np.array(X[:2000]))
    baseline, peak, done = anon_kib(), [0], []

    def watch():
        while not done:
            peak[0] = max(peak[0], anon_kib())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    clf.fit(X, y)
    clf.predict(X)
    done.append(True)
    watcher.join()
    print((peak[0] - baseline) * 1024)
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_mapped_fit_never_copies_the_whole_set(tmp_path):
    # 40k rows x 1000 float32 features = 160 MB on disk.
    path = tmp_path / "big.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(40_000, 1000))
    rng = np.random.default_rng(0)
    for start in range(0, len(X), 5000):
        X[start:start + 5000] = rng.normal(size=(5000, 1000))
    X.flush()
    del X
    result = subprocess.run([sys.executable, "-c", MEMMAP_FIT, str(path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    grown = int(result.stdout.split()[-1])
    assert grown < 0.5 * path.stat().st_size, f"private memory grew by {grown} bytes"
