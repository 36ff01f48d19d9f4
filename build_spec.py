"""Build the one-folder Rendo program with PyInstaller: dist/rendo/rendo (rendo.exe on Windows).

Run: .venv/bin/python build_spec.py [--distpath DIR] [--workpath DIR]
Then: dist/rendo/rendo --smoke
This is a script that calls PyInstaller, not a .spec file.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

import PyInstaller.__main__

ROOT = Path(__file__).resolve().parent
RESOURCES = ROOT / "resources"

# Loaded by name at run time, so PyInstaller's import scan cannot see them.
HIDDEN_IMPORTS = ["playhouse.db_url", "playhouse.migrate", "playhouse.sqlite_ext"]
COLLECT_SUBMODULES = ["app", "keyring.backends"]


def data_files() -> list[tuple[Path, str]]:
    """resources/ files the program reads, as (source, folder inside the bundle)."""
    files = [(qm, "resources/translations") for qm in sorted(RESOURCES.glob("translations/*.qm"))]
    files += [
        (RESOURCES / "icons" / name, "resources/icons") for name in ("rendo.png", "rendo.svg")
    ]
    missing = [str(source) for source, _ in files if not source.is_file()]
    if missing or not any(source.suffix == ".qm" for source, _ in files):
        raise SystemExit(f"build_spec: missing resources: {missing or 'translations/*.qm'}")
    return files


def pyinstaller_args(distpath: Path, workpath: Path) -> list[str]:
    args = [
        str(ROOT / "app" / "__main__.py"),
        "--name=rendo",
        "--onedir",
        "--windowed",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={distpath}",
        f"--workpath={workpath}",
        f"--specpath={workpath}",
        f"--paths={ROOT}",
    ]
    args += [f"--add-data={source}{os.pathsep}{dest}" for source, dest in data_files()]
    args += [f"--hidden-import={name}" for name in HIDDEN_IMPORTS]
    args += [f"--collect-submodules={name}" for name in COLLECT_SUBMODULES]
    args.append("--exclude-module=tkinter")
    args += icon_args(sys.platform, workpath)
    return args


def icon_args(platform: str, workpath: Path) -> list[str]:
    """The program's icon: rendo.ico on Windows; on macOS an .icns made from rendo.png (PyInstaller
    would need Pillow to convert either); Linux programs take theirs from a desktop file."""
    if platform == "win32":
        return [f"--icon={RESOURCES / 'icons' / 'rendo.ico'}"]
    if platform == "darwin":
        icns = workpath / "rendo.icns"
        icns.parent.mkdir(parents=True, exist_ok=True)
        icns.write_bytes(icns_from_png((RESOURCES / "icons" / "rendo.png").read_bytes()))
        return [f"--icon={icns}", "--osx-bundle-identifier=com.rendo.Rendo"]
    return []


# An .icns entry may hold a PNG as it is (macOS 10.7 and later), one type per pixel size.
_ICNS_TYPES = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def icns_from_png(png: bytes) -> bytes:
    """A macOS icon file holding *png* (square, 128, 256, 512 or 1024 pixels) unchanged."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise SystemExit("build_spec: rendo.png is not a PNG file")
    width, height = struct.unpack(">II", png[16:24])
    if width != height or width not in _ICNS_TYPES:
        raise SystemExit(f"build_spec: rendo.png is {width}×{height}; the icon needs a square "
                         f"of {', '.join(map(str, _ICNS_TYPES))} pixels")
    entry = _ICNS_TYPES[width] + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(entry)) + entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distpath", type=Path, default=ROOT / "dist")
    parser.add_argument("--workpath", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    PyInstaller.__main__.run(pyinstaller_args(args.distpath.resolve(), args.workpath.resolve()))
    print(f"built {args.distpath.resolve() / 'rendo'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
