"""A signed provenance manifest inside each cited clip: C2PA, binding it to the original's hash
and span.

C2PA (the Coalition for Content Provenance and Authenticity standard) is what journalists' and
platforms' tools read; ``c2pa-python`` embeds and checks it offline for MP3, WAV and FLAC, the
clip formats Navar writes except Ogg. An Ogg clip gets a signed sidecar instead
(``<clip>.provenance.json``): the same statement, signed with the same key (ECDSA P-256, SHA-256).

The signing key belongs to the archive: made on first use in ``transcripts/.signing/`` (a root
certificate and a signer certificate under it; the key file is readable by its owner only). A
reader sees the signature is intact and which archive signed; trusting that archive is the
reader's decision, so the root's fingerprint is printed to compare with the one the archive
publishes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from transcribe import __version__, atomic, custody
from transcribe.archive import Archive
from transcribe.errors import NavarError

C2PA_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".flac": "audio/flac"}
ASSERTION = "org.navar.citation"
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
SIDECAR_FORMAT = "navar-clip-provenance/1"
KEY_YEARS = 10  # how long the archive's signing certificates are valid


class ProvenanceError(NavarError):
    """A clip's provenance cannot be written or read."""


@dataclass
class Identity:
    key: ec.EllipticCurvePrivateKey
    chain_pem: bytes  # signer certificate, then the root

    @property
    def root(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[-1]


def signing_dir(archive: Archive) -> Path:
    return archive.transcripts_dir / ".signing"


def identity(archive: Archive) -> Identity:
    """The archive's signing key and certificates, made on first use."""
    d = signing_dir(archive)
    key_path, chain_path = d / "signer.key", d / "chain.pem"
    if key_path.is_file() and chain_path.is_file():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return Identity(key, chain_path.read_bytes())
    d.mkdir(parents=True, exist_ok=True)
    name = archive.root.name or "archive"
    now = dt.datetime.now(dt.timezone.utc)
    until = now + dt.timedelta(days=365 * KEY_YEARS)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Navar archive {name} root"),
                           x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Navar")])  # fmt: skip
    root = (
        x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Navar archive {name}"),
                                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Navar")]))
        .issuer_name(root_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                       critical=True)
        # C2PA accepts a signer with the e-mail protection purpose (it refuses one with none)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                       False)
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip
    pem = serialization.Encoding.PEM
    chain = signer.public_bytes(pem) + root.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    atomic.write_bytes(key_path, key_pem)
    os.chmod(key_path, 0o600)
    atomic.write_bytes(chain_path, chain)
    os.chmod(chain_path, 0o644)  # public: it goes out with every signed clip
    return Identity(key, chain)


def statement(citation: dict, clip_offset: float) -> dict:
    """What the clip is: the original's hash, the span, where the span sits in the clip."""
    return {
        "original_sha256": citation["sha256"],
        "recording_id": citation["recording_id"],
        # an object, not a pair: c2pa's JSON-to-CBOR conversion drops an array of floats
        "span": {"start": citation["start"], "end": citation["end"]},
        "clip_offset": round(clip_offset, 3),
        "citation": citation,
        "software": f"navar {__version__}",
    }


def sign_clip(archive: Archive, clip: Path, citation: dict, clip_offset: float) -> Path:
    """Embed a C2PA manifest (or write a signed sidecar for Ogg); returns the file written."""
    clip = Path(clip)
    ident = identity(archive)
    stated = statement(citation, clip_offset)
    mime = C2PA_TYPES.get(clip.suffix.lower())
    if mime is None:
        return _write_sidecar(clip, stated, ident)
    import c2pa

    manifest = {
        "claim_generator_info": [{"name": "navar", "version": __version__}],
        "title": clip.name,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [{
                "action": "c2pa.created",
                # the audio is a recording's, only cut: still a capture, not synthetic
                "digitalSourceType": DIGITAL_CAPTURE,
                "description": f"cut by navar from the recording with SHA-256 "
                f"{citation['sha256']}, span {citation['start']}–{citation['end']} s",
            }]}},
            {"label": ASSERTION, "data": stated},
        ],
    }  # fmt: skip
    key_pem = ident.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())  # fmt: skip
    info = c2pa.C2paSignerInfo(alg=c2pa.C2paSigningAlg.ES256, sign_cert=ident.chain_pem,
                               private_key=key_pem, ta_url=None)  # fmt: skip
    try:
        signer = c2pa.Signer.from_info(info)
        builder = c2pa.Builder(json.dumps(manifest, ensure_ascii=False))
        with atomic.atomic_path(clip) as tmp, open(clip, "rb") as src, open(tmp, "w+b") as dst:
            builder.sign(signer, mime, src, dst)
    except c2pa.C2paError as exc:
        raise ProvenanceError(
            f"{clip.name}: the C2PA manifest could not be signed ({exc})"
        ) from exc
    return clip


def _payload(data: dict) -> bytes:
    return custody.canonical({k: v for k, v in data.items() if k != "signature"})


def _write_sidecar(clip: Path, stated: dict, ident: Identity) -> Path:
    data = {"format": SIDECAR_FORMAT, "clip": clip.name, "clip_sha256": custody.sha256_of(clip),
            **stated, "certificate_chain": ident.chain_pem.decode()}  # fmt: skip
    sig = ident.key.sign(_payload(data), ec.ECDSA(hashes.SHA256()))
    data["signature"] = base64.b64encode(sig).decode()
    path = sidecar_path(clip)
    atomic.write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return path


def sidecar_path(clip: Path) -> Path:
    return Path(clip).with_name(Path(clip).name + ".provenance.json")


@dataclass
class ClipCheck:
    ok: bool
    message: str
    statement: dict | None = None


def check_clip(clip: Path) -> ClipCheck:
    """Offline: is the clip's provenance intact, and what does it say?"""
    clip = Path(clip)
    if clip.suffix.lower() not in C2PA_TYPES:
        return _check_sidecar(clip)
    import c2pa

    try:
        report = json.loads(c2pa.Reader(str(clip)).json())
    except c2pa.C2paError as exc:
        return ClipCheck(False, f"{clip.name}: no readable C2PA manifest ({exc})")
    active = report.get("manifests", {}).get(report.get("active_manifest"), {})
    stated = next((a["data"] for a in active.get("assertions", []) if a["label"] == ASSERTION),
                  None)  # fmt: skip
    codes = [v.get("code") for v in report.get("validation_status", [])]
    # The archive's own root is not a public C2PA trust anchor: that alone is not a failure.
    failures = [c for c in codes if c != "signingCredential.untrusted"]
    if report.get("validation_state") == "Invalid" or failures or stated is None:
        what = ", ".join(failures) or "no Navar citation assertion"
        return ClipCheck(False, f"{clip.name}: C2PA manifest does NOT verify ({what})", stated)
    signer = active.get("signature_info", {}).get("common_name", "the archive")
    return ClipCheck(True, f"{clip.name}: C2PA manifest intact, signed by {signer}; "
                     f"{_what(stated)}", stated)  # fmt: skip


def _what(stated: dict) -> str:
    span = stated.get("span") or {}
    return (f"cut from the recording with SHA-256 {stated.get('original_sha256')}, "
            f"span {span.get('start')}–{span.get('end')} s, starting "
            f"{stated.get('clip_offset')} s into the original")  # fmt: skip


def _check_sidecar(clip: Path) -> ClipCheck:
    path = sidecar_path(clip)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        certs = x509.load_pem_x509_certificates(data["certificate_chain"].encode())
        certs[0].public_key().verify(base64.b64decode(data["signature"]), _payload(data),
                                     ec.ECDSA(hashes.SHA256()))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, InvalidSignature) as exc:
        return ClipCheck(False, f"{path.name}: signed provenance missing or broken ({exc!r})")
    if custody.sha256_of(clip) != data.get("clip_sha256"):
        return ClipCheck(False, f"{clip.name}: the clip was changed after it was signed", data)
    return ClipCheck(True, f"{clip.name}: signed provenance intact; {_what(data)}", data)
