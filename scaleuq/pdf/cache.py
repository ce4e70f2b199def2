"""A cache of parsed member grids: the second load of the same members reads one ``.npz``.

Parsing the 101 member files of a replica set takes seconds; the cache entry of the same
members loads in a fraction of a second. An entry is keyed by the member files' absolute paths,
sizes, inodes, and modification and change times, so an edited or replaced file gets a new
entry. Every entry is checked before use and healed when it fails a check: it records the cache
format version, the key it was written for (a SHA-256 of the files' identities), the shapes
of its arrays and a CRC-32 of their bytes, and an entry that cannot be read, was written for other files, has other shapes or other
bytes (a damaged disk block, a truncated copy, an entry copied over another) is deleted, the
members are parsed again and a fresh entry is written. Nothing read from the cache is used
unchecked.

Where: ``$SCALEUQ_CACHE_DIR`` (``off`` disables it), else ``$XDG_CACHE_HOME/scaleuq``, else
``~/.cache/scaleuq`` (a ``pdf-grids`` folder in it).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from scaleuq.errors import PDFError, ScaleUQError
from scaleuq.pdf.grid import GridMember, Subgrid, members_last, read_member

log = logging.getLogger(__name__)

#: environment variable naming the cache directory of parsed grids (``off``: no cache)
CACHE_ENV = "SCALEUQ_CACHE_DIR"
#: version of the entry layout; entries of another version are rebuilt
CACHE_FORMAT = 4
#: files modified less than this long ago (s) are not cached (a rewrite within the file
#: system's timestamp resolution could keep size and mtime: git's "racy" rule)
RACY_S = 2.0
#: loads of fewer members are not cached (one member parses in milliseconds)
MIN_MEMBERS = 5


def grid_cache_dir() -> Path | None:
    """Where parsed member grids are kept: ``$SCALEUQ_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/scaleuq``, else ``~/.cache/scaleuq`` (a ``pdf-grids`` folder in it);
    None when ``SCALEUQ_CACHE_DIR`` is ``off`` (or empty)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env) / "pdf-grids"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scaleuq" / "pdf-grids"


def cache_key(paths: list[Path]) -> tuple[str, float]:
    """(SHA-256 key of these member files, the newest of their modification times)."""
    h = hashlib.sha256(f"scaleuq-grid-cache {CACHE_FORMAT}\n".encode())
    newest = 0.0
    for p in paths:
        st = p.stat()
        newest = max(newest, st.st_mtime)
        h.update(
            f"{p.resolve()}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n".encode()
        )
    return h.hexdigest(), newest


def entry_path(paths: list[Path]) -> tuple[Path, str, float] | None:
    """The cache entry of these member files, its key and their newest mtime (None: no cache)."""
    d = grid_cache_dir()
    if d is None:
        return None
    key, newest = cache_key(paths)
    return d / f"{paths[0].stem}-{len(paths)}-{key[:24]}.npz", key, newest


def _digest(values_t: np.ndarray, x: np.ndarray, qs: list[np.ndarray]) -> str:
    """CRC-32 of the arrays' shapes and bytes: catches damage and a writer's mix-up (not an
    attack: the cache folder is the user's own)."""
    crc = 0
    for a in (values_t, x, *qs):
        crc = zlib.crc32(str(a.shape).encode(), crc)
        crc = zlib.crc32(memoryview(np.ascontiguousarray(a, dtype=np.float64)).cast("B"), crc)
    return f"{crc:08x}"


class _Invalid(Exception):
    """A cache entry failed a check (the reason is the message)."""


def _check(cond: bool, reason: str) -> None:
    if not cond:
        raise _Invalid(reason)


def _read_entry(
    entry: Path, key: str, n_members: int, path0: Path
) -> tuple[GridMember, np.ndarray]:
    """The entry's grid, checked against ``key``, its shapes and its checksum."""
    with np.load(entry, allow_pickle=False) as z:
        meta = json.loads(bytes(z["meta"]).decode())
        _check(isinstance(meta, dict), "no metadata")
        _check(meta.get("format") == CACHE_FORMAT, f"cache format {meta.get('format')!r}")
        _check(meta.get("key") == key, "written for other member files")
        shape = meta.get("shape")
        _check(
            isinstance(shape, list) and len(shape) == 4 and all(type(v) is int for v in shape),
            "no array shape",
        )
        n_pids, n_x, n_q, n_m = shape
        _check(n_m == n_members, f"{n_m} members instead of {n_members}")
        starts, pids, header = meta.get("starts"), meta.get("pids"), meta.get("header")
        _check(
            isinstance(starts, list) and len(starts) >= 1 and all(type(v) is int for v in starts),
            "no subgrid starts",
        )
        _check(
            isinstance(pids, list) and len(pids) == n_pids and all(type(v) is int for v in pids),
            "parton ids do not match the shape",
        )
        _check(
            isinstance(header, dict) and all(isinstance(v, str) for v in header.values()),
            "no header",
        )
        expected = 8 * n_pids * n_x * n_q * n_m
        _check(
            z.zip.getinfo("values_t.npy").file_size <= expected + 4096,
            "value array larger than its shape",
        )
        values_t = z["values_t"]
        x = z["x"]
        qs = [z[f"q{k}"] for k in range(len(starts))]
    _check(values_t.dtype == np.float64 and values_t.shape == tuple(shape), "value array shape")
    _check(x.dtype == np.float64 and x.shape == (n_x,), "x knots shape")
    _check(all(q.dtype == np.float64 and q.ndim == 1 and len(q) >= 2 for q in qs), "Q knots")
    _check([int(v) for v in np.cumsum([0, *map(len, qs)])[:-1]] == starts, "subgrid starts")
    _check(sum(map(len, qs)) == n_q, "Q knots do not match the shape")
    _check(meta.get("crc32") == _digest(values_t, x, qs), "checksum mismatch")
    subgrids = tuple(Subgrid(q, int(s)) for q, s in zip(qs, starts))
    # stored members last (the compiled kernels' layout, :func:`members_last`); the
    # (n_members, ...) view of it costs no copy, nor does members_last of that view
    values = np.moveaxis(values_t, -1, 0)
    first = GridMember(str(path0), x, subgrids, tuple(pids), values[0], dict(header))
    return first, values


def load_cached(
    entry: Path, key: str, n_members: int, path0: Path
) -> tuple[GridMember, np.ndarray] | None:
    """The cached grid of ``entry``, or None when there is none or it fails a check (a failing
    entry is deleted, so that the next store replaces it)."""
    if not entry.is_file():
        return None
    try:
        return _read_entry(entry, key, n_members, path0)
    except Exception as exc:
        reason = str(exc) if isinstance(exc, _Invalid) else f"{type(exc).__name__}: {exc}"
        log.warning(
            "grid cache entry %s is not usable (%s); parsing the member files", entry, reason
        )
        try:
            entry.unlink()
        except OSError as err:
            log.debug("cannot remove the grid cache entry %s (%s)", entry, err)
        return None


def store_cached(entry: Path, key: str, first: GridMember, values: np.ndarray) -> None:
    """Write the cache entry (atomically; a read-only cache folder is no error)."""
    from scaleuq.util.atomic import atomic_write_bytes

    values_t = members_last(values)
    qs = [np.ascontiguousarray(s.q, dtype=np.float64) for s in first.subgrids]
    x = np.ascontiguousarray(first.x, dtype=np.float64)
    meta: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "key": key,
        "shape": list(values_t.shape),
        "pids": list(first.pids),
        "starts": [s.start for s in first.subgrids],
        "header": first.header,
        "crc32": _digest(values_t, x, qs),
    }
    buf = io.BytesIO()
    np.savez(
        buf,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        values_t=values_t,
        x=x,
        **{f"q{k}": q for k, q in enumerate(qs)},
    )
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(entry, buf.getvalue())
    except (OSError, ScaleUQError) as exc:  # a read-only home or a folder in the way is no
        log.debug("cannot write the grid cache %s (%s)", entry, exc)  # error: parsed again


def read_members(paths: list[Path], wanted: list[int]) -> tuple[GridMember, np.ndarray]:
    """The first member's grid and the (n_members, n_pids, n_x, n_q) stack of all members'
    values: from the grid cache when the files are unchanged and the entry passes its checks,
    else parsed (and cached when there are at least :data:`MIN_MEMBERS`).

    Raises:
        PDFError: a member file is malformed, or its grid differs from the first member's.
    """
    try:
        keyed = entry_path(paths) if len(paths) >= MIN_MEMBERS else None
    except OSError:
        keyed = None
    if keyed is not None:
        got = load_cached(keyed[0], keyed[1], len(paths), paths[0])
        if got is not None:
            return got
    if len(paths) > 4:  # pandas' C tokenizer releases the GIL: read members side by side
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            grids = list(pool.map(read_member, paths))
    else:
        grids = [read_member(p) for p in paths]
    first = grids[0]
    for g in grids[1:]:
        if (
            g.pids != first.pids
            or g.values.shape != first.values.shape
            or not np.array_equal(g.x, first.x)
            or any(not np.array_equal(a.q, b.q) for a, b in zip(g.subgrids, first.subgrids))
        ):
            raise PDFError(f"{g.path}: its grid differs from member {wanted[0]}'s")
    values = np.stack([g.values for g in grids]) if len(grids) > 1 else first.values[None]
    if keyed is not None and time.time() - keyed[2] > RACY_S:
        store_cached(keyed[0], keyed[1], first, values)
    return first, values
