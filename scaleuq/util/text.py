"""Reading a user's text file: UTF-8 (a leading byte-order mark dropped), errors that name the
file and the line of the first undecodable byte."""

from __future__ import annotations

from pathlib import Path

from scaleuq.errors import ScaleUQError, TableError, location


def read_utf8(path: Path, error: type[ScaleUQError] = TableError, what: str = "file") -> str:
    """The text of ``path``.

    Raises:
        TableError: the file cannot be read.
        ``error``: the bytes are not UTF-8 (names ``path:line`` and the byte).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise error(
            f"{location(path, line)}: not UTF-8 text (byte 0x{data[offset]:02x}); "
            f"save the {what} as UTF-8"
        ) from None
