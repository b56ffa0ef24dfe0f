"""Rendered pages as images (pdftoppm, Debian's poppler-utils, which `make test` installs when missing), and
where their ink is, to check a page is not blank and nothing is drawn outside the margins."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tests.hang import HANG_GUARD_SECONDS

MM_PER_INCH = 25.4


def pdf_pages(pdf: Path, dpi: int = 50) -> list[Image.Image]:
    """Every page of `pdf` as an RGB image at `dpi` (skips the test when pdftoppm is not installed)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed; `make test` installs it")
    prefix = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=HANG_GUARD_SECONDS
    )
    files = sorted(pdf.parent.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    pages = []
    for file in files:
        with Image.open(file) as image:
            pages.append(image.convert("RGB"))
    return pages


def ink_box(image: Image.Image, threshold: int = 235) -> tuple[int, int, int, int] | None:
    """The bounding box (left, top, right, bottom) of everything darker than near-white; None when blank."""
    grey = image.convert("L")
    mask = grey.point(lambda v: 255 if v < threshold else 0)
    return mask.getbbox()


def ink_share(image: Image.Image, threshold: int = 235) -> float:
    """How much of the image is not near-white (0 = blank page)."""
    grey = image.convert("L").point(lambda v: 255 if v < threshold else 0)
    return sum(grey.histogram()[255:]) / (image.width * image.height)


def mm(pixels: float, dpi: int) -> float:
    return pixels * MM_PER_INCH / dpi


def differ(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None
