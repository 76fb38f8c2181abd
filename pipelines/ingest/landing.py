"""Finding landing files: which files belong to a feed, which are refused, and their content hash.

Only regular files inside the landing root are read. Symbolic links are refused rather than
followed, because a link lets a drop folder expose any file on the machine to the pipeline; so
are ``..`` and absolute paths, and a file whose real path leaves the root by the time it is read
(a folder swapped for a link after the scan). Refused paths are recorded as rejected files.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import contract

#: File types read as feed data; anything else in a feed folder is reported and ignored.
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet")
#: Besides those, marketplace reports may come as JSON (Amazon's AWD inventory API response).
REPORT_SUFFIXES = DATA_SUFFIXES + (".json",)
#: Suffixes of files still being copied by an export or a sync client.
IN_PROGRESS_SUFFIXES = (".tmp", ".part")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    #: Path relative to the landing root, with forward slashes (the ``_source_file`` of its rows).
    relative: str
    size_bytes: int
    mtime: float
    #: The resolved landing root the file must stay inside when it is read.
    root: Path | None = None


class OutsideLanding(OSError):
    """A landing path that leads outside the landing root; the message says how."""


def confined(landing_root: Path, relative: str) -> Path:
    """``<landing_root>/<relative>``, refusing absolute paths and ``..`` (raises OutsideLanding).

    Paths come from the contract and from scans, never from data; this keeps it that way should a
    folder name ever come from configuration.
    """
    parts = Path(relative).parts
    if Path(relative).is_absolute() or ".." in parts:
        raise OutsideLanding(f"{relative}: path leads outside the landing folder (absolute or '..'), refused")
    return Path(landing_root) / relative


@dataclass(frozen=True)
class LandingNotice:
    """A path left out of a scan and why."""

    relative: str
    message: str

    def __str__(self) -> str:
        return f"{self.relative}: {self.message}"


@dataclass
class LandingScan:
    """Data files of one landing folder, in sorted path order, and what was left out and why."""

    files: list[LandingFile] = field(default_factory=list)
    #: Errors: links and paths leaving the landing root (nothing of them was read).
    refused: list[LandingNotice] = field(default_factory=list)
    #: Warnings: files of a type that is not feed data.
    ignored: list[LandingNotice] = field(default_factory=list)


def scan_folder(landing_root: Path, folder: str, suffixes: tuple[str, ...] | None = DATA_SUFFIXES) -> LandingScan:
    """Data files under ``<landing_root>/<folder>/`` and its sub-folders.

    Hidden files and folders (``.``-prefixed) and files ending in ``.tmp``/``.part`` are skipped
    silently: they are expected in a drop folder. A missing folder is an empty scan. Files of
    other types than ``suffixes`` are listed as ignored (``None``: every file is a data file).
    """
    root = Path(landing_root).resolve()
    scan = LandingScan()
    try:
        top = confined(root, folder)
    except OutsideLanding as exc:
        scan.refused.append(LandingNotice(folder, str(exc).split(": ", 1)[1]))
        return scan
    if top.is_symlink():
        scan.refused.append(LandingNotice(folder, "symbolic link refused (the feed folder must be a real folder)"))
        return scan
    if not top.is_dir():
        return scan
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        current = Path(dirpath)
        kept_dirs = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            if (current / name).is_symlink():
                scan.refused.append(LandingNotice(_relative(current / name, root), "symbolic link refused"))
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            path = current / name
            relative = _relative(path, root)
            if name.startswith(".") or name.lower().endswith(IN_PROGRESS_SUFFIXES):
                continue
            if path.is_symlink():
                scan.refused.append(LandingNotice(relative, "symbolic link refused"))
                continue
            if not path.resolve().is_relative_to(root):
                scan.refused.append(LandingNotice(relative, "resolves outside the landing folder, refused"))
                continue
            if suffixes is not None and not name.lower().endswith(suffixes):
                scan.ignored.append(
                    LandingNotice(relative, f"not a data file ({', '.join(DATA_SUFFIXES)}), ignored")
                )
                continue
            stat = path.stat()
            scan.files.append(LandingFile(path, relative, stat.st_size, stat.st_mtime, root))
    scan.files.sort(key=lambda f: f.relative)
    scan.refused.sort(key=lambda n: n.relative)
    scan.ignored.sort(key=lambda n: n.relative)
    return scan


def landing_files(landing_root: Path) -> list[Path]:
    """Every file ingestion would read, in all feed folders (what a landing sensor watches).

    Paths are under ``landing_root`` as given, so callers can take them relative to it.
    """
    paths = []
    for folder in sorted({feed.landing_folder for feed in contract.ALL_FEEDS} | {contract.INBOX_FOLDER}):
        suffixes = DATA_SUFFIXES if folder == "reference" else REPORT_SUFFIXES
        for file in scan_folder(landing_root, folder, suffixes).files:
            if folder != "reference" or reference_table_of(file.relative):
                paths.append(Path(landing_root) / file.relative)
    return paths


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def reference_table_of(relative: str) -> str | None:
    """The reference table a file in ``reference/`` holds, recognised by its file name.

    ``skus.csv``, ``skus_2026-11-01.csv`` and ``skus-export.parquet`` all hold ``skus``. The
    longest matching table name wins so a table named like another's prefix stays unambiguous.
    """
    stem = relative.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    matches = [
        feed.name
        for feed in contract.REFERENCE_TABLES
        if stem == feed.name or stem.startswith((f"{feed.name}_", f"{feed.name}-"))
    ]
    return max(matches, key=len) if matches else None


def newest_first(files: list[LandingFile]) -> list[LandingFile]:
    """Files ordered newest first: by modification time, then by path for equal times."""
    return sorted(files, key=lambda f: (f.mtime, f.relative), reverse=True)


def read_confined(file: LandingFile) -> bytes:
    """The file's bytes, refusing a path swapped for a symbolic link since the scan."""
    return _read_inside(file, None)


def read_head(file: LandingFile, size: int) -> bytes:
    """The file's first ``size`` bytes, refusing a link as ``read_confined`` does."""
    return _read_inside(file, size)


def _read_inside(file: LandingFile, size: int | None) -> bytes:
    # O_NOFOLLOW refuses a last component swapped for a link; the real-path check below refuses a
    # parent folder swapped for one (the file opened must be the one inside the root).
    fd = os.open(file.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        if file.root is not None:
            real = Path(os.path.realpath(file.path))
            opened = os.fstat(handle.fileno())
            try:
                same = os.path.samestat(opened, real.stat())
            except OSError:
                same = False
            if not real.is_relative_to(file.root) or not same:
                raise OutsideLanding(f"{file.relative}: resolves outside the landing folder, refused")
        return handle.read() if size is None else handle.read(size)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
