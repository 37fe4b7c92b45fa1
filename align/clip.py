"""Cut the audio of a citation (with a little context) and carry the citation in its metadata.

pydub does the cutting and encoding (through ffmpeg); the citation JSON goes into the file's
``comment`` tag (ID3 COMM for MP3, the INFO ICMT chunk for WAV, a Vorbis comment for Ogg and
FLAC), so a clip that travels alone still says what it is and where it came from.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydub import AudioSegment

from transcribe import atomic, audio
from transcribe.archive import Archive
from transcribe.errors import AudioError

from .citation import Citation, CitationError

CLIP_FORMATS = {".mp3": "mp3", ".wav": "wav", ".ogg": "ogg", ".flac": "flac"}
# The tag goes to ffmpeg as one argument, which Linux caps at 128 KiB: a long clip's citation
# drops its readable copy (``text``) before it gets near that.
MAX_COMMENT_BYTES = 64_000


def write_clip(archive: Archive, citation: Citation, out: Path, context: float = 1.0) -> float:
    """Write the cited span plus ``context`` seconds each side to ``out``; returns its offset."""
    out = Path(out)
    fmt = CLIP_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise CitationError(
            f"{out.name}: clips can be written as {', '.join(CLIP_FORMATS)} (by the file name)"
        )
    media = archive.media_path(citation.recording_id)
    whole = AudioSegment.from_file(media)
    a = max(0.0, citation.start - context)
    b = min(len(whole) / 1000, citation.end + context)
    piece = whole[int(a * 1000) : int(b * 1000)]
    tags = clip_tags(citation, a)
    with atomic.atomic_path(out) as tmp:
        # A codec makes pydub go through ffmpeg for WAV too, which writes the tags.
        codec = "pcm_s16le" if fmt == "wav" else None
        piece.export(tmp, format=fmt, tags=tags, codec=codec)
    return a


def clip_tags(citation: Citation, offset: float) -> dict[str, str]:
    """The clip's title and comment tags: the citation as JSON, with where the clip starts in
    the original and the citation as people read it (which says how each text is tied to the
    audio, e.g. a translation cited by whole sentence)."""
    data = citation.to_dict() | {"clip_offset": round(offset, 3), "text": citation.text}
    comment = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(comment.encode()) > MAX_COMMENT_BYTES:  # the JSON alone says it too
        del data["text"]
        comment = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return {"title": f"{citation.title} [{citation.start_time}–{citation.end_time}]",
            "comment": comment}  # fmt: skip


def clip_citation(path: Path) -> dict | None:
    """The citation a clip made by ``write_clip`` carries, or None."""
    try:
        info = audio.ffprobe(path)
        tags = dict(info.get("format", {}).get("tags", {}))
        for stream in info.get("streams", []):  # Ogg keeps its comments on the stream
            tags.update(stream.get("tags", {}))
        comment = next((v for k, v in tags.items() if k.lower() == "comment"), None)
        return json.loads(comment) if comment else None
    except (AudioError, json.JSONDecodeError, AttributeError):
        return None
