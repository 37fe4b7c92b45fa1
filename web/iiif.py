"""A recording as an IIIF Presentation 3 manifest, built with ``iiif-prezi3``.

One canvas as long as the recording; the original audio is its painting annotation; every track
is a page of supplementing annotations (one per timed segment, with its language and whether a
machine or a person made it); citations are W3C Web Annotations on the canvas, selecting their
span with a Media Fragments selector (``t=start,end``) and their words with a TextQuoteSelector.

A pure function of the recording, its tracks and citations: the player serves it at
``/iiif/<id>/manifest.json`` and ``navar bundle`` writes it into a package.
"""

from __future__ import annotations

import json

from iiif_prezi3 import (
    Annotation,
    AnnotationPage,
    Canvas,
    FragmentSelector,
    Manifest,
    SpecificResource,
    TextQuoteSelector,
    TextualBody,
)

from transcribe.transcript import KIND_LABELS, Recording, Track

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg",
               ".flac": "audio/flac", ".m4a": "audio/mp4", ".opus": "audio/ogg"}  # fmt: skip
MACHINE_KINDS = ("asr", "mt")


def manifest(rec: Recording, tracks: list[Track], citations: list[dict], base_url: str) -> dict:
    """The manifest as JSON-LD (a dict); ``base_url`` is where the player is published."""
    base = base_url.rstrip("/")
    own = f"{base}/iiif/{rec.id}"
    canvas_id = f"{own}/canvas"
    duration = round(float(rec.duration), 3)

    def clamp(t: float) -> float:
        return round(min(max(float(t), 0.0), duration), 3)

    ext = "." + rec.media.rsplit(".", 1)[-1].lower() if "." in rec.media else ""
    audio = Annotation(
        id=f"{own}/annotation/audio",
        motivation="painting",
        body={
            "id": f"{base}/media/{rec.id}",
            "type": "Sound",
            "format": AUDIO_TYPES.get(ext, "application/octet-stream"),
            "duration": duration,
        },
        target=canvas_id,
    )
    canvas = Canvas(
        id=canvas_id,
        label={"none": [rec.title]},
        duration=duration,
        items=[AnnotationPage(id=f"{own}/page/audio", items=[audio])],
    )
    pages = []
    for track in tracks:
        kind = "machine" if track.kind in MACHINE_KINDS else "human"
        creator = _creator(track, kind)
        items = []
        for seg in track.segments:
            if not seg.timed or seg.end <= seg.start:
                continue
            start, end = clamp(seg.start), clamp(seg.end)
            if end <= start:
                continue
            speaker = rec.speaker_name(seg.speaker)
            items.append(
                Annotation(
                    id=f"{own}/annotation/{track.id}/{seg.id}",
                    # Who speaks, where the transcript says (IIIF's label; W3C has no field).
                    **({"label": {"none": [speaker]}} if speaker else {}),
                    motivation="supplementing",
                    body=TextualBody(
                        value=seg.text,
                        language=track.language,
                        format="text/plain",
                        creator=creator,
                    ),
                    target=f"{canvas_id}#t={start},{end}",
                )
            )
        pages.append(
            AnnotationPage(
                id=f"{own}/page/{track.id}",
                label={"en": [f"{track.id}: {KIND_LABELS[track.kind]} ({kind})"]},
                items=items,
            )
        )
    cited = [_citation(c, f"{own}/annotation/citation/{i}", canvas_id, clamp)
             for i, c in enumerate(citations, 1)]  # fmt: skip
    if cited:
        pages.append(
            AnnotationPage(id=f"{own}/page/citations", label={"en": ["citations"]}, items=cited)
        )
    if pages:
        canvas.annotations = pages
    man = Manifest(
        id=f"{own}/manifest.json",
        label={"none": [rec.title]},
        summary={"en": [f"Recording {rec.id}, SHA-256 {rec.sha256}"]},
        metadata=[
            {"label": {"en": ["SHA-256 of the original"]}, "value": {"none": [rec.sha256]}},
            {"label": {"en": ["Duration (s)"]}, "value": {"none": [str(duration)]}},
            {"label": {"en": ["Language"]}, "value": {"none": [rec.language]}},
            {"label": {"en": ["Original file name"]}, "value": {"none": [rec.original_name]}},
            *(
                [{"label": {"en": ["Speakers"]}, "value": {"none": [s.name for s in rec.speakers]}}]
                if rec.speakers
                else []
            ),
        ],
        items=[canvas],
    )
    return json.loads(man.jsonld())


def _creator(track: Track, kind: str) -> dict:
    """W3C Web Annotation agent: who wrote a segment's text (a program, or a person)."""
    p = track.provenance
    if kind == "machine":
        return {"type": "Software", "name": " ".join(x for x in (p.software, p.model) if x)}
    source = f", from {p.source}" if p.source else ""
    return {"type": "Person", "name": KIND_LABELS[track.kind] + source}


def _citation(cit: dict, anno_id: str, canvas_id: str, clamp) -> Annotation:
    start, end = clamp(cit["start"]), clamp(cit["end"])
    quoted = " ".join(t.get("text", "") for t in cit.get("texts", [])[:1]) or cit.get("query") or ""
    lines = [f"«{cit.get('title', '')}», {cit.get('start_time')}–{cit.get('end_time')}"]
    lines += [f"{t['language']} ({t['track']}): {t['text']}" for t in cit.get("texts", [])]
    lines.append(f"recording SHA-256 {cit.get('sha256')}")
    selectors = [FragmentSelector(conformsTo=MEDIA_FRAGMENTS, value=f"t={start},{end}")]
    if quoted:
        selectors.append(TextQuoteSelector(exact=quoted))
    return Annotation(
        id=anno_id,
        motivation="commenting",
        body=TextualBody(value="\n".join(lines), format="text/plain"),
        target=SpecificResource(source=canvas_id, selector=selectors),
    )


def annotation_spans(data: dict) -> list[tuple[str, float, float]]:
    """(annotation id, start, end) of every timed annotation in a manifest's JSON: for checks."""
    out = []
    for canvas in data.get("items", []):
        for page in canvas.get("items", []) + canvas.get("annotations", []):
            for anno in page.get("items", []):
                target = anno.get("target")
                if isinstance(target, str) and "#t=" in target:
                    a, b = target.split("#t=")[1].split(",")
                    out.append((anno["id"], float(a), float(b)))
                elif isinstance(target, dict):
                    for sel in target.get("selector", []):
                        if sel.get("type") == "FragmentSelector":
                            a, b = sel["value"][2:].split(",")
                            out.append((anno["id"], float(a), float(b)))
    return out
