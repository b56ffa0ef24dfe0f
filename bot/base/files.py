"""Files an operator names: outputs written whole or not at all, inputs read as text, failures as one sentence.

An output (a report, a QR code, a backup) is written to a temporary file beside it and renamed over the
target only once complete, so a full disk or a crash never leaves half a file under the name asked for.  Only
a regular file or a new name is ever replaced: renaming over a symlink, a FIFO or a device would replace the
link or the device itself (as root, `backup /dev/full` replaced /dev/full), and a folder cannot be replaced.
An input must be a regular file (a FIFO would block the command forever) and is decoded as UTF-8, or in the
encoding charset-normalizer detects (Excel on Windows saves CSV as Windows-1252).

Every failure is a `FileProblem`: one Indonesian sentence and the exit code it deserves (2: a name or file
to correct, 1: a problem of the machine, such as a full disk).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class FileProblem(Exception):
    """A file that cannot be read or written; `str()` is one sentence for the operator, `code` the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# errno -> (the reason in a few words, exit code)
_REASONS: dict[int, tuple[str, int]] = {
    errno.ENOSPC: ("disk penuh; kosongkan ruang disk lalu ulangi", 1),
    errno.EDQUOT: ("kuota disk habis; kosongkan ruang lalu ulangi", 1),
    errno.EFBIG: ("berkas melebihi batas ukuran; disk penuh atau dibatasi", 1),
    errno.EROFS: ("sistem berkasnya hanya-baca", 1),
    errno.EIO: ("kesalahan baca/tulis disk", 1),
    errno.EACCES: ("izin ditolak; periksa pemilik dan izin foldernya", 2),
    errno.EPERM: ("izin ditolak; periksa pemilik dan izin foldernya", 2),
    errno.ENOTDIR: ("salah satu bagian jalurnya bukan folder", 2),
    errno.ENOENT: ("foldernya tidak ada", 2),
    errno.EISDIR: ("itu sebuah folder", 2),
    errno.ENAMETOOLONG: ("namanya terlalu panjang", 2),
    errno.ENXIO: ("bukan berkas biasa", 2),
}


def os_reason(exc: OSError) -> tuple[str, int]:
    """The reason for an OSError in a few Indonesian words, and the exit code it deserves."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or type(exc).__name__), 1


def describe(exc: OSError, lead: str) -> FileProblem:
    """`lead` + ": " + the reason, as one sentence (e.g. lead "Laporan tidak dapat ditulis ke x.pdf")."""
    reason, code = os_reason(exc)
    return FileProblem(f"{lead}: {reason}.", code)


# --- outputs ----------------------------------------------------------------------------------------


def check_output(path: Path, example: str = "berkas.txt") -> None:
    """Refuse an output that is not a regular file or a new name (`example`: a file name to suggest)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise describe(exc, f"{path} tidak dapat diperiksa") from None
    if stat.S_ISDIR(mode):
        raise FileProblem(f"{path} adalah folder; tulis nama berkasnya, mis. {Path(path) / example}.")
    if not stat.S_ISREG(mode):
        raise FileProblem(
            f"{path} bukan berkas biasa (tautan, perangkat atau pipa) dan tidak akan ditimpa; "
            "pilih nama berkas baru."
        )


@contextmanager
def atomic_output(path: Path, what: str, example: str = "berkas.txt") -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error it replaces `path`.

    `what` names the file in sentences ("Laporan", "Cadangan"...).  On any error the temporary file is
    removed and `path` is left as it was; an OSError becomes a `FileProblem`.
    """
    path = Path(path)
    check_output(path, example)
    lead = f"{what} tidak dapat ditulis ke {path}"
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise describe(exc, f"Folder {parent} tidak dapat dibuat") from None
    tmp = parent / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        # mode 0o666 less the umask, like a file the program would create directly
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise describe(exc, lead) from None
    try:
        yield tmp
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        with suppress(FileNotFoundError):  # an existing file keeps its permissions
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        check_output(path, example)  # still a regular file or a new name
        os.replace(tmp, path)
    except OSError as exc:
        raise describe(exc, lead) from None
    finally:
        with suppress(FileNotFoundError):  # renamed into place, or never written
            os.unlink(tmp)


# --- inputs -----------------------------------------------------------------------------------------


def check_input(path: Path) -> None:
    """Refuse an input that is missing, a folder, or not a regular file (a FIFO would block forever)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileProblem(f"Berkas {path} tidak ditemukan; periksa nama dan foldernya.") from None
    except OSError as exc:
        raise describe(exc, f"Berkas {path} tidak dapat dibaca") from None
    if stat.S_ISDIR(mode):
        raise FileProblem(f"{path} adalah folder; tulis nama berkas di dalamnya.")
    if not stat.S_ISREG(mode):
        raise FileProblem(f"{path} bukan berkas biasa (perangkat atau pipa); tulis nama berkas.")


def read_bytes(path: Path) -> bytes:
    check_input(path)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise describe(exc, f"Berkas {path} tidak dapat dibaca") from None


def decode_text(data: bytes, path: Path | str) -> str:
    """Text from UTF-8 (with or without BOM) or, failing that, the encoding charset-normalizer detects."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise FileProblem(
                f"{path} bukan berkas teks (CSV); dari Excel simpan sebagai CSV UTF-8, atau pakai .xlsx."
            ) from None
        text = str(best)
    if "\x00" in text:
        raise FileProblem(
            f"{path} bukan berkas teks (CSV); dari Excel simpan sebagai CSV UTF-8, atau pakai .xlsx."
        )
    return text


def read_text(path: Path) -> str:
    """An input file's text (see `decode_text`), or a `FileProblem`."""
    return decode_text(read_bytes(path), path)
