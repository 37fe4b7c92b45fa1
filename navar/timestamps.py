"""RFC 3161 trusted timestamps of a recording's original and of its custody log's head.

A time-stamping authority (TSA) signs a hash and the time it saw it, so nobody can later claim the
original or the log was made or changed after that time. Two tokens per request: one over the
original's SHA-256 (anyone with the file can check it), one over the hash of the custody log's
last entry (which fixes every entry before it, through the chain).

The request (``.tsq``) is made by OpenSSL's ``ts -query`` from the digest we already have, so a
recording of gigabytes is never read again; replies (``.tsr``) are parsed and checked offline by
``rfc3161-client`` (signature, certificate chain, the timeStamping key usage, the hash). Each
request lives in ``transcripts/<id>/timestamps/<UTC time>/`` with ``request.json`` saying what was
stamped and ``tsa-chain.pem``, the TSA's certificates, so a token can be checked years later
without a network.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from transcribe import atomic, custody
from transcribe.archive import Archive
from transcribe.errors import NavarError

# FreeTSA: free, public, and publishes its root certificate (https://freetsa.org/files/cacert.pem).
DEFAULT_TSA = "https://freetsa.org/tsr"
# Seconds to wait for a TSA before writing the request for sending by hand: short, so an offline
# machine answers at once.
DEFAULT_TIMEOUT = 10.0
OPENSSL_TIMEOUT = 30.0  # ts -query on a digest is instant; a hang must not block the command
KINDS = ("original", "custody-head")


class TimestampError(NavarError):
    """A timestamp cannot be requested, stored or checked."""


@dataclass
class Outcome:
    kind: str
    stored: bool
    message: str


def timestamps_dir(archive: Archive, rec_id: str) -> Path:
    return archive.custody_path(rec_id).parent / "timestamps"


def make_query(digest_hex: str) -> bytes:
    """A DER TimeStampReq for a SHA-256 digest, asking for the TSA's certificate."""
    if shutil.which("openssl") is None:
        raise TimestampError("openssl is not installed (scripts/install.sh installs it)")
    try:
        proc = subprocess.run(
            ["openssl", "ts", "-query", "-digest", digest_hex, "-sha256", "-cert"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=OPENSSL_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise TimestampError("openssl ts -query did not answer") from exc
    if proc.returncode != 0 or not proc.stdout:
        raise TimestampError(f"openssl ts -query failed: {proc.stderr.decode()[-300:].strip()}")
    return proc.stdout


def send(url: str, query: bytes, timeout: float) -> bytes:
    req = urllib.request.Request(
        url, data=query, headers={"Content-Type": "application/timestamp-query"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read(1 << 20)  # a token is a few kB; never read without bound
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"the TSA at {url} did not answer ({exc})") from exc


def request(
    archive: Archive, rec_id: str, tsa: str = DEFAULT_TSA, timeout: float = DEFAULT_TIMEOUT,
    chain: bytes = b"",
) -> tuple[Path, list[Outcome]]:  # fmt: skip
    """Make the two requests, send them, store what comes back; returns the folder and outcomes."""
    rec = archive.recording(rec_id)
    archive.start_custody_log(rec_id)  # an old recording: there must be a head to stamp
    head = custody.read(archive.custody_path(rec_id)).entries
    if not head:
        raise TimestampError(f"recording {rec_id} has no readable custody log to timestamp")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = timestamps_dir(archive, rec_id) / stamp
    n = 2
    while folder.exists():
        folder = folder.with_name(f"{stamp}-{n}")
        n += 1
    imprints = {
        "original": {"sha256": rec.sha256, "path": f"media/{rec.media}"},
        "custody-head": {"sha256": custody.entry_hash(head[-1]), "seq": head[-1]["seq"]},
    }
    info = {"tsa": tsa, "requested": custody.utc_now(), "recording": rec_id, "imprints": imprints}
    atomic.write_text(folder / "request.json", json.dumps(info, indent=1) + "\n")
    if chain:
        _add_chain(folder, chain)
    outcomes = []
    for kind in KINDS:
        query = make_query(imprints[kind]["sha256"])
        atomic.write_bytes(folder / f"{kind}.tsq", query)
        try:
            reply = send(tsa, query, timeout)
            store_reply(folder, kind, reply, imprints[kind]["sha256"])
            outcomes.append(Outcome(kind, True, f"{kind}: signed by the TSA, stored"))
        except TimestampError as exc:
            outcomes.append(Outcome(kind, False, f"{kind}: {exc}"))
    _log(archive, rec_id, folder)
    return folder, outcomes


def curl_commands(folder: Path, tsa: str) -> list[str]:
    return [
        f"curl -sS -H 'Content-Type: application/timestamp-query' --data-binary "
        f"@{folder / (kind + '.tsq')} {tsa} -o {kind}.tsr"
        for kind in KINDS
        if not (folder / f"{kind}.tsr").is_file()
    ]


def attach(archive: Archive, rec_id: str, replies: list[Path], chain: bytes = b"") -> list[Outcome]:
    """Store replies obtained elsewhere, each matched to its pending request by its hash."""
    from rfc3161_client import decode_timestamp_response

    pending = {}
    base = timestamps_dir(archive, rec_id)
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        info = _request_info(folder)
        for kind, imp in (info or {}).get("imprints", {}).items():
            pending[imp["sha256"]] = (folder, kind)
    outcomes, touched = [], set()
    for path in replies:
        data = Path(path).read_bytes()
        try:
            digest = decode_timestamp_response(data).tst_info.message_imprint.message.hex()
        except Exception as exc:  # the parser raises its own types on garbage
            raise TimestampError(f"{path}: not an RFC 3161 timestamp reply ({exc})") from exc
        if digest not in pending:
            raise TimestampError(
                f"{path}: the token is for hash {digest[:16]}…, which no request of recording "
                f"{rec_id} asked for"
            )
        folder, kind = pending[digest]
        store_reply(folder, kind, data, digest)
        if chain:
            _add_chain(folder, chain)
        touched.add(folder)
        outcomes.append(Outcome(kind, True, f"{kind}: stored in {folder.name}"))
    for folder in sorted(touched):
        _log(archive, rec_id, folder)
    return outcomes


def store_reply(folder: Path, kind: str, reply: bytes, digest_hex: str) -> None:
    from rfc3161_client import PKIStatus, decode_timestamp_response

    try:
        tsr = decode_timestamp_response(reply)
    except Exception as exc:
        raise TimestampError(f"the TSA's answer is not a timestamp reply ({exc})") from exc
    if PKIStatus(tsr.status) != PKIStatus.GRANTED:
        raise TimestampError(f"the TSA refused: status {tsr.status} {tsr.status_string}")
    if tsr.tst_info.message_imprint.message.hex() != digest_hex:
        raise TimestampError("the TSA signed a different hash than the one asked for")
    atomic.write_bytes(folder / f"{kind}.tsr", reply)
    embedded = b"".join(
        x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        for der in tsr.signed_data.certificates
    )
    _add_chain(folder, embedded)


def _add_chain(folder: Path, pem: bytes) -> None:
    """Keep every certificate once: the TSA's own (from the token) and its CAs (from the user)."""
    path = folder / "tsa-chain.pem"
    have = _certs(path.read_bytes()) if path.is_file() else []
    seen = {c.fingerprint(hashes.SHA256()) for c in have}
    for cert in _certs(pem):
        if cert.fingerprint(hashes.SHA256()) not in seen:
            have.append(cert)
            seen.add(cert.fingerprint(hashes.SHA256()))
    if have:
        pems = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in have)
        atomic.write_bytes(path, pems)


def _certs(pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem) if pem.strip() else []
    except ValueError as exc:
        raise TimestampError(f"not a PEM certificate file ({exc})") from exc


def _log(archive: Archive, rec_id: str, folder: Path) -> None:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    archive.log_event(rec_id, "timestamped", outputs=[archive.file_ref(p) for p in files],
                      details={"request": folder.name})  # fmt: skip


def _request_info(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "request.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- checking ---------------------------------------------------------------------------------


def check_token(reply: bytes, digest_hex: str, chain_pem: bytes) -> tuple[bool, str]:
    """Offline: the signature, the chain up to a root in ``chain_pem``, and the hash."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        tsr = decode_timestamp_response(reply)
    except Exception as exc:
        return False, f"unreadable token ({exc})"
    certs = _certs(chain_pem) if chain_pem else []
    roots = [c for c in certs if c.subject == c.issuer]
    if not roots:
        return False, "no root certificate of the TSA is stored (give it with --tsa-cert)"
    builder = VerifierBuilder()
    for c in roots:
        builder = builder.add_root_certificate(c)
    for c in certs:
        if c.subject != c.issuer:
            builder = builder.add_intermediate_certificate(c)
    try:
        builder.build().verify(tsr, bytes.fromhex(digest_hex))
    except VerificationError as exc:
        return False, f"the token does not verify: {exc}"
    except ValueError as exc:
        return False, f"the token does not verify: {exc}"
    when = tsr.tst_info.gen_time
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    root = roots[0]
    fp = root.fingerprint(hashes.SHA256()).hex()
    return True, (
        f"signed at {when.isoformat().replace('+00:00', 'Z')} by "
        f"{_signer(tsr, certs)}; root {root.subject.rfc4514_string()} "
        f"(SHA-256 fingerprint {fp[:32]}…: compare with the TSA's published one)"
    )


def _signer(tsr, certs) -> str:
    for si in tsr.signed_data.signer_infos:
        for c in certs:
            if c.issuer == si.issuer and c.serial_number == si.serial_number:
                return c.subject.rfc4514_string()
    return "the TSA"


def verify_folder(
    folder: Path, original_sha: str, log_entries: list[dict]
) -> list[tuple[str, bool]]:
    """Check one request folder's tokens against the original's hash and the log."""
    info = _request_info(folder)
    if info is None:
        return [(f"timestamp {folder.name}: request.json unreadable", False)]
    chain = (folder / "tsa-chain.pem").read_bytes() if (folder / "tsa-chain.pem").is_file() else b""
    out = []
    for kind in KINDS:
        imp = info.get("imprints", {}).get(kind, {})
        token = folder / f"{kind}.tsr"
        if not token.is_file():
            out.append((f"timestamp {folder.name} {kind}: requested, no reply stored yet "
                        "(see navar timestamp --reply)", True))  # fmt: skip
            continue
        if kind == "original":
            want, what = original_sha, "the original"
            if imp.get("sha256") != original_sha:
                out.append((f"timestamp {folder.name}: requested for another file", False))
                continue
        else:
            seq = imp.get("seq")
            entry = next((e for e in log_entries if e.get("seq") == seq), None)
            if entry is None:
                out.append((f"timestamp {folder.name}: custody entry {seq} is gone", False))
                continue
            want, what = custody.entry_hash(entry), f"the custody log up to entry {seq}"
            if imp.get("sha256") != want:
                out.append((f"timestamp {folder.name}: custody entries up to {seq} were changed "
                            "after they were timestamped", False))  # fmt: skip
                continue
        good, message = check_token(token.read_bytes(), want, chain)
        out.append((f"timestamp of {what}: {message}", good))
    return out


def verify_all(archive: Archive, rec_id: str) -> list[tuple[str, bool]]:
    base = timestamps_dir(archive, rec_id)
    if not base.is_dir():
        return [("no trusted timestamps (navar timestamp ID makes one)", True)]
    rec = archive.recording(rec_id)
    entries = custody.read(archive.custody_path(rec_id)).entries
    out = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        out += verify_folder(folder, rec.sha256, entries)
    return out
