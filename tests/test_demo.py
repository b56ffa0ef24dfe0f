"""The README's main command without a token runs the offline demo to completion: the office's whole loop,
every message printed whole, and the quarter's report files written where it says."""

import subprocess
import sys

from openpyxl import load_workbook
from pypdf import PdfReader

from bot.dev.sandbox import empty_env_file


def _step(out: str, title: str) -> str:
    """What the demo printed for one step: from its ▶ line to the next."""
    return out.split(f"▶ {title}")[1].split("\n▶ ")[0]


def test_demo_runs_the_whole_loop_prints_messages_whole_and_writes_the_files(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "start", "--env-file", str(empty_env_file(tmp_path))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "demo luring" in out
    assert "Traceback" not in out + result.stderr
    assert "alembic" not in out  # no library narrating in English before the demo starts
    # The demo moves at machine speed (a staff member answering eleven prompts in a third of a second), and
    # still never meets Telegram's flood control: replies burst, but within a chat's ten in ten seconds.
    assert "flood control" not in out
    assert "hanya admin grup" in _step(out, "Grup majelis taklim")
    # The announcement, whole: every line indented under its first, with its buttons.
    announced = _step(out, "Petugas membuat sesi")
    assert "    • 📢 Sesi NGOPAS baru\n      Ngobrol Kerukunan di Masjid Agung Kota Magelang\n" in announced
    assert "      🗓 Senin, 23 Maret 2026 pukul 09.00 WIB" in announced
    assert (
        "[tombol: 🎥 Gabung Zoom | ▶️ Tonton di YouTube | 📅 Tambah ke kalender | 🔔 Ingatkan saya]"
        in announced
    )
    assert (
        "    • 📌 Peta: " in announced and "Aula Masjid Agung Kota Magelang (-7.4779, 110.2178)" in announced
    )
    assert "Paguyuban KBIHU" not in announced  # subscribed to PHU only; the session is Bimas Islam
    assert "⏰ Pengingat: besok" in _step(out, "Waktu dipercepat → 22/03")
    assert "⏰ Pengingat: 60 menit lagi" in out and "🔴 Mulai sekarang!" in out
    assert "[tombol: 📝 Isi survei]" in out
    # Four attendees answered, and all four are shown.
    answered = _step(out, "Jawaban survei: 4 peserta")
    assert answered.count("Terima kasih atas penilaian dan masukan Anda") == 4
    for name in ("Bu Siti", "Pak Budi", "Mas Joko", "Mbak Rina"):
        assert f"■ {name}" in answered
    # An aspiration, and the staff reply typed in the workbook reaching the citizen.
    assert "Nomor tiket: ASP-2026-0006" in _step(out, "Aspirasi: Mas Joko")
    replied = _step(out, "Petugas menanggapi di lembar Aspirasi")
    assert "Kabar untuk tiket ASP-2026-0006" in replied and "Sound system aula kami periksa" in replied
    # The follow-up plan: proposed after the quarter, completed by staff, both citizens told.
    proposed = _step(out, "Waktu dipercepat → 01/04")
    assert "Lembar Tindak Lanjut (usulan bot)" in proposed
    assert "RTL-2026-001 · Bimas Islam · Unsur terlemah: Sarana dan Prasarana" in proposed
    assert "RTL-2026-002 · Bimas Islam · Keluhan berulang" in proposed
    assert "Tiket: ASP-2026-0006, ASP-2026-0007" in proposed
    assert "Kami mendengar, kami bertindak" in proposed
    done = _step(out, "Petugas mengisi lembar Tindak Lanjut")
    assert "Tindak lanjut atas aspirasi Anda (ASP-2026-0006)" in done
    assert "Tindak lanjut atas aspirasi Anda (ASP-2026-0007)" in done
    assert "Tindak lanjut mendekati target" in done  # the staff group, a week before the other row's target
    # Check-in: the start notice's button, one person pressing twice counted once, staff's headcount.
    assert "✋ Saya hadir" in _step(out, "Waktu dipercepat → 23/03 09.00")
    checked = _step(out, "Kehadiran: Pak Budi")
    assert "tercatat (Di lokasi)" in checked
    assert "sudah tercatat hadir" in _step(out, "Pak Budi menekan lagi")
    counted = _step(out, "Petugas mencatat 38 peserta")
    assert "Kehadiran: 40 orang · check-in 2 (Di lokasi 1, Zoom 1) · dihitung petugas 38" in counted
    # two check-ins and 38 counted by staff: the Krejcie-Morgan target of 40 people is 36
    assert "Target sampel (Krejcie–Morgan): 4 dari 36 responden." in out
    # The figures, and the files where the demo says they are.
    # four attendees answered: 8 unsur at 3.75 and sarana at 3.00 -> (8*3.75 + 3)/9 * 25 = 91.67
    assert "IKM 91,67 — A (Sangat baik), 4 responden" in out
    assert "Sarana dan Prasarana: 3,00 (C)" in out
    folder = tmp_path / "data" / "demo"
    for name in ("laporan-skm.pdf", "infografis.png", "laporan.xlsx", "ngopas.xlsx"):
        assert f"data/demo/{name}" in out
        assert (folder / name).stat().st_size > 0
    report = "\n".join(page.extract_text() for page in PdfReader(folder / "laporan-skm.pdf").pages)
    assert "Pengeras suara aula diganti" in report and "Jaringan Zoom aula" in report  # Bab V from the store
    assert (folder / "infografis.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Tindak Lanjut" in load_workbook(folder / "ngopas.xlsx").sheetnames
