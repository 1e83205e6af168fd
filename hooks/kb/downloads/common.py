"""What the builders share: Chinese font sizes and byte-for-byte reproducible zip files."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

# 字号 → points, as Word defines them.
SIZES_PT = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
            "四号": 14, "小四": 12, "五号": 10.5, "小五": 9}

# Fixed timestamp for file properties and zip entries: the same data gives the same bytes.
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def reproducible_zip(data: bytes, level: int = 9) -> bytes:
    """Rewrite an OOXML zip with fixed entry times, permissions and compression (deflate at `level`)."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return zip_parts([(info.filename, src.read(info.filename)) for info in src.infolist()], level)


def zip_parts(parts: list[tuple[str, bytes]], level: int = 9) -> bytes:
    """An OOXML zip of these parts, in this order, with fixed entry times and permissions."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts:
            fixed = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            if name == "docProps/core.xml":
                # Writers stamp the save time here (openpyxl does); pin it like every other time.
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", data)
            dst.writestr(fixed, data, compresslevel=level)
    return out.getvalue()


def zip_folder(folder: str | Path, dest: str | Path) -> int:
    """Zip a built site reproducibly (sorted names, fixed times); returns the number of files.

    A missing or empty folder raises ValueError before dest is touched: an empty offline
    edition is a failed build, not a zip to publish. A failure while writing removes dest."""
    folder, dest = Path(folder), Path(dest)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder, nothing to zip")
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise ValueError(f"{folder} has no files, nothing to zip")
    try:
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                name = "评价改革知识库/" + path.relative_to(folder).as_posix()
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.flag_bits |= 0x800  # UTF-8 names
                zf.writestr(info, path.read_bytes(), compresslevel=9)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return len(files)
