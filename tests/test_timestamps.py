"""RFC 3161 timestamps against a throwaway TSA made with OpenSSL: the offline request, a stored
reply verified with its signed time, a tampered token and a token for another hash refused."""

from __future__ import annotations

import json

import pytest
from evidence_helpers import navar, tone
from throwaway_tsa import ThrowawayTSA

from navar import timestamps
from transcribe import custody
from transcribe.archive import Archive


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    return ThrowawayTSA(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def requested(tmp_path):
    """An archived recording whose timestamp request could not be sent (no network here)."""
    root = tmp_path / "archive"
    rec_id = navar(root, "add", str(tone(tmp_path / "w.wav"))).output.split()[1]
    # a closed local port: fails at once, like an offline machine
    r = navar(root, "timestamp", rec_id, "--tsa", "http://127.0.0.1:9/tsr", "--timeout", "2")
    assert r.exit_code == 3, r.output
    assert "curl -sS -H 'Content-Type: application/timestamp-query'" in r.output
    folder = next(timestamps.timestamps_dir(Archive(root), rec_id).iterdir())
    return root, rec_id, folder


def _answer(tsa, folder, out_dir):
    paths = []
    for kind in timestamps.KINDS:
        path = out_dir / f"{kind}.tsr"
        path.write_bytes(tsa.sign((folder / f"{kind}.tsq").read_bytes()))
        paths.append(path)
    return paths


def test_offline_request_then_reply_verifies_with_its_time(requested, tsa, tmp_path):
    root, rec_id, folder = requested
    info = json.loads((folder / "request.json").read_text())
    archive = Archive(root)
    assert info["imprints"]["original"]["sha256"] == archive.recording(rec_id).sha256
    head = custody.read(archive.custody_path(rec_id)).entries[0]
    assert info["imprints"]["custody-head"]["sha256"] == custody.entry_hash(head)

    replies = _answer(tsa, folder, tmp_path)
    args = [a for p in replies for a in ("--reply", str(p))]
    r = navar(root, "timestamp", rec_id, *args, "--tsa-cert", str(tsa.root_pem))
    assert r.exit_code == 0, r.output
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 0, r.output
    assert "ok   timestamp of the original: signed at 20" in r.output
    assert "ok   timestamp of the custody log up to entry 1: signed at" in r.output
    assert "CN=Navar Test TSA" in r.output
    assert [e["event"] for e in custody.read(archive.custody_path(rec_id)).entries] == [
        "added", "timestamped", "timestamped"
    ]  # fmt: skip


def test_a_tampered_token_is_refused(requested, tsa, tmp_path):
    root, rec_id, folder = requested
    replies = _answer(tsa, folder, tmp_path)
    navar(root, "timestamp", rec_id, "--reply", str(replies[0]), "--tsa-cert", str(tsa.root_pem))
    token = bytearray((folder / "original.tsr").read_bytes())
    chain = (folder / "tsa-chain.pem").read_bytes()
    sha = Archive(root).recording(rec_id).sha256
    assert timestamps.check_token(bytes(token), sha, chain)[0]
    # flip one byte of the signed time (GeneralizedTime ends in 'Z'): the signature must fail
    at = token.index(b"Z", token.index(bytes.fromhex(sha)))
    token[at - 1] ^= 0x01
    ok, message = timestamps.check_token(bytes(token), sha, chain)
    assert not ok and "does not verify" in message


def test_a_token_for_another_hash_is_refused(requested, tsa, tmp_path):
    root, rec_id, folder = requested
    other = tsa.sign(timestamps.make_query("ab" * 32))
    (tmp_path / "other.tsr").write_bytes(other)
    r = navar(root, "timestamp", rec_id, "--reply", str(tmp_path / "other.tsr"))
    assert r.exit_code == 1 and "which no request of recording" in r.output
    assert not (folder / "original.tsr").exists()
    # and checked directly against the recording's hash, it does not verify
    sha = Archive(root).recording(rec_id).sha256
    ok, message = timestamps.check_token(other, sha, tsa.root_pem.read_bytes())
    assert not ok and "does not verify" in message


def test_a_token_from_an_unknown_authority_is_refused(requested, tsa, tmp_path):
    root, rec_id, folder = requested
    replies = _answer(tsa, folder, tmp_path)
    impostor = ThrowawayTSA(tmp_path / "impostor", name="Impostor TSA")
    sha = Archive(root).recording(rec_id).sha256
    ok, message = timestamps.check_token(
        replies[0].read_bytes(), sha, impostor.root_pem.read_bytes()
    )
    assert not ok
    ok, message = timestamps.check_token(replies[0].read_bytes(), sha, b"")
    assert not ok and "no root certificate" in message


def test_verify_fails_when_a_stored_token_is_swapped(requested, tsa, tmp_path):
    root, rec_id, folder = requested
    replies = _answer(tsa, folder, tmp_path)
    args = [a for p in replies for a in ("--reply", str(p))]
    assert navar(root, "timestamp", rec_id, *args, "--tsa-cert", str(tsa.root_pem)).exit_code == 0
    # the custody-head token where the original's should be: a valid token, for another hash
    (folder / "original.tsr").write_bytes((folder / "custody-head.tsr").read_bytes())
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 1
    assert "FAIL timestamp of the original: the token does not verify" in r.output


def test_online_tsa_signs_at_once(tsa, tmp_path):
    """The same throwaway TSA behind HTTP, as a real one is: the tokens are stored directly."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            assert self.headers["Content-Type"] == "application/timestamp-query"
            reply = tsa.sign(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = tmp_path / "archive"
        rec_id = navar(root, "add", str(tone(tmp_path / "w.wav"))).output.split()[1]
        url = f"http://127.0.0.1:{server.server_address[1]}/tsr"
        r = navar(root, "timestamp", rec_id, "--tsa", url, "--tsa-cert", str(tsa.root_pem))
        assert r.exit_code == 0, r.output
        assert "original: signed by the TSA, stored" in r.output
        r = navar(root, "verify", rec_id)
        assert r.exit_code == 0, r.output
        assert r.output.count("ok   timestamp of") == 2
    finally:
        server.shutdown()
        server.server_close()


def test_rewriting_the_timestamped_log_is_caught(requested, tsa, tmp_path):
    """Even a forger who rewrites the whole chain consistently cannot match the signed head."""
    root, rec_id, folder = requested
    replies = _answer(tsa, folder, tmp_path)
    args = [a for p in replies for a in ("--reply", str(p))]
    assert navar(root, "timestamp", rec_id, *args, "--tsa-cert", str(tsa.root_pem)).exit_code == 0
    log = Archive(root).custody_path(rec_id)
    entries = custody.read(log).entries
    entries[0]["actor"] = "someone else"
    prev = None
    for e in entries:  # re-chain every entry so the chain itself checks out
        e["prev"] = custody.entry_hash(prev) if prev else None
        prev = e
    log.write_bytes(b"".join(custody.canonical(e) + b"\n" for e in entries))
    assert custody.check_chain(custody.read(log).entries) == []
    r = navar(root, "verify", rec_id)
    assert r.exit_code == 1
    assert "custody entries up to 1 were changed after they were timestamped" in r.output
