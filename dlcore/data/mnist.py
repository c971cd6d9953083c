"""MNIST from its four IDX files (numpy and the standard library only).

``read_idx(path)`` reads any IDX file, gzipped or not. ``mnist(...)`` finds the four
MNIST files in a folder you name (``path=``) or in the user cache folder, checks each
file's size and SHA-256 against ``CHECKSUMS`` and returns the images as rows of 784
pixels scaled to [0, 1] (Kaplan's 784-100-10 network reads exactly these, section 4).

Nothing is downloaded unless ``download=True``. A download goes to a temporary file
inside the cache folder, is checked, and only then renamed into place, so the cache
never holds a partial or unverified file and nothing is written anywhere else.

The cache folder is ``cache_dir`` if given, else ``$DLCORE_DATA/mnist`` when the
environment variable ``DLCORE_DATA`` is set, else ``$XDG_CACHE_HOME/dlcore/mnist``
(``~/.cache/dlcore/mnist`` by default).
"""
from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validate import as_rng, check_choice, check_int
from .splits import ImageSplits

__all__ = ["mnist", "read_idx", "MNIST", "CHECKSUMS", "MIRRORS", "FILES", "default_cache_dir",
           "ENV_VAR"]

ENV_VAR = "DLCORE_DATA"

# The four files as distributed by LeCun, Cortes and Burges, under their usual names.
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# name → (size in bytes, SHA-256) of the official files, gzipped and decompressed.
CHECKSUMS = {
    "train-images-idx3-ubyte.gz": (9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": (28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": (1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": (4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    "train-images-idx3-ubyte": (47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}

# Public mirrors of the gzipped files (the original page no longer serves them reliably).
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
           "https://storage.googleapis.com/cvdf-datasets/mnist/")

# IDX type codes (third byte of the magic number) → big-endian numpy dtype
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
_N_CLASSES, _SIDE = 10, 28


# --------------------------------------------------------------------------- IDX files
MAX_IDX_BYTES = 1 << 28   # 256 MiB: five times MNIST's largest file; read_idx(max_bytes=) for more
_EXTRA_PROBE = 1 << 20    # how much trailing data is counted before saying "or more"


def read_idx(path, *, max_bytes=MAX_IDX_BYTES) -> np.ndarray:
    """Read one IDX file (gzipped or not, detected from its content) into an array.

    An IDX file starts with a magic number: two zero bytes, a type code (0x08 unsigned
    byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the
    number of dimensions d; then d big-endian 32-bit sizes; then the values, big-endian,
    in C order. The header is read first and only the bytes it declares are then read
    (decompressed), so a corrupt, oversized or "bomb" file costs little memory before its
    error: ``ValueError`` naming the file for a bad magic number, an unknown type code, a
    declared size above ``max_bytes``, or data shorter or longer than the sizes say;
    ``FileNotFoundError`` for a missing file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}")
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    try:
        with _open(path) as fh:
            shape, dtype, header = _read_header(fh, path, max_bytes)
            expected = math.prod(shape) * dtype.itemsize     # Python ints: no overflow
            data = fh.read(expected)
            if len(data) < expected:
                raise ValueError(f"{path}: truncated IDX file, shape {shape} of {dtype.name} needs "
                                 f"{expected} data bytes but only {len(data)} are present")
            extra = len(fh.read(_EXTRA_PROBE))
    except EOFError as exc:
        raise ValueError(f"{path}: the gzip stream is truncated ({exc}); the file is "
                         "incomplete, delete it and obtain it again") from exc
    except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"{path}: the gzip stream is corrupted ({exc}); delete the file "
                         "and obtain it again") from exc
    if extra:
        more = " or more" if extra == _EXTRA_PROBE else ""
        raise ValueError(f"{path}: size mismatch, shape {shape} of {dtype.name} needs {expected} "
                         f"data bytes but {expected + extra}{more} are present (corrupted header "
                         "or extra data)")
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def _open(path: Path):
    """The file's bytes as a stream: decompressed on the fly when it is gzipped."""
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _read_header(fh, path, max_bytes):
    """(shape, dtype, header length) from the magic number and sizes at the start of ``fh``."""
    magic = fh.read(4)
    if len(magic) < 4:
        raise ValueError(f"{path}: truncated IDX file, {len(magic)} bytes is shorter than the "
                         "4-byte magic number")
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(f"{path}: bad magic number 0x{magic.hex()}; an IDX file starts with "
                         "two zero bytes (is this an IDX file?)")
    code, ndim = magic[2], magic[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX data type code 0x{code:02X}; expected one of {known}")
    if ndim == 0:
        raise ValueError(f"{path}: the IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    sizes = fh.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise ValueError(f"{path}: truncated IDX file, the header needs {header} bytes but the "
                         f"file has {4 + len(sizes)}")
    shape = struct.unpack(f">{ndim}I", sizes)
    dtype = np.dtype(_IDX_DTYPES[code])
    if math.prod(shape) * dtype.itemsize > max_bytes:
        raise ValueError(f"{path}: the header declares shape {shape} of {dtype.name}, "
                         f"{math.prod(shape) * dtype.itemsize:,} bytes, more than max_bytes="
                         f"{max_bytes:,}; a corrupted header, or pass a larger max_bytes")
    return shape, dtype, header


# ------------------------------------------------------------------------- the data set
@dataclass(frozen=True)
class MNIST(ImageSplits):
    """MNIST split into training, validation and test sets, shaped like ``Digits``.

    ``X_*`` are (n, 784) rows of pixels (scaled to [0, 1] unless ``normalize=False``);
    ``images(X)`` reshapes them to (n, 1, 28, 28); ``y_*`` are the labels 0-9 and
    ``T_*`` their one-hot encodings. The validation set is carved out of the 60,000
    training images (``val_size`` of them); the 10,000 test images are untouched.
    """


def default_cache_dir() -> Path:
    """``$DLCORE_DATA/mnist`` if set, else ``$XDG_CACHE_HOME/dlcore/mnist`` (~/.cache/...)."""
    root = os.environ.get(ENV_VAR)
    if root:
        return Path(root).expanduser() / "mnist"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "dlcore" / "mnist"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, checksums, name=None):
    """Compare a file's size and SHA-256 with the table entry for ``name`` (default: the
    file's own name); raise ValueError on a mismatch."""
    name = path.name if name is None else name
    if name not in checksums:
        raise ValueError(f"{path}: no checksum known for {name!r}; add it to checksums= "
                         "(name -> (size, sha256)) or pass verify=False")
    entry = checksums[name]
    size, digest = (None, entry) if isinstance(entry, str) else entry
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ValueError(f"{path}: checksum verification failed, the file has {actual_size} bytes "
                         f"but the official file has {size}; it is incomplete or a different "
                         "file: delete it and obtain it again")
    actual = _sha256(path)
    if actual != digest.lower():
        raise ValueError(f"{path}: checksum verification failed, SHA-256 {actual} differs from "
                         f"the expected {digest}; the file is corrupted or not the official one: "
                         "delete it and obtain it again")


def _find(folder: Path, name: str):
    for candidate in (folder / (name + ".gz"), folder / name):
        if candidate.is_file():
            return candidate
    return None


def _missing_message(folder, missing, cache, path_given):
    names = ", ".join(n + ".gz" for n in missing)
    lines = [f"MNIST file(s) not found in {folder}: {names}.", "To obtain them, either"]
    if path_given:
        lines.append(f"  - put the four IDX files (gzipped or not) into {folder}, or")
    lines += [f"  - call dlcore.datasets.mnist(download=True) to download about 11 MB into {cache}"
              " (checksums are verified), or",
              "  - download them yourself from " + " or ".join(MIRRORS) +
              f" and put them into {cache}, or set the environment variable {ENV_VAR} to a "
              "folder whose 'mnist' subfolder holds them."]
    return "\n".join(lines)


def _download(name, cache: Path, checksums, mirrors, timeout=60):
    """Fetch ``name`` into ``cache`` through a verified temporary file; return its path."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    errors = []
    for base in mirrors:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=cache)
        tmp = Path(tmp)
        url = base.rstrip("/") + "/" + name
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                _copy_at_most(resp, out, _known_size(checksums, name), url)
            _verify(tmp, checksums, name)
            os.replace(tmp, target)
            return target
        except Exception as exc:  # try the next mirror, report all failures at the end
            errors.append(f"{url}: {exc}")
        finally:
            if tmp.exists():
                tmp.unlink()
    raise OSError(f"could not download {name} into {cache}:\n  " + "\n  ".join(errors))


def _known_size(checksums, name):
    entry = checksums.get(name)
    return None if entry is None or isinstance(entry, str) else entry[0]


def _copy_at_most(src, dst, size, url):
    """Copy ``src`` to ``dst`` in blocks, stopping once more than ``size`` bytes (the known
    size of the file, when there is one) have arrived: a wrong or hostile server cannot
    fill the disk."""
    written = 0
    for block in iter(lambda: src.read(1 << 16), b""):
        written += len(block)
        if size is not None and written > size:
            raise OSError(f"{url} sent more than the {size:,} bytes the file has; stopped")
        dst.write(block)


def _load_pair(folder, names, checksums, verify):
    images_path, labels_path = (_find(folder, n) for n in names)
    if verify:
        _verify(images_path, checksums)
        _verify(labels_path, checksums)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (_SIDE, _SIDE):
        raise ValueError(f"{images_path}: MNIST images must be unsigned bytes of shape "
                         f"(n, {_SIDE}, {_SIDE}), got {images.dtype} of shape {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{labels_path}: MNIST labels must be a 1-D array of unsigned bytes, "
                         f"got {labels.dtype} of shape {labels.shape}")
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"{labels_path} holds {labels.shape[0]} labels but {images_path} holds "
                         f"{images.shape[0]} images")
    if labels.size and labels.max() >= _N_CLASSES:
        bad = int(np.count_nonzero(labels >= _N_CLASSES))
        raise ValueError(f"{labels_path}: labels must lie in [0, {_N_CLASSES - 1}], got {bad} "
                         f"label(s) up to {int(labels.max())}")
    return images, labels


def _as_rows(images, dtype, normalize):
    X = images.reshape(images.shape[0], -1).astype(dtype)
    if normalize:
        X /= 255.0
    return X


def mnist(path=None, *, download=False, cache_dir=None, kind="both", dtype=np.float64,
          normalize=True, val_size=10_000, seed=None, verify=True, checksums=None,
          mirrors=MIRRORS):
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    Parameters
    ----------
    path : folder or None
        A folder that holds the IDX files (read only; nothing is ever written there).
        None reads the cache folder (see the module docstring).
    download : bool
        Fetch missing files from ``mirrors`` into the cache folder. Off by default:
        without it a missing file raises ``FileNotFoundError`` explaining how to get it.
    cache_dir : folder or None
        Overrides the cache folder.
    kind : "both", "train" or "test"
        "train" and "test" return ``(X, y)`` for one file pair; "both" returns an
        ``MNIST`` with training, validation and test sets.
    dtype : float64, float32 or uint8
        dtype of X; uint8 (the raw bytes) needs ``normalize=False``.
    normalize : bool
        Divide the pixel values 0-255 by 255.
    val_size : int
        With kind="both": how many training images form the validation set, the last
        ``val_size`` of the file, or a random ``val_size`` when ``seed`` is given.
    verify : bool
        Check each file's size and SHA-256 against ``checksums`` (``CHECKSUMS`` when None),
        a mapping file name → sha256 or (size or None, sha256).
    """
    check_choice(kind, "kind", ("both", "train", "test"))
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.uint8)):
        raise ValueError(f"dtype must be float64, float32 or uint8, got {dtype}")
    if dtype == np.uint8 and normalize:
        raise ValueError("dtype uint8 holds the raw pixel bytes 0-255: pass normalize=False")
    val_size = check_int(val_size, "val_size", minimum=0)
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}")
    checksums = CHECKSUMS if checksums is None else dict(checksums)
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if path is not None and download:
        raise ValueError("download=True writes only into the cache folder; pass cache_dir= "
                         "(or nothing) instead of path=")
    folder = Path(path).expanduser() if path is not None else cache
    if path is not None and not folder.is_dir():
        raise FileNotFoundError(f"path must be a folder holding the MNIST IDX files; {folder} "
                                "is not a folder")
    parts = ("train", "test") if kind == "both" else (kind,)
    needed = [n for part in parts for n in FILES[part]]
    missing = [n for n in needed if _find(folder, n) is None]
    if missing and not download:
        raise FileNotFoundError(_missing_message(folder, missing, cache, path is not None))
    for name in missing:
        _download(name + ".gz", cache, checksums, mirrors)
    loaded = {part: _load_pair(folder, FILES[part], checksums, verify) for part in parts}
    if kind != "both":
        images, labels = loaded[kind]
        return _as_rows(images, dtype, normalize), labels.astype(np.int64)
    (Xtr, ytr), (Xte, yte) = loaded["train"], loaded["test"]
    if val_size >= len(ytr):
        raise ValueError(f"val_size must be smaller than the {len(ytr)} training images, got {val_size}")
    order = as_rng(seed).permutation(len(ytr)) if seed is not None else np.arange(len(ytr))
    train, val = order[:len(ytr) - val_size], order[len(ytr) - val_size:]
    Xtr, Xte = _as_rows(Xtr, dtype, normalize), _as_rows(Xte, dtype, normalize)
    ytr, yte = ytr.astype(np.int64), yte.astype(np.int64)
    return MNIST(Xtr[train], ytr[train], Xtr[val], ytr[val], Xte, yte)
