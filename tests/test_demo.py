"""The README's main command without a token runs the offline demo to completion."""

import subprocess
import sys

from bot.dev.sandbox import empty_env_file


def test_demo_runs_to_completion_and_shows_each_chat(tmp_path):
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
    group = out.split("■ Grup: Majelis Taklim")[1].split("■")[0]
    for expected in ("Sesi NGOPAS baru", "Pengingat: besok", "60 menit lagi", "Mulai sekarang"):
        assert expected in group
    haji = out.split("■ Grup: Paguyuban KBIHU")[1].split("■")[0]
    assert "Sesi NGOPAS baru" not in haji  # subscribed to PHU only; the session is Bimas Islam
    assert "hanya admin grup" in group
    assert "Isi survei" in group  # the invitation after the session
    assert "✋ Saya hadir" in group  # the start notice's check-in button
    budi = out.split("■ Pak Budi")[1].split("■")[0]
    assert "tercatat (Di lokasi)" in budi and "sudah tercatat hadir" in budi  # pressed twice, counted once
    # two check-ins and 38 counted by staff: the Krejcie-Morgan target of 40 people is 36
    assert "Kehadiran: 40 orang · check-in 2 (Di lokasi 1, Zoom 1) · dihitung petugas 38" in out
    assert "Target sampel (Krejcie–Morgan): 4 dari 36 responden." in out
    # four attendees answered: 8 unsur at 3.75 and sarana at 3.00 -> (8*3.75 + 3)/9 * 25 = 91.67
    assert "IKM 91,67 — A (Sangat baik), 4 responden" in out
    assert "Sarana dan Prasarana: 3,00 (C)" in out
    assert (tmp_path / "data" / "demo" / "ngopas.xlsx").exists()
