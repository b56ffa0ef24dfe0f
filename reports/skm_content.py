"""What the official SKM report says, chapter by chapter, independent of the file format.

Published SKM reports share one outline (../shared reference: cover, approval, Bab I–VI, appendices).  This
module writes it once as a list of plain blocks; `skm_pdf` and `skm_docx` only lay the blocks out, so the
printed PDF and the Word file staff edit before signing can never disagree on a figure or a chapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import charts, deadline_share
from .dates import date_range, long_date
from .instrument import LABELS, UNSUR
from .numbers import number
from .report import Report, group_texts
from .rtl import EMPTY as RTL_EMPTY
from .rtl import HEADER as RTL_HEADER
from .rtl import WIDTHS as RTL_WIDTHS
from .rtl import rtl_rows

TITLE = "LAPORAN SURVEI KEPUASAN MASYARAKAT"
CHANNEL_NAMES = {
    "telegram": "Telegram (survei dalam percakapan)",
    "import": "Kertas / Google Formulir (dimuat dari CSV)",
    "gform": "Google Formulir (ditarik langsung dari spreadsheet jawabannya)",
    "paper": "Kertas",
    "web": "Formulir web",
}
LEGAL_BASIS = (
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;",
    "Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan Undang-Undang Nomor 25 Tahun 2009;",
    "Peraturan Menteri PAN-RB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan Masyarakat "
    "Unit Penyelenggara Pelayanan Publik;",
    "Peraturan Menteri PAN-RB Nomor 90 Tahun 2021 tentang Pembangunan dan Evaluasi Zona Integritas.",
)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 = chapter (new page), 2 = section


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: list[list[str]]
    widths: tuple[float, ...]  # relative column widths
    numeric: tuple[int, ...] = ()  # columns aligned right


@dataclass(frozen=True)
class Figure:
    caption: str
    png: bytes
    width: float = 0.85  # share of the text width


@dataclass(frozen=True)
class Signature:
    """The head of office's signature block (place and date, title, name, NIP)."""


Block = Heading | Paragraph | Bullets | Table | Figure | Signature


@dataclass
class Document:
    title: str
    period: str
    blocks: list[Block] = field(default_factory=list)

    def chapters(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Heading) and b.level == 1]


def period_line(report: Report) -> str:
    """ "Triwulan III 2026 (1 Juli – 30 September 2026)"; the dates alone when the period has no name."""
    dates = (
        date_range(report.period_start, report.period_end)
        if report.period_start and report.period_end
        else ""
    )
    label = report.period_label or ""
    if label and dates:
        return f"{label} ({dates})"
    return label or dates


def signature_lines(report: Report) -> list[str]:
    """ "Magelang, 3 Desember 2026", "Kepala Kantor …", blank space, the name, "NIP …"."""
    office = report.identity
    place = f"{office.city}, " if office.city else ""
    return [
        f"{place}{long_date(report.generated_at.date())}",
        f"{office.head_title} {office.name}".strip(),
        "",
        "",
        "",
        office.head_name or "(nama Kepala Kantor)",
        f"NIP {office.head_nip}" if office.head_nip else "NIP –",
    ]


def _pct(part: int, whole: int) -> str:
    return number(100 * part / whole, places=1) + "%" if whole else "–"


def build_document(report: Report) -> Document:
    """Every chapter of the SKM report for `report`, in order."""
    r = report.ikm
    office = report.identity
    period = period_line(report)
    units = list(r.unsur.values())
    ranked = sorted(units, key=lambda u: u.nrr, reverse=True)
    weakest, strongest = r.weakest, (ranked[0] if ranked else None)
    doc = Document(TITLE, period)
    add = doc.blocks.append
    scope = report.subject or "seluruh layanan dan sesi dialog NGOPAS"

    # --- Kata pengantar (with the approval signature) ---
    add(Heading("Kata Pengantar"))
    add(
        Paragraph(
            f"Survei Kepuasan Masyarakat (SKM) {office.name} periode {period} dilaksanakan sesuai Peraturan "
            "Menteri PAN-RB Nomor 14 Tahun 2017 untuk mengukur kepuasan masyarakat atas pelayanan yang "
            f"diberikan dan menjadi dasar perbaikan. Hasilnya: indeks kepuasan masyarakat (IKM) "
            f"{number(r.ikm_rounded)}, mutu pelayanan {r.grade.mutu} ({r.grade.kinerja}), dari {r.respondents} "
            "responden. Laporan ini beserta rencana tindak lanjutnya dipublikasikan kepada masyarakat."
        )
    )
    add(Paragraph("Terima kasih kepada seluruh responden yang telah meluangkan waktu mengisi survei."))
    add(Signature())

    # --- Ringkasan eksekutif ---
    add(Heading("Ringkasan Eksekutif"))
    summary = [
        f"IKM {number(r.ikm_rounded)} — mutu {r.grade.mutu} ({r.grade.kinerja}).",
        f"Responden: {r.respondents}"
        + (f" dari target sampel {report.progress.target}." if report.progress else "."),
    ]
    if strongest:
        summary.append(f"Unsur tertinggi: {strongest.name} (NRR {number(float(strongest.nrr))}).")
    if weakest:
        summary.append(
            f"Unsur terendah: {weakest.name} (NRR {number(float(weakest.nrr))}), prioritas perbaikan."
        )
    if len(report.trend) > 1 and report.trend[-1].change is not None:
        change = report.trend[-1].change
        summary.append(
            f"Dibanding {report.trend[-2].label}: {'naik' if change >= 0 else 'turun'} {number(abs(change))} poin."
        )
    add(Bullets(tuple(summary)))

    # --- Bab I ---
    add(Heading("BAB I PENDAHULUAN"))
    add(Heading("1.1 Latar Belakang", 2))
    add(
        Paragraph(
            "Pelayanan publik yang baik menuntut penyelenggara mengetahui pendapat penerima layanan. "
            f"{office.name} menyelenggarakan layanan dan dialog masyarakat (NGOPAS) dan mengukur kepuasan "
            "masyarakat secara berkala melalui SKM, termasuk sebagai bukti dalam pembangunan Zona Integritas."
        )
    )
    add(Heading("1.2 Dasar Hukum", 2))
    add(Bullets(LEGAL_BASIS, numbered=True))
    add(Heading("1.3 Maksud dan Tujuan", 2))
    add(
        Paragraph(
            "Mengetahui tingkat kepuasan masyarakat atas sembilan unsur pelayanan, menemukan unsur yang perlu "
            "diperbaiki, dan menyusun rencana tindak lanjut."
        )
    )
    add(Heading("1.4 Sasaran dan Manfaat", 2))
    add(
        Bullets(
            (
                "Tersedianya indeks kepuasan masyarakat per periode sebagai ukuran kinerja pelayanan;",
                "Diketahuinya kekuatan dan kelemahan tiap unsur pelayanan;",
                "Terpublikasikannya hasil survei dan tindak lanjutnya kepada masyarakat.",
            )
        )
    )

    # --- Bab II ---
    add(Heading("BAB II METODOLOGI"))
    add(Heading("2.1 Ruang Lingkup, Periode dan Lokasi", 2))
    lingkup = f"Survei mencakup {scope}"
    if report.sections:
        lingkup += f" pada bidang {', '.join(report.sections)}"
    lingkup += f", periode {period}, di {office.name}" + (f", {office.city}." if office.city else ".")
    add(Paragraph(lingkup))
    if report.sessions:
        add(Paragraph("Sesi yang disurvei: " + "; ".join(report.sessions[:20]) + "."))
    add(Heading("2.2 Unsur yang Diukur", 2))
    add(
        Table(
            "Unsur pelayanan (PermenPAN-RB 14/2017)",
            ("No", "Unsur"),
            [[str(i), name] for i, name in enumerate(UNSUR.values(), start=1)],
            (8, 92),
        )
    )
    add(Heading("2.3 Populasi dan Sampel", 2))
    if report.progress:
        p = report.progress
        add(
            Paragraph(
                f"Populasi (jumlah penerima layanan pada periode ini) {p.population} orang. Besar sampel "
                "menurut tabel Krejcie dan Morgan (tingkat kepercayaan 95%, galat 5%) adalah "
                f"S = χ²·N·P(1−P) / (d²·(N−1) + χ²·P(1−P)) = {p.target} responden. Sampel tercapai "
                f"{p.respondents} responden ({_pct(p.respondents, p.target)} dari target)."
            )
        )
    else:
        add(
            Paragraph(
                "Jumlah populasi (penerima layanan) belum dicatat untuk periode ini, sehingga target sampel "
                f"Krejcie–Morgan belum dapat dihitung; responden tercapai {r.respondents} orang. Catat jumlah "
                "peserta setiap sesi agar target sampel tampil pada laporan berikutnya."
            )
        )
    add(Paragraph("Evaluasi Zona Integritas mensyaratkan sekurang-kurangnya 30 responden per unit."))
    add(Heading("2.4 Pengumpulan Data", 2))
    channels = report.channels or {"telegram": r.respondents}
    total_channels = sum(channels.values())
    add(
        Table(
            "Saluran pengumpulan data",
            ("Saluran", "Jumlah", "Persentase"),
            [[CHANNEL_NAMES.get(k, k), str(v), _pct(v, total_channels)] for k, v in channels.items()],
            (60, 20, 20),
            numeric=(1, 2),
        )
    )
    add(Heading("2.5 Pengolahan Data", 2))
    add(
        Paragraph(
            "Setiap jawaban bernilai 1 sampai 4. Nilai rata-rata (NRR) tiap unsur = jumlah nilai ÷ jumlah "
            f"jawaban; bobot tiap unsur = 1 ÷ jumlah unsur ({len(units)} unsur, bobot "
            f"{number(1 / len(units), places=3) if units else '–'}); IKM unit = Σ (NRR × bobot); IKM = IKM unit "
            "× 25. Mutu pelayanan ditetapkan menurut tabel interval berikut."
        )
    )
    add(
        Table(
            "Nilai persepsi, interval IKM dan mutu pelayanan",
            ("Nilai persepsi", "Interval IKM (×25)", "Mutu", "Kinerja"),
            [[value, span, mutu, kinerja] for mutu, span, kinerja, value in charts.intervals()],
            (20, 35, 15, 30),
        )
    )

    # --- Bab III ---
    add(Heading("BAB III HASIL SURVEI"))
    add(Heading("3.1 Karakteristik Responden", 2))
    if report.profile:
        for key, counts in report.profile.items():
            total = sum(counts.values())
            title = charts.PROFILE_TITLES.get(key, key)
            add(
                Table(
                    f"Responden menurut {title.lower()}",
                    (title, "Jumlah", "Persentase"),
                    [[k, str(v), _pct(v, total)] for k, v in counts.items()]
                    + [["Jumlah", str(total), "100,0%"]],
                    (60, 20, 20),
                    numeric=(1, 2),
                )
            )
            add(Figure(f"Responden menurut {title.lower()}", charts.profile_chart(key, counts), 0.7))
    else:
        add(
            Paragraph(
                "Responden tidak mengisi data profil (jenis kelamin, usia, pendidikan, pekerjaan) pada periode ini."
            )
        )
    add(Heading("3.2 Nilai per Unsur Pelayanan", 2))
    rank = {u.key: i for i, u in enumerate(ranked, start=1)}
    add(
        Table(
            "NRR, peringkat dan mutu per unsur",
            ("No", "Unsur", "Jawaban", "NRR", "NRR × bobot", "Konversi", "Urutan", "Mutu"),
            [
                [
                    str(i),
                    u.name,
                    str(u.answers),
                    number(float(u.nrr), places=3),
                    number(float(u.weighted), places=3),
                    number(float(u.nrr) * 25),
                    str(rank[u.key]),
                    f"{u.grade.mutu} ({u.grade.kinerja})",
                ]
                for i, u in enumerate(units, start=1)
            ]
            + [
                [
                    "",
                    "IKM",
                    str(r.respondents),
                    "",
                    number(float(r.unit), places=3),
                    number(r.ikm_rounded),
                    "",
                    r.grade.mutu,
                ]
            ],
            (5, 27, 10, 8, 11, 11, 10, 18),
            numeric=(2, 3, 4, 5, 6),
        )
    )
    add(
        Figure(
            "NRR per unsur (warna menurut mutu)",
            charts.nrr_chart(
                [u.name for u in units], [float(u.nrr) for u in units], [u.grade.mutu for u in units]
            ),
            1.0,
        )
    )
    add(Heading("3.3 Sebaran Jawaban", 2))
    add(
        Table(
            "Jumlah jawaban 1–4 per unsur",
            ("Unsur", "1", "2", "3", "4", "Jumlah"),
            [
                [
                    u.name,
                    *(str(report.distribution.get(u.key, {}).get(v, 0)) for v in (1, 2, 3, 4)),
                    str(u.answers),
                ]
                for u in units
            ],
            (48, 10, 10, 10, 10, 12),
            numeric=(1, 2, 3, 4, 5),
        )
    )
    add(Heading("3.4 Indeks Kepuasan Masyarakat", 2))
    add(
        Paragraph(
            f"IKM {office.name} periode {period} adalah {number(r.ikm_rounded)} (IKM unit "
            f"{number(float(r.unit), places=3)}), mutu pelayanan {r.grade.mutu}, kinerja {r.grade.kinerja}.",
            bold=True,
        )
    )
    if report.ipak:
        add(
            Paragraph(
                f"Indeks Persepsi Anti Korupsi (IPAK): {number(report.ipak.ikm_rounded)}, mutu "
                f"{report.ipak.grade.mutu} ({report.ipak.grade.kinerja})."
            )
        )
    add(Heading("3.5 Saran dan Masukan", 2))
    grouped = report.saran_grouped
    if grouped:
        add(
            Table(
                f"Saran dan masukan ({len(report.saran)} saran, {len(grouped)} berbeda)",
                ("No", "Saran / masukan", "Jumlah"),
                [[str(i), text, str(n)] for i, (text, n) in enumerate(grouped[:60], start=1)],
                (8, 77, 15),
                numeric=(2,),
            )
        )
    else:
        add(Paragraph("Tidak ada saran tertulis pada periode ini."))

    # --- Bab IV ---
    add(Heading("BAB IV ANALISIS"))
    add(Heading("4.1 Kekuatan dan Kelemahan per Unsur", 2))
    strong = [u for u in ranked if u.grade.mutu in ("A", "B")][:3]
    weak = [u for u in reversed(ranked) if u not in strong][:3]
    if strong:
        add(Paragraph("Unsur yang menjadi kekuatan pelayanan:", bold=True))
        add(
            Bullets(
                tuple(
                    f"{u.name}: NRR {number(float(u.nrr))}, mutu {u.grade.mutu} ({u.grade.kinerja})."
                    for u in strong
                )
            )
        )
    if weak:
        add(Paragraph("Unsur yang perlu diperbaiki (NRR terendah):", bold=True))
        items = []
        for u in weak:
            line = f"{u.name}: NRR {number(float(u.nrr))}, mutu {u.grade.mutu} ({u.grade.kinerja})."
            notes = report.followups.get(u.key, [])
            if notes:
                line += (
                    " Masukan responden: "
                    + "; ".join(f"{t} (×{n})" if n > 1 else t for t, n in group_texts(notes)[:3])
                    + "."
                )
            items.append(line)
        add(Bullets(tuple(items)))
    add(Heading("4.2 Perkembangan Dibanding Periode Sebelumnya", 2))
    if len(report.trend) > 1:
        add(
            Table(
                "IKM per periode",
                ("Periode", "IKM", "Mutu", "Responden", "Perubahan"),
                [
                    [p.label, number(p.ikm), p.mutu, str(p.respondents), _signed(p.change)]
                    for p in report.trend
                ],
                (34, 16, 12, 18, 20),
                numeric=(1, 3, 4),
            )
        )
        add(
            Figure(
                "Tren IKM",
                charts.trend_chart([p.label for p in report.trend], [p.ikm for p in report.trend]),
                0.9,
            )
        )
    else:
        add(
            Paragraph(
                "Belum ada periode sebelumnya untuk dibandingkan; tren tampil mulai laporan berikutnya."
            )
        )
    add(Heading("4.3 Rekomendasi", 2))
    recs = [f"Memprioritaskan perbaikan unsur {u.name}." for u in weak[:2]]
    if grouped:
        recs.append(
            f"Menindaklanjuti saran yang paling sering muncul: “{grouped[0][0]}” ({grouped[0][1]} responden)."
        )
    recs.append("Mempertahankan kualitas unsur yang sudah bermutu baik dan mempublikasikan hasil survei.")
    add(Bullets(tuple(recs), numbered=True))
    add(Heading("4.4 Penanganan Aspirasi Tepat Waktu", 2))
    add(deadline_block(report))

    # --- Bab V ---
    add(Heading("BAB V RENCANA TINDAK LANJUT"))
    add(rtl_block(report))

    # --- Bab VI ---
    add(Heading("BAB VI PENUTUP"))
    add(Heading("6.1 Kesimpulan", 2))
    conclusion = (
        f"Kinerja pelayanan {office.name} periode {period} tergolong {r.grade.kinerja.lower()} "
        f"(mutu {r.grade.mutu}, IKM {number(r.ikm_rounded)}, {r.respondents} responden)."
    )
    if weakest:
        conclusion += (
            f" Unsur dengan nilai terendah adalah {weakest.name} (NRR {number(float(weakest.nrr))})."
        )
    add(Paragraph(conclusion))
    add(Heading("6.2 Saran", 2))
    add(
        Paragraph(
            "Hasil survei dan rencana tindak lanjut dipublikasikan melalui media sosial, laman resmi dan papan "
            "informasi pelayanan; pelaksanaan tindak lanjut dilaporkan pada periode berikutnya."
        )
    )
    add(Signature())

    # --- Lampiran ---
    add(Heading("LAMPIRAN"))
    add(Heading("Lampiran 1. Kuesioner", 2))
    add(
        Table(
            "Unsur dan pilihan jawaban (nilai 1–4)",
            ("Unsur", "1", "2", "3", "4"),
            [[UNSUR[k], *LABELS[k]] for k in UNSUR],
            (28, 18, 18, 18, 18),
        )
    )
    add(
        Paragraph(
            "Data profil (jenis kelamin, usia, pendidikan, pekerjaan) dan saran bersifat sukarela; jawaban tidak "
            "dikaitkan dengan identitas responden."
        )
    )
    add(Heading("Lampiran 2. Rekapitulasi Data", 2))
    add(
        Table(
            "Jumlah nilai, jawaban dan NRR per unsur",
            ("Unsur", "Jumlah nilai", "Jawaban", "NRR"),
            [
                [
                    u.name,
                    str(sum(v * c for v, c in report.distribution.get(u.key, {}).items())),
                    str(u.answers),
                    number(float(u.nrr), places=3),
                ]
                for u in units
            ],
            (52, 16, 16, 16),
            numeric=(1, 2, 3),
        )
    )
    if report.records:
        add(Heading("Lampiran 3. Catatan dan Dokumentasi Sesi", 2))
        for rec in report.records:
            add(Paragraph(f"{rec.session}. {rec.notes or 'Tanpa catatan.'} Foto dokumentasi: {rec.photos}."))
            if rec.aspirations:
                add(
                    Paragraph(
                        "Aspirasi yang disampaikan lisan (tiket Dari sesi): "
                        + "; ".join(rec.aspirations)
                        + "."
                    )
                )
    return numbered(doc)


ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


def numbered(doc: Document) -> Document:
    """Tables and figures numbered per chapter as reports do ("Tabel 3.2", "Gambar 4.1"), in order."""
    chapter, tables, figures = "", 0, 0
    blocks: list[Block] = []
    for block in doc.blocks:
        if isinstance(block, Heading) and block.level == 1:
            parts = block.text.split()
            chapter = (
                str(ROMAN[parts[1]])
                if parts[0] == "BAB" and parts[1] in ROMAN
                else "L"
                if block.text == "LAMPIRAN"
                else ""
            )
            tables = figures = 0
        if isinstance(block, Table) and chapter:
            tables += 1
            block = replace(block, caption=f"Tabel {chapter}.{tables} {block.caption}")
        elif isinstance(block, Figure) and chapter:
            figures += 1
            block = replace(block, caption=f"Gambar {chapter}.{figures} {block.caption}")
        blocks.append(block)
    doc.blocks = blocks
    return doc


def rtl_block(report: Report) -> Table | Paragraph:
    """The follow-up plan table, or the sentence that there is none yet (feed `Report.rtl` to fill it)."""
    rows = rtl_rows(report.rtl)
    if not rows:
        return Paragraph(RTL_EMPTY)
    return Table("Rencana tindak lanjut", RTL_HEADER, rows, RTL_WIDTHS)


def deadline_block(report: Report) -> Table | Paragraph:
    """Aspirations answered within their deadline per section and month (`Report.deadline_shares`)."""
    rows = deadline_share.share_rows(report.deadline_shares)
    if not rows:
        return Paragraph(deadline_share.EMPTY)
    return Table(
        deadline_share.CAPTION,
        deadline_share.HEADER,
        rows,
        deadline_share.WIDTHS,
        numeric=deadline_share.NUMERIC,
    )


def _signed(change: float | None) -> str:
    if change is None:
        return "–"
    return ("+" if change > 0 else "") + number(change)
