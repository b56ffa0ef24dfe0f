"""Errors an operator can act on.  `str()` is an Indonesian sentence that never contains a key or token."""

from __future__ import annotations


class SheetsError(Exception):
    """Base class for spreadsheet problems."""


class SheetsUnavailable(SheetsError):
    """Google answered 429/5xx or timed out after bounded retries; rows stay queued and are retried later."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "Google Sheets sedang tidak dapat dihubungi atau melebihi kuota"
            + (f" ({detail})" if detail else "")
            + "; data tetap tersimpan dan akan dikirim ulang otomatis."
        )


class SheetsAccessDenied(SheetsError):
    def __init__(self, service_account_email: str) -> None:
        self.service_account_email = service_account_email
        super().__init__(
            f"Spreadsheet belum dibagikan ke akun layanan {service_account_email}. Buka Google Sheets → "
            "Bagikan → tambahkan email itu sebagai Editor."
        )


class SpreadsheetNotFound(SheetsError):
    def __init__(self, spreadsheet_id: str) -> None:
        self.spreadsheet_id = spreadsheet_id
        super().__init__(
            f"Spreadsheet dengan ID {spreadsheet_id} tidak ditemukan. Periksa NGOPAS_GOOGLE_SPREADSHEET_ID "
            "(bagian panjang di alamat spreadsheet antara /d/ dan /edit)."
        )


class FormSheetNotFound(SpreadsheetNotFound):
    """A linked Google Form's response spreadsheet, or its worksheet, is not there (deleted, mistyped)."""

    def __init__(self, spreadsheet_id: str, worksheet: str | None = None) -> None:
        self.spreadsheet_id = spreadsheet_id
        SheetsError.__init__(
            self,
            f"Lembar '{worksheet}' tidak ada di spreadsheet {spreadsheet_id}; periksa namanya (tab di bawah)."
            if worksheet
            else f"Spreadsheet jawaban dengan ID {spreadsheet_id} tidak ditemukan. Di Google Form buka Jawaban → "
            "Lihat di Spreadsheet, lalu salin alamat spreadsheet itu ke --sheet.",
        )


class BadCredentials(SheetsError):
    """Key file missing, unreadable, malformed, not a service-account key, or revoked."""


class RowRejected(SheetsError):
    """The spreadsheet refused what one request wrote (a value it cannot hold), not the request itself: the
    rows of that request are tried in smaller groups, and a row refused on its own waits aside."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"Spreadsheet menolak isi baris ini ({detail}).")


class WorkbookBusy(SheetsError):
    """The local .xlsx cannot be written now (opened and locked by another program, another ngopas process
    holding it too long, a full disk); rows stay queued and are written on a later round."""

    def __init__(self, path: str, detail: str = "") -> None:
        self.path = path
        super().__init__(
            f"Berkas spreadsheet lokal {path} sedang tidak dapat ditulis"
            + (f" ({detail})" if detail else "")
            + "; data tetap tersimpan dan akan ditulis ulang otomatis."
        )


class WorkbookNotAFile(SheetsError):
    """NGOPAS_WORKBOOK_PATH names a folder, a device or a pipe: nothing to read, and never to be replaced."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"NGOPAS_WORKBOOK_PATH {path} bukan berkas biasa (folder, perangkat atau pipa); isi nama berkas "
            ".xlsx, mis. data/ngopas.xlsx."
        )


class WorkbookUnwritable(SheetsError):
    """The local workbook cannot be saved (disk full, read-only, no permission); the old file is intact."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(
            f"Spreadsheet lokal {path} tidak dapat disimpan ({reason}); periksa ruang disk dan izin foldernya. "
            "Baris tetap tersimpan di basis data dan dikirim ulang nanti."
        )


class WorkbookCorrupt(SheetsError):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"Berkas spreadsheet lokal {path} rusak atau bukan berkas .xlsx. Pindahkan atau pulihkan dari "
            "cadangan; bot akan membuat berkas baru bila berkas itu tidak ada."
        )
