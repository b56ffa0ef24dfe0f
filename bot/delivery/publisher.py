"""Writing the public page (Papan IKM) to its folder, whole or not at all, and again when a figure changes.

The site is built in a new folder beside the target (`.site-…`), then the target, a symbolic link, is
pointed at it in one `rename`: a visitor (or a web server serving the link) sees the old site or the new one,
never half of each.  The previous build is removed afterwards.  The first time, a plain folder written by
an older `ngopas publish` (it holds the `.ngopas-site` marker), or an empty one, is moved aside for the
link; any other folder is refused rather than replaced.

With NGOPAS_PUBLISH_DIR set, the running bot checks every sweep whether anything the page shows changed
(answers, tickets, sessions, the day) and rebuilds only then.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from bot.base.files import FileProblem, describe
from bot.domain import reporting
from bot.domain.runtime import Runtime
from bot.domain.site.data import SiteData, gather
from bot.domain.site.render import MARKER, write_site
from bot.store import published

log = logging.getLogger(__name__)

STAMP_KEY = "publish:stamp"  # Runtime.cache: what the last published site was built from


def _builds(target: Path) -> str:
    return f".{target.name}-"


def _check_target(target: Path) -> None:
    """Refuse a `target` that is not nothing, an empty folder, a folder this module wrote or the link this
    module made (to a build beside it): a file, a device, a pipe, someone's link or folder stays as it is."""
    if target.is_symlink():
        pointed = os.readlink(target)
        if os.sep in pointed or not pointed.startswith(_builds(target)):
            raise FileProblem(
                f"{target} adalah tautan ke tempat lain, bukan situs dari ngopas publish; pilih folder lain.",
                2,
            )
        return
    if not target.exists():
        return
    if not target.is_dir():
        raise FileProblem(
            f"{target} sudah ada dan bukan folder situs; pilih folder lain.",
            2,
        )
    if any(target.iterdir()) and not (target / MARKER).exists():
        raise FileProblem(
            f"Folder {target} sudah berisi berkas lain; pilih folder kosong atau folder situs dari ngopas publish.",
            2,
        )


def _prepare_target(target: Path) -> None:
    """Make room for the link at `target`: an empty folder or one this module wrote is moved aside (removed
    once the link is in place)."""
    _check_target(target)
    if target.is_symlink() or not target.exists():
        return
    aside = target.with_name(f"{_builds(target)}old-{secrets.token_hex(4)}")
    target.rename(aside)


def swap_in(built: Path, target: Path) -> None:
    """Point `target` (a symbolic link) at the folder `built` beside it in one rename; remove older builds.

    Under a lock file beside it: two workers publishing at once must not remove the build the other one
    just pointed the link at."""
    with open(target.with_name(f".{target.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _prepare_target(target)
        link = target.with_name(f".{target.name}.link-{secrets.token_hex(4)}")
        os.symlink(built.name, link)
        os.replace(link, target)
        for old in target.parent.glob(_builds(target) + "*"):
            if old.is_dir() and not old.is_symlink() and old.name != built.name:
                shutil.rmtree(old, ignore_errors=True)


def write(rt: Runtime, data: SiteData, target: Path) -> Path:
    """Build the site of `data` beside `target` and swap it in; the folder the link now points at.

    CPU work (Jinja2, the infographic's matplotlib): the bot calls it in a worker thread."""
    target = Path(os.path.abspath(target))
    if target.parent.exists() and not target.parent.is_dir():
        raise FileProblem(f"Situs tidak dapat ditulis ke {target}: {target.parent} bukan folder.", 2)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _check_target(target)
        built = Path(tempfile.mkdtemp(prefix=_builds(target), dir=target.parent))
    except OSError as exc:
        raise describe(exc, f"Situs tidak dapat ditulis ke {target}") from None
    try:
        built.chmod(0o755)  # mkdtemp makes it private; a web server must read it

        def infographic(path: Path) -> None:
            assert data.overview is not None
            reporting.write(reporting.Built(data.overview.report, None), "png", path)

        write_site(data, built, tz=rt.tz, public_url=rt.settings.public_url, og_image=infographic)
        swap_in(built, target)
    except OSError as exc:
        shutil.rmtree(built, ignore_errors=True)
        raise describe(exc, f"Situs tidak dapat ditulis ke {target}") from None
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    return built


async def publish(rt: Runtime, target: Path) -> SiteData:
    """Gather every figure and write the site to `target` (`ngopas publish`)."""
    data = await gather(rt)
    await asyncio.to_thread(write, rt, data, target)
    return data


async def publish_if_changed(rt: Runtime, target: Path) -> bool:
    """Publish when something the page shows changed since the last time (or on the first call)."""
    async with rt.store.connect() as conn:
        stamp = await published.stamp(conn)
    stamp += "|" + rt.clock.now().astimezone(rt.tz).date().isoformat()  # upcoming sessions, monthly shares
    if rt.cache.get(STAMP_KEY) == stamp:
        return False
    await publish(rt, target)
    rt.cache[STAMP_KEY] = stamp
    log.info("public page written to %s", target)
    return True
