"""Export tracks as WebVTT, SRT, plain text or JSON, and import VTT, SRT or text as tracks.

WebVTT and SRT go through webvtt-py. Right-to-left cues start with U+200F RIGHT-TO-LEFT MARK:
a browser lays out each cue as a bidi paragraph whose direction comes from its first strong
character, so a Persian cue that starts with a digit or a Latin name would otherwise be drawn
left to right.

An export travels alone, so it says what it is: plain text starts with a header (recording
title, id and SHA-256, track and kind) and gives each line its times; a machine track's export
in every format says it is machine output not to be quoted unchecked (a NOTE in WebVTT, a first
cue in SRT, which has no comments, and a header line in text). Importing such a file back
skips what the export added.

Speakers travel too: a WebVTT cue starts with a voice span ``<v Name>``, an SRT cue and a text
line with ``Name: ``; importing reads them back (and plain "Name: text" lines, see
``transcribe.speakers``) as display names on the segments, which ``speakers.attach`` turns into
the recording's speaker ids before the track is saved.
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from . import speakers
from .errors import FormatError
from .transcript import Provenance, Recording, Segment, Track, segment_id, track_to_dict

RLM = "\u200f"
RTL_LANGUAGES = {"fa", "ar", "he", "ur", "ps", "ckb", "yi"}
EXPORT_FORMATS = ("vtt", "srt", "txt", "json")
IMPORT_FORMATS = ("vtt", "srt", "txt")
MEDIA_TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def is_rtl(language: str) -> bool:
    return language.split("-")[0].lower() in RTL_LANGUAGES


# --- export -------------------------------------------------------------------------------------


# An SRT reader shows this cue over the first seconds; the file says it to anyone quoting it.
MACHINE_CUE_S = 4.0
TEXT_HEADER = "# Navar transcript:"
_TEXT_TIMES = re.compile(r"^\[(?:\d+:\d\d:\d\d\.\d{3}-\d+:\d\d:\d\d\.\d{3}|untimed)\] ")


_WARNING_END = "do not quote it without checking against the audio"


def machine_warning(track: Track) -> str:
    return f"{track.label} ({track.id}): machine output, not checked by a person; {_WARNING_END}"


def export(track: Track, fmt: str, recording: Recording | None = None) -> str:
    """``track`` as ``fmt``; with its ``recording``, text and WebVTT also name the recording."""
    if fmt == "vtt":
        return to_vtt(track, recording)
    if fmt == "srt":
        return to_srt(track, recording)
    if fmt == "txt":
        return to_text(track, recording)
    if fmt == "json":
        return json.dumps(track_to_dict(track), ensure_ascii=False, indent=1) + "\n"
    raise FormatError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def speaker_name(seg: Segment, recording: Recording | None) -> str | None:
    """The display name of ``seg``'s speaker (its id when the recording is not at hand)."""
    if seg.speaker is None:
        return None
    return recording.speaker_name(seg.speaker) if recording is not None else seg.speaker


def _captions(track: Track, escape: bool, recording: Recording | None = None) -> webvtt.WebVTT:
    vtt = webvtt.WebVTT()
    rtl = is_rtl(track.language)
    for seg in track.segments:
        if not seg.timed or not seg.text.strip():
            continue
        text = " ".join(seg.text.split())
        name = speaker_name(seg, recording)
        if escape:  # cue text is markup in WebVTT; transcript text is data
            text = _escape(text)
        elif name:
            text = f"{name}: {text}"
        if rtl:
            text = RLM + text
        if escape and name:  # the voice span opens the cue; the mark still leads the text
            text = f"<v {_escape(' '.join(name.split()))}>{text}"
        vtt.captions.append(
            webvtt.Caption(
                start=timestamp(seg.start),
                end=timestamp(max(seg.end, seg.start + 0.001)),
                text=text,
                identifier=seg.id,
            )
        )
    return vtt


def header(track: Track, recording: Recording | None = None) -> list[str]:
    """What an export says about itself: the recording, the track, and for machine output a
    warning."""
    lines = [f"{track.id} ({track.label})"]
    if recording is not None:
        lines += [f"Recording: {recording.title}",
                  f"Recording id {recording.id}, SHA-256 {recording.sha256}"]  # fmt: skip
    else:
        lines.append(f"Recording id {track.recording_id}")
    if track.is_machine:
        lines.append("WARNING: " + machine_warning(track))
    return lines


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(track: Track, recording: Recording | None = None) -> str:
    vtt = _captions(track, escape=True, recording=recording)
    if track.is_machine:
        vtt.header_comments.append(machine_warning(track))
    if recording is not None:
        title = _escape(recording.title)  # also keeps "-->" from ending the NOTE
        vtt.header_comments.append(f"{title}; recording id {recording.id}, SHA-256 "
                                   f"{recording.sha256}")  # fmt: skip
    buf = io.StringIO()
    vtt.write(buf, format="vtt")
    return buf.getvalue()


def to_srt(track: Track, recording: Recording | None = None) -> str:
    captions = _captions(track, escape=False, recording=recording)
    if track.is_machine:  # SRT has no comments: the warning is the first cue
        warning = webvtt.Caption(start=timestamp(0), end=timestamp(MACHINE_CUE_S),
                                 text=f"[{machine_warning(track)}]")  # fmt: skip
        captions.captions.insert(0, warning)
    buf = io.StringIO()
    captions.write(buf, format="srt")
    return buf.getvalue()


def to_text(track: Track, recording: Recording | None = None) -> str:
    """A header (``# `` lines), a blank line, then each line with its times."""
    lines = [TEXT_HEADER + " " + header(track, recording)[0]]
    lines += [f"# {x}" for x in header(track, recording)[1:]]
    lines.append("")
    for s in track.segments:
        if not s.text.strip():
            continue
        when = f"{timestamp(s.start)}-{timestamp(s.end)}" if s.timed else "untimed"
        name = speaker_name(s, recording)
        who = f"{name}: " if name else ""
        lines.append(f"[{when}] {who}{' '.join(s.text.split())}")
    return "\n".join(lines) + "\n"


def timestamp(seconds: float) -> str:
    """Seconds as HH:MM:SS.mmm, the form WebVTT and citations use."""
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


# --- import -------------------------------------------------------------------------------------


def guess_format(path: Path) -> str:
    ext = Path(path).suffix.lower().lstrip(".")
    if ext in IMPORT_FORMATS:
        return ext
    return "txt"


# More text than this per second of audio is not a transcript of it (fast speech is about 15
# characters a second; a translation with notes perhaps twice that). Below MIN_TEXT_LIMIT
# characters any text is accepted, so short clips can carry a long title line.
MAX_CHARS_PER_SECOND = 60
MIN_TEXT_LIMIT = 2000
# A cue may run this far past the recording's end (a subtitle held on the last frame) before
# its end is cut back to the end of the audio.
END_TOLERANCE_S = 1.0

# Cue text markup that only styles text. Any other <...> is text a person wrote ("<inaudible>").
_VTT_TAGS = re.compile(
    r"</?(?:c|i|b|u|v|lang|ruby|rt)(?:\.[^\s>]*)?(?:\s[^>]*)?>|<\d+:\d{2}(?::\d{2})?\.\d{3}>"
)
_SRT_TAGS = re.compile(r"</?(?:i|b|u|font)(?:\s[^>]*)?>|\{\\an\d\}")
_TIMING_LINE = re.compile(
    r"\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
)


def read_track(
    path: Path,
    recording_id: str,
    language: str,
    kind: str,
    track_id: str | None = None,
    fmt: str | None = None,
    software: str = "navar",
    duration: float | None = None,
    known_speakers: tuple[str, ...] = (),
) -> Track:
    """Read a VTT, SRT or text file as a track. Text gives untimed segments, one per line.

    Text a person wrote is kept as written (only styling tags are dropped); what cannot be kept
    is refused naming the cue. What was repaired (NUL bytes removed, a cue's end cut back to the
    end of the recording) is said in the track's provenance notes. With ``duration`` (the
    recording's, in seconds), cues after the end and absurd amounts of text are refused.

    Segments carry their speaker's display name (``known_speakers``, the recording's, are
    always recognised as prefixes); ``speakers.attach`` turns them into ids.
    """
    path = Path(path)
    fmt = fmt or guess_format(path)
    if not path.is_file():  # a FIFO would wait for a writer for ever
        raise FormatError(f"{path}: not a regular file (a folder, pipe or device)")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise FormatError(f"{path}: {exc.strerror}") from exc
    if duration is not None:
        check_text_amount(len(raw), duration, path)
    notes: list[str] = []
    if fmt == "txt":
        segments = parse_text(raw, known_speakers, notes=notes)
    elif fmt in ("vtt", "srt"):
        segments = parse_captions(raw, fmt, path, known_speakers, notes=notes, duration=duration)
    else:
        raise FormatError(f"unknown import format {fmt!r}; choose one of {IMPORT_FORMATS}")
    if not segments:
        raise FormatError(f"{path}: no text found")
    return Track(
        id=track_id or f"{language}.{kind}",
        recording_id=recording_id,
        language=language,
        kind=kind,
        provenance=Provenance(
            software=software, source=path.name, settings={"format": fmt}, notes=notes
        ),
        segments=segments,
    )


def check_text_amount(chars: int, duration: float, path: Path | str) -> None:
    """Refuse text far longer than the recording could hold (MAX_CHARS_PER_SECOND)."""
    limit = max(MIN_TEXT_LIMIT, MAX_CHARS_PER_SECOND * duration)
    if chars > limit:
        raise FormatError(
            f"{path}: {chars:,} characters of text for {duration:.1f} s of audio is more than "
            f"{MAX_CHARS_PER_SECOND} characters per second; is it the transcript of this "
            "recording? Nothing was imported"
        )


def parse_text(
    raw: str, known_speakers: tuple[str, ...] = (), notes: list[str] | None = None
) -> list[Segment]:
    """One untimed segment per non-blank line; a Navar text export's header and times are
    dropped (``navar align`` puts the text in time again). "Name: text" lines name a speaker."""
    notes = notes if notes is not None else []
    raw_lines = raw.splitlines()
    if raw_lines and raw_lines[0].startswith(TEXT_HEADER):
        while raw_lines and raw_lines[0].startswith("#"):
            raw_lines.pop(0)
        raw_lines = [_TEXT_TIMES.sub("", line) for line in raw_lines]
    lines = []
    for n, line in enumerate(raw_lines, 1):
        if "\x00" in line:
            notes.append(f"line {n}: removed {line.count(chr(0))} NUL byte(s)")
            line = line.replace("\x00", "")
        line = " ".join(line.replace(RLM, "").split())
        if line:
            lines.append(line)
    return [
        Segment(id=segment_id(i), start=None, end=None, text=t, speaker=name)
        for i, (name, t) in enumerate(speakers.split_lines(lines, known_speakers))
    ]


def parse_captions(
    raw: str,
    fmt: str,
    path: Path | str = "<text>",
    known_speakers: tuple[str, ...] = (),
    notes: list[str] | None = None,
    duration: float | None = None,
) -> list[Segment]:
    """Timed segments from WebVTT or SRT cues; a ``<v Name>`` voice span or a "Name: "
    prefix names the speaker."""
    notes = notes if notes is not None else []
    try:
        vtt = webvtt.WebVTT.from_buffer(io.StringIO(raw), format=fmt)
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise FormatError(f"{path}: not a valid {fmt.upper()} file ({exc})") from exc
    _check_arrows_kept(raw, vtt.captions, path)
    tags = _VTT_TAGS if fmt == "vtt" else _SRT_TAGS
    segments: list[Segment] = []
    previous_end = None
    for n, cap in enumerate(vtt.captions, 1):
        where = f"{path}: cue {n} ({cap.start})"
        text = cap.raw_text
        if "\x00" in text:
            notes.append(f"cue {n} ({cap.start}): removed {text.count(chr(0))} NUL byte(s)")
            text = text.replace("\x00", "")
        text = tags.sub("", text)
        if fmt == "vtt":
            text = html.unescape(text)
        text = " ".join(text.replace(RLM, "").split())
        if text.startswith("[") and text.endswith(_WARNING_END + "]"):
            continue  # the machine-output warning to_srt adds
        voice = html.unescape(" ".join(cap.voice.split())) if fmt == "vtt" and cap.voice else None
        start = cap.start_in_seconds + _ms(cap.start)
        end = cap.end_in_seconds + _ms(cap.end)
        if end < start:
            raise FormatError(f"{where}: it ends ({cap.end}) before it starts; fix its times")
        if duration is not None and start >= duration:
            raise FormatError(
                f"{where}: it starts after the recording ends ({timestamp(duration)}); "
                "is the file for this recording?"
            )
        if duration is not None and end > duration + END_TOLERANCE_S:
            notes.append(
                f"cue {n} ({cap.start}): its end {cap.end} is after the recording's end; "
                f"cut back to {timestamp(duration)}"
            )
            end = duration
        if previous_end is not None and start < previous_end - 0.001:
            notes.append(
                f"cue {n} ({cap.start}): starts {previous_end - start:.3f} s before the previous "
                "cue ends (overlap kept as written)"
            )
        if text:
            segments.append(Segment(segment_id(len(segments)), start, end, text, speaker=voice))
            previous_end = end if previous_end is None else max(previous_end, end)
    if not any(s.speaker for s in segments):  # no voice spans: look for "Name: " prefixes
        found = speakers.split_lines([s.text for s in segments], known_speakers)
        for seg, (name, text) in zip(segments, found, strict=True):
            seg.speaker, seg.text = name, text
    return segments


def _check_arrows_kept(raw: str, captions, path) -> None:
    """A line with "-->" that is not a cue's timing is cue text the parser would have lost
    (WebVTT takes it for the start of a new cue): refuse, naming the line."""
    kept = "\n".join(c.raw_text for c in captions)
    for n, line in enumerate(raw.splitlines(), 1):
        if "-->" in line and not _TIMING_LINE.match(line) and line.strip() not in kept:
            raise FormatError(
                f"{path}: line {n} ({line.strip()[:60]!r}) has '-->' in a cue's text, which "
                "the format does not allow; write it as '--&gt;' (VTT) or reword it, and import "
                "again. Nothing was imported"
            )


def _ms(ts: str) -> float:
    # webvtt-py's *_in_seconds are whole seconds; keep the milliseconds.
    return int(ts.rsplit(".", 1)[-1].rsplit(",", 1)[-1]) / 1000
