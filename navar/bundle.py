"""Evidence bundles: one recording as a BagIt package (RFC 8493), made and checked with ``bagit``.

The payload (``data/``) mirrors the archive's own paths, so the custody log inside it can be
checked against the bundled files exactly as ``navar verify ID`` checks the archive::

    data/README.md                         what each file is and how to check it (fa + en)
    data/media/<id>.<ext>                  the original, bit for bit (absent with --no-media)
    data/original.json                     the original's SHA-256, size and name
    data/transcripts/<id>/recording.json   what the recording is
    data/transcripts/<id>/tracks/*.json    every track, in Navar's transcript JSON
    data/transcripts/<id>/custody.jsonl    the chain-of-custody log
    data/transcripts/<id>/timestamps/      RFC 3161 tokens with the TSA's certificates
    data/subtitles/<track>.vtt             every track as WebVTT
    data/citations.json                    the citations made (from the custody log)
    data/iiif/manifest.json                IIIF Presentation 3 manifest with the annotations

The bag's manifests carry SHA-256 and SHA-512 of every payload file; ``bag-info.txt`` names the
recording and its hash.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import bagit

from transcribe import __version__, atomic, custody, subtitles
from transcribe.archive import Archive
from transcribe.errors import NavarError
from transcribe.transcript import recording_from_dict
from web import iiif

from . import timestamps

CHECKSUMS = ["sha256", "sha512"]
# Where the manifest says the audio and annotations live when the bundle is not published by a
# player: .invalid is reserved for names that resolve nowhere (RFC 2606), so nobody mistakes it.
DEFAULT_BASE_URL = "https://navar.invalid/"
MAX_UNZIPPED = 64 << 30  # refuse a zip that claims to unpack to more than this (a zip bomb)


class BundleError(NavarError):
    """A bundle cannot be made or read."""


def build(
    archive: Archive, rec_id: str, out: Path, media: bool = True, base_url: str = DEFAULT_BASE_URL
) -> Path:
    """Write the bag to ``out`` (a folder, or a .zip); returns ``out``. Never half-written."""
    out = Path(out)
    if out.exists():
        raise BundleError(f"{out} exists; give a new name")
    rec = archive.recording(rec_id)
    src_dir = archive.custody_path(rec_id).parent
    archive.start_custody_log(rec_id)  # an old recording's bundle still carries a log
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bundle.", dir=out.parent) as tmp:
        stage = Path(tmp) / (out.stem if out.suffix.lower() == ".zip" else out.name)
        own = stage / "transcripts" / rec_id
        own.mkdir(parents=True)
        media_path = archive.media_path(rec_id)
        if media:
            (stage / "media").mkdir()
            shutil.copy2(media_path, stage / "media" / rec.media)
        original = {"sha256": rec.sha256, "size": media_path.stat().st_size,
                    "file": f"media/{rec.media}", "original_name": rec.original_name,
                    "included": media}  # fmt: skip
        _write_json(stage / "original.json", original)
        shutil.copy2(src_dir / "recording.json", own / "recording.json")
        if archive.custody_path(rec_id).is_file():
            shutil.copy2(archive.custody_path(rec_id), own / custody.LOG_NAME)
        if (src_dir / "timestamps").is_dir():
            shutil.copytree(src_dir / "timestamps", own / "timestamps")
        tracks = archive.tracks(rec_id)
        (own / "tracks").mkdir()
        (stage / "subtitles").mkdir()
        for t in tracks:
            shutil.copy2(src_dir / "tracks" / f"{t.id}.json", own / "tracks" / f"{t.id}.json")
            (stage / "subtitles" / f"{t.id}.vtt").write_text(
                subtitles.export(t, "vtt"), encoding="utf-8"
            )
        cited = custody.citations(custody.read(own / custody.LOG_NAME).entries)
        _write_json(stage / "citations.json", cited)
        (stage / "iiif").mkdir()
        _write_json(stage / "iiif" / "manifest.json", iiif.manifest(rec, tracks, cited, base_url))
        (stage / "README.md").write_text(_readme(rec, tracks, media), encoding="utf-8")
        bagit.make_bag(
            str(stage),
            {
                "Source-Organization": "Navar archive",
                "External-Description": f"Recording «{rec.title}» with its transcripts, "
                "custody log, timestamps and citations",
                "External-Identifier": f"sha256:{rec.sha256}",
                "Navar-Recording-Id": rec_id,
                "Navar-Version": __version__,
                "Contact-Name": custody.actor(),
            },
            checksums=CHECKSUMS,
        )
        if out.suffix.lower() == ".zip":
            with atomic.atomic_path(out) as tmp_zip:
                _zip(stage, tmp_zip)
        else:
            stage.rename(out)  # same file system: atomic
    sha = custody.sha256_of(out) if out.is_file() else _tagmanifest_sha(out)
    archive.log_event(rec_id, "bundled", outputs=[custody.file_ref(archive.root, out, sha)],
                      details={"media_included": media})  # fmt: skip
    return out


def _tagmanifest_sha(folder: Path) -> str:
    # A folder has no one hash; its tag manifest fixes every file's hash, so hash that.
    return custody.sha256_of(folder / "tagmanifest-sha256.txt")


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _zip(stage: Path, target: Path) -> None:
    media = stage / "data" / "media"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(stage.rglob("*")):
            if path.is_file():
                # audio is compressed already: deflating it costs time and saves nothing
                how = zipfile.ZIP_STORED if media in path.parents else zipfile.ZIP_DEFLATED
                zf.write(path, Path(stage.name) / path.relative_to(stage), compress_type=how)


# --- checking ---------------------------------------------------------------------------------


def verify_report(path: Path, say: Callable[[str], None]) -> bool:
    """``navar verify BUNDLE``: bag checksums, custody chain and files, timestamp tokens."""
    path = Path(path)
    if path.is_file():
        with tempfile.TemporaryDirectory(prefix="navar-bundle-") as tmp:
            return _verify_dir(_unzip(path, Path(tmp)), say, path.name)
    return _verify_dir(path, say, path.name)


def _unzip(path: Path, into: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise BundleError(f"{path.name}: unpacks to more than {MAX_UNZIPPED >> 30} GB")
            for info in zf.infolist():
                target = (into / info.filename).resolve()
                if into.resolve() not in target.parents:
                    raise BundleError(f"{path.name}: a file would unpack outside the bundle")
            zf.extractall(into)
    except zipfile.BadZipFile as exc:
        raise BundleError(f"{path.name}: not a zip file ({exc})") from exc
    tops = [p for p in into.iterdir() if p.is_dir()]
    if len(tops) != 1 or not (tops[0] / "bagit.txt").is_file():
        raise BundleError(f"{path.name}: not a Navar bundle (no single bag folder inside)")
    return tops[0]


def _verify_dir(bag_dir: Path, say: Callable[[str], None], name: str) -> bool:
    ok = True
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate()
        say(f"  ok   bag checksums: {len(bag.payload_entries())} files, SHA-256 and SHA-512")
    except bagit.BagValidationError as exc:
        ok = False
        say(f"  FAIL bag checksums: {exc.message}")
        for d in exc.details or []:
            say(f"  FAIL {d}")
    except bagit.BagError as exc:
        say(f"  FAIL not a valid bag: {exc}")
        say(f"{name}: NOT verified")
        return False
    data = bag_dir / "data"
    own_dirs = [p for p in (data / "transcripts").glob("*") if (p / "recording.json").is_file()]
    if len(own_dirs) != 1:
        say("  FAIL the bundle holds no single recording")
        say(f"{name}: NOT verified")
        return False
    own = own_dirs[0]
    try:
        rec = recording_from_dict(json.loads((own / "recording.json").read_text("utf-8")))
        original = json.loads((data / "original.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        say(f"  FAIL recording.json or original.json unreadable ({exc})")
        say(f"{name}: NOT verified")
        return False
    media_file = data / "media" / rec.media
    present = [own / "recording.json", *sorted((own / "tracks").glob("*.json"))]
    if media_file.is_file():
        present.append(media_file)
        sha = custody.sha256_of(media_file)
        good = sha == rec.sha256
        say(f"  {'ok  ' if good else 'FAIL'} original: SHA-256 {sha}" + ("" if good else
            f", but the recording is {rec.sha256}"))  # fmt: skip
        ok = ok and good
    elif original.get("sha256") == rec.sha256 and not original.get("included", True):
        say(f"  note the original is not in the bundle; its SHA-256 is {rec.sha256} "
            f"({original.get('size')} bytes): check the file you have against it")  # fmt: skip
    else:
        say("  FAIL the original is missing from the bundle")
        ok = False
    check = custody.verify(data, own / custody.LOG_NAME, present)
    if not media_file.is_file():  # --no-media: the log's own record of the original stands
        check.changed = [c for c in check.changed if not c.startswith(f"media/{rec.media}:")]
    from .cli.evidence_cmds import _report_custody

    ok = _report_custody(check, name) and ok
    entries = custody.read(own / custody.LOG_NAME).entries
    folders = sorted(p for p in (own / "timestamps").glob("*") if p.is_dir())
    if not folders:
        say("  note no trusted timestamps in the bundle")
    for folder in folders:
        for line, good in timestamps.verify_folder(folder, rec.sha256, entries):
            say(("  ok   " if good else "  FAIL ") + line)
            ok = ok and good
    say(f"{name}: " + ("verified" if ok else "NOT verified (see FAIL lines)"))
    return ok


def _readme(rec, tracks, media: bool) -> str:
    rid = rec.id
    track_lines = (
        "\n".join(
            f"- `transcripts/{rid}/tracks/{t.id}.json`, `subtitles/{t.id}.vtt`: {t.label}"
            for t in tracks
        )
        or "- (no tracks)"
    )
    media_fa = (
        f"`media/{rec.media}`: فایل اصلی، بایت به بایت همان که بایگانی شد."
        if media
        else "فایل اصلی در این بسته نیست؛ هش و اندازه‌اش در `original.json` است."
    )
    media_en = (f"`media/{rec.media}`: the original, bit for bit as archived."
                if media else "The original is not in this bundle; its hash and size are in "
                "`original.json`.")  # fmt: skip
    return f"""# «{rec.title}»

SHA-256: `{rec.sha256}`

## فارسی

این بسته یک ضبط صوتی را با همه‌ی متن‌ها، ترجمه‌ها، نقل‌قول‌ها و زنجیره‌ی نگهداری (chain of custody)
آن در قالب استاندارد BagIt (RFC 8493) در بر دارد.

- {media_fa}
- `original.json`: هش SHA-256، اندازه و نام فایل اصلی.
- `transcripts/{rid}/recording.json`: مشخصات ضبط (عنوان، مدت، زبان).
- `transcripts/{rid}/tracks/*.json` و `subtitles/*.vtt`: متن‌ها و ترجمه‌ها با زمان‌بندی؛ هر کدام
  می‌گوید ماشینی است یا انسانی.
- `transcripts/{rid}/custody.jsonl`: دفتر زنجیره‌ی نگهداری؛ هر سطر یک رویداد (چه کسی، چه زمانی، با
  کدام فرمان، و هش هر فایل ورودی و خروجی). هر سطر هش سطر پیشین را دارد، پس حذف یا تغییر یک سطر آشکار
  می‌شود.
- `transcripts/{rid}/timestamps/`: مهرهای زمانی معتبر RFC 3161 با گواهی‌های مرجع مهر زمانی.
- `citations.json`: نقل‌قول‌هایی که از این ضبط شده است.
- `iiif/manifest.json`: مانیفست IIIF Presentation 3 با متن‌ها و نقل‌قول‌ها به شکل حاشیه‌نویسی وب.

### وارسی

با Navar: `navar verify {rid}.zip` (یا پوشه‌ی بسته). این فرمان هش همه‌ی فایل‌ها، زنجیره‌ی دفتر
نگهداری و امضای مهرهای زمانی را بدون اینترنت می‌سنجد.

بدون Navar: در پوشه‌ی بسته `sha256sum -c manifest-sha256.txt` همه‌ی فایل‌ها را می‌سنجد؛ مهر زمانی
فایل اصلی را با OpenSSL بسنجید (فرمان در بخش انگلیسی).

## English

This bundle holds one recording with its transcripts, translations, citations and chain of
custody, as a BagIt package (RFC 8493).

- {media_en}
- `original.json`: the original's SHA-256, size and file name.
- `transcripts/{rid}/recording.json`: what the recording is (title, duration, language).
{track_lines}
- `transcripts/{rid}/custody.jsonl`: the chain-of-custody log: one event per line (who, when,
  which command, and the SHA-256 of every input and output). Each line carries the hash of the
  line before it, so a removed or edited line is detected.
- `transcripts/{rid}/timestamps/<time>/`: RFC 3161 trusted timestamps: `original.tsr` signs the
  original's SHA-256, `custody-head.tsr` signs the last custody entry at that time (and so every
  entry before it); `tsa-chain.pem` holds the authority's certificates; `request.json` says what
  was stamped.
- `citations.json`: the citations made of this recording.
- `iiif/manifest.json`: an IIIF Presentation 3 manifest; tracks are supplementing annotations,
  citations are W3C Web Annotations with a Media Fragments selector (`t=start,end`). Its URLs
  are under `https://navar.invalid/` unless the bundle was made for a published player.

### How to check it

With Navar: `navar verify {rid}.zip` (or the bundle's folder) checks every file's checksum, the
custody chain, and the timestamp signatures, offline. It exits with status 1 if anything fails.

Without Navar, in the bundle's folder:

    sha256sum -c manifest-sha256.txt          # every file is as bundled
    sha256sum data/media/*                    # the original: compare with the SHA-256 above
    openssl ts -verify -digest {rec.sha256} \\
      -in data/transcripts/{rid}/timestamps/*/original.tsr \\
      -CAfile data/transcripts/{rid}/timestamps/*/tsa-chain.pem

Check the authority's root certificate in `tsa-chain.pem` against the one it publishes: a
timestamp is only as trustworthy as the authority that signed it.

Made by Navar {__version__}.
"""
