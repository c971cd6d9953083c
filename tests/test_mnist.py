"""dlcore.data.mnist: IDX reading, checksum verification, the cache folder and (fake) downloads.

Every test writes its own tiny IDX files; no test touches the network: an autouse
fixture replaces ``urllib.request.urlopen`` with a function that fails the test, and
the download tests install a fake that serves local files.
"""
import gzip
import hashlib
import io
import os
import struct
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import dlcore as dl
from dlcore.data import mnist

CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype(">i2"): 0x0B,
         np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(arr, code=None):
    arr = np.asarray(arr)
    big = arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.itemsize > 1 else arr
    code = CODES[np.dtype(big.dtype)] if code is None else code
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + big.tobytes()


def write(path, data, gz=False):
    path = Path(path)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def tiny_mnist(folder, n_train=12, n_test=5, gz=True, seed=0, labels=None, images=None):
    """The four MNIST files, tiny, in ``folder``; returns (arrays, checksum table)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    arrays.update(labels or {})
    arrays.update(images or {})
    table = {}
    for name, arr in arrays.items():
        p = write(folder / (name + (".gz" if gz else "")), idx_bytes(arr), gz=gz)
        table[p.name] = (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
    return arrays, table


def tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in Path(root).rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Fail on any network access; point every default folder into tmp_path."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


# ----------------------------------------------------------------------------- read_idx
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("dtype, shape", [("u1", (3, 4, 5)), ("i1", (7,)), (">i2", (2, 3)),
                                          (">i4", (4, 1)), (">f4", (2, 2, 2)), (">f8", (5,))])
def test_read_idx_round_trips_every_type_code(tmp_path, gz, dtype, shape):
    arr = (np.arange(np.prod(shape)).reshape(shape) - 3).astype(dtype)
    p = write(tmp_path / "a.idx", idx_bytes(arr), gz=gz)
    out = dl.datasets.read_idx(p)
    np.testing.assert_array_equal(out, arr)
    assert out.shape == shape and out.dtype.isnative and out.flags.writeable


def test_read_idx_detects_gzip_from_content_not_name(tmp_path):
    arr = np.arange(6, dtype=np.uint8)
    p = write(tmp_path / "labels-without-suffix", idx_bytes(arr), gz=True)
    np.testing.assert_array_equal(mnist.read_idx(p), arr)


GOOD = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))


@pytest.mark.parametrize("data, words", [
    (b"\x00\x00", ["truncated", "magic number"]),
    (b"\x01\x02" + GOOD[2:], ["bad magic number", "0x0102"]),
    (GOOD[:2] + b"\x0a" + GOOD[3:], ["unknown IDX data type code 0x0A"]),
    (b"\x00\x00\x08\x00", ["0 dimensions"]),
    (GOOD[:10], ["truncated", "header needs 16 bytes"]),
    (GOOD[:-5], ["truncated", "needs 24", "only 19"]),
    (GOOD + b"\x00\x00", ["size mismatch", "26 are present"]),
], ids=["short", "bad-magic", "type-code", "no-dims", "short-header", "short-data", "extra-data"])
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_read_idx_rejects_corrupted_files(tmp_path, data, words, gz):
    p = write(tmp_path / "bad.idx", data, gz=gz)
    with pytest.raises(ValueError) as err:
        mnist.read_idx(p)
    assert str(p) in str(err.value)
    for w in words:
        assert w in str(err.value)


def test_read_idx_rejects_truncated_and_corrupted_gzip(tmp_path):
    packed = gzip.compress(GOOD * 50, mtime=0)
    with pytest.raises(ValueError, match="gzip stream is truncated"):
        mnist.read_idx(write(tmp_path / "t.gz", packed[: len(packed) // 2]))
    broken = bytearray(packed)
    broken[len(broken) // 2] ^= 0xFF
    broken[-6] ^= 0xFF          # the stored CRC
    with pytest.raises(ValueError, match="gzip stream is corrupted"):
        mnist.read_idx(write(tmp_path / "c.gz", bytes(broken)))


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no IDX file"):
        mnist.read_idx(tmp_path / "nothing.idx")


# ------------------------------------------------------------------------------ mnist()
@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_mnist_reads_a_folder_and_verifies_checksums(tmp_path, gz):
    arrays, table = tiny_mnist(tmp_path / "data", gz=gz)
    data = dl.datasets.mnist(tmp_path / "data", checksums=table, val_size=4)
    assert isinstance(data, mnist.MNIST)
    assert data.X_train.shape == (8, 784) and data.X_val.shape == (4, 784)
    assert data.X_test.shape == (5, 784) and data.X_train.dtype == np.float64
    raw = arrays["train-images-idx3-ubyte"].reshape(12, -1) / 255.0
    np.testing.assert_array_equal(np.vstack([data.X_train, data.X_val]), raw)   # last 4 = validation
    np.testing.assert_array_equal(data.y_val, arrays["train-labels-idx1-ubyte"][8:])
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert 0.0 <= data.X_test.min() and data.X_test.max() <= 1.0
    assert data.T_test.shape == (5, 10) and np.all(data.T_test.sum(axis=1) == 1)
    assert data.images(data.X_test).shape == (5, 1, 28, 28)


def test_mnist_kind_dtype_and_seeded_validation(tmp_path):
    arrays, table = tiny_mnist(tmp_path)
    X, y = mnist.mnist(tmp_path, kind="test", checksums=table, dtype=np.float32)
    assert X.dtype == np.float32 and X.shape == (5, 784) and y.dtype == np.int64
    X, y = mnist.mnist(tmp_path, kind="train", checksums=table, dtype=np.uint8, normalize=False)
    np.testing.assert_array_equal(X, arrays["train-images-idx3-ubyte"].reshape(12, -1))
    a = mnist.mnist(tmp_path, checksums=table, val_size=3, seed=5)
    b = mnist.mnist(tmp_path, checksums=table, val_size=3, seed=5)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert sorted(np.concatenate([a.y_train, a.y_val])) == sorted(arrays["train-labels-idx1-ubyte"])


def test_checksum_mismatch_fails_clearly(tmp_path):
    _, table = tiny_mnist(tmp_path)
    name = "t10k-labels-idx1-ubyte.gz"
    same_size = dict(table)
    same_size[name] = (table[name][0], "0" * 64)
    with pytest.raises(ValueError, match=f"{name}: checksum verification failed, SHA-256"):
        mnist.mnist(tmp_path, checksums=same_size)
    with pytest.raises(ValueError, match="checksum verification failed, the file has"):
        mnist.mnist(tmp_path, checksums={**table, name: (table[name][0] + 1, table[name][1])})
    digest_only = {k: v[1] for k, v in table.items()}                  # sha256 strings alone
    assert mnist.mnist(tmp_path, checksums=digest_only, val_size=2).X_test.shape == (5, 784)
    with pytest.raises(ValueError, match="no checksum known"):
        mnist.mnist(tmp_path, checksums={k: v for k, v in table.items() if k != name})
    assert mnist.mnist(tmp_path, checksums=same_size, verify=False, val_size=2).y_test.shape == (5,)


def test_the_official_table_rejects_files_that_are_not_the_official_ones(tmp_path):
    tiny_mnist(tmp_path)
    with pytest.raises(ValueError, match="official file has 9912422"):
        mnist.mnist(tmp_path)
    assert set(mnist.CHECKSUMS) == {n + s for pair in mnist.FILES.values() for n in pair for s in ("", ".gz")}


def test_a_changed_byte_is_caught(tmp_path):
    _, table = tiny_mnist(tmp_path, gz=False)
    p = tmp_path / "train-labels-idx1-ubyte"
    data = bytearray(p.read_bytes())
    data[-1] = (data[-1] + 1) % 10
    p.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte: checksum verification failed"):
        mnist.mnist(tmp_path, checksums=table)


# ------------------------------------------------------------------ contents (item 4)
def test_labels_outside_the_class_range(tmp_path):
    _, table = tiny_mnist(tmp_path, labels={"t10k-labels-idx1-ubyte": np.array([0, 3, 10, 12, 1], np.uint8)})
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\], got 2 label\(s\) up to 12"):
        mnist.mnist(tmp_path, checksums=table)


@pytest.mark.parametrize("images, words", [
    (np.zeros((12, 27, 28), np.uint8), ["(n, 28, 28)", "(12, 27, 28)"]),
    (np.zeros((12, 784), np.uint8), ["(n, 28, 28)", "(12, 784)"]),
    (np.zeros((12, 28, 28), ">i4"), ["unsigned bytes", "int32"]),
    (np.zeros((12, 28, 28), ">f4"), ["unsigned bytes", "float32"]),
], ids=["27-rows", "flat", "int32", "float32"])
def test_images_of_the_wrong_shape_or_dtype(tmp_path, images, words):
    _, table = tiny_mnist(tmp_path, images={"train-images-idx3-ubyte": images})
    with pytest.raises(ValueError) as err:
        mnist.mnist(tmp_path, checksums=table)
    assert "train-images-idx3-ubyte" in str(err.value)
    for w in words:
        assert w in str(err.value)


def test_label_and_image_counts_must_agree(tmp_path):
    _, table = tiny_mnist(tmp_path, labels={"train-labels-idx1-ubyte": np.zeros(11, np.uint8)})
    with pytest.raises(ValueError, match="holds 11 labels but .* holds 12 images"):
        mnist.mnist(tmp_path, checksums=table)


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"kind": "validation"}, ValueError, "kind"),
    ({"dtype": np.int32}, ValueError, "dtype"),
    ({"dtype": np.uint8}, ValueError, "normalize=False"),
    ({"val_size": -1}, ValueError, "val_size"),
    ({"val_size": 12}, ValueError, "val_size"),
    ({"download": "yes"}, TypeError, "download"),
])
def test_bad_arguments(tmp_path, kwargs, exc, word):
    _, table = tiny_mnist(tmp_path)
    with pytest.raises(exc, match=word):
        mnist.mnist(tmp_path, checksums=table, **kwargs)


# --------------------------------------------------------- missing files and the cache
def test_missing_files_explain_how_to_obtain_them(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        dl.datasets.mnist()
    msg = str(err.value)
    cache = tmp_path / "xdg" / "dlcore" / "mnist"
    for w in ["not found", str(cache), "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
              "download=True", mnist.MIRRORS[0], mnist.ENV_VAR]:
        assert w in msg
    assert not (tmp_path / "xdg").exists()          # looking does not create the cache


def test_missing_files_in_a_given_folder(tmp_path):
    arrays, table = tiny_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as err:
        mnist.mnist(tmp_path, checksums=table)
    assert "t10k-images-idx3-ubyte.gz" in str(err.value) and "train-images" not in str(err.value).split("\n")[0]
    assert mnist.mnist(tmp_path, kind="train", checksums=table)[0].shape == (12, 784)   # train alone is fine
    with pytest.raises(FileNotFoundError, match="not a folder"):
        mnist.mnist(tmp_path / "nope", checksums=table)


def test_cache_folder_from_the_environment(tmp_path, monkeypatch):
    assert mnist.default_cache_dir() == tmp_path / "xdg" / "dlcore" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mnist.default_cache_dir() == tmp_path / "home" / ".cache" / "dlcore" / "mnist"
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path / "shared"))
    assert mnist.default_cache_dir() == tmp_path / "shared" / "mnist"
    _, table = tiny_mnist(tmp_path / "shared" / "mnist")
    assert mnist.mnist(checksums=table, val_size=2).X_test.shape == (5, 784)
    _, table = tiny_mnist(tmp_path / "mine", seed=3)
    assert mnist.mnist(cache_dir=tmp_path / "mine", checksums=table, val_size=2).X_test.shape == (5, 784)


# ------------------------------------------------------------------------- downloading
class FakeServer:
    """Stands in for urllib.request.urlopen, serving files from a local folder."""

    def __init__(self, folder, broken=(), corrupt=()):
        self.folder, self.broken, self.corrupt, self.calls = Path(folder), set(broken), set(corrupt), []

    def __call__(self, url, timeout=None):
        self.calls.append(url)
        base, name = url.rsplit("/", 1)
        if base + "/" in self.broken:
            raise OSError("mirror unreachable")
        data = (self.folder / name).read_bytes()
        if base + "/" in self.corrupt:
            data = data[:-1] + bytes([data[-1] ^ 1])
        return io.BytesIO(data)


def test_download_writes_only_into_the_cache(tmp_path, monkeypatch):
    arrays, table = tiny_mnist(tmp_path / "server")
    server = FakeServer(tmp_path / "server")
    monkeypatch.setattr(urllib.request, "urlopen", server)
    before = tree(tmp_path)
    cache = tmp_path / "cache" / "mnist"
    data = mnist.mnist(download=True, cache_dir=cache, checksums=table, val_size=2)
    assert len(server.calls) == 4 and all(u.startswith(mnist.MIRRORS[0]) for u in server.calls)
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte"])
    after = tree(tmp_path)
    changed = {k for k in after if before.get(k) != after[k]} | (set(before) - set(after))
    assert changed == {f"cache/mnist/{n}" for n in table}          # four files, nothing else
    assert sorted(p.name for p in cache.iterdir()) == sorted(table)  # no temporary files left
    mnist.mnist(download=True, cache_dir=cache, checksums=table, val_size=2)
    assert len(server.calls) == 4                                    # present files are reused


def test_download_falls_back_to_the_next_mirror_and_rejects_bad_files(tmp_path, monkeypatch):
    _, table = tiny_mnist(tmp_path / "server")
    first, second = mnist.MIRRORS
    server = FakeServer(tmp_path / "server", broken=[first])
    monkeypatch.setattr(urllib.request, "urlopen", server)
    mnist.mnist(download=True, cache_dir=tmp_path / "c1", checksums=table, kind="test")
    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == ["t10k-images-idx3-ubyte.gz",
                                                                 "t10k-labels-idx1-ubyte.gz"]
    server = FakeServer(tmp_path / "server", broken=[first], corrupt=[second])
    monkeypatch.setattr(urllib.request, "urlopen", server)
    with pytest.raises(OSError) as err:
        mnist.mnist(download=True, cache_dir=tmp_path / "c2", checksums=table, kind="test")
    assert "mirror unreachable" in str(err.value) and "checksum verification failed" in str(err.value)
    assert list((tmp_path / "c2").iterdir()) == []                  # no partial or unverified file


def test_download_is_never_implicit_and_never_into_path(tmp_path):
    tiny_mnist(tmp_path / "server")
    with pytest.raises(FileNotFoundError):
        mnist.mnist(cache_dir=tmp_path / "cache")          # the autouse fixture refuses the network
    with pytest.raises(ValueError, match="writes only into the cache folder"):
        mnist.mnist(tmp_path / "server", download=True)
    assert not (tmp_path / "cache").exists()


def test_public_api():
    assert dl.datasets.mnist is mnist.mnist and dl.datasets.read_idx is mnist.read_idx
    assert os.path.basename(mnist.__file__) == "mnist.py"
