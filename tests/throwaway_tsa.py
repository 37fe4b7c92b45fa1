"""A throwaway RFC 3161 time-stamping authority made with OpenSSL at test time.

A root CA and a TSA certificate (extendedKeyUsage critical timeStamping, as RFC 3161 requires);
``sign(query)`` answers a TimeStampReq the way a real TSA's HTTP endpoint would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args: str, cwd: Path) -> bytes:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


class ThrowawayTSA:
    def __init__(self, folder: Path, name: str = "Navar Test TSA"):
        self.dir = Path(folder)
        self.dir.mkdir(parents=True, exist_ok=True)
        d = self.dir
        _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key",
             "-out", "root.pem", "-days", "30", "-subj", f"/CN={name} Root/O=Navar tests",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)  # fmt: skip
        _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key",
             "-out", "tsa.csr", "-subj", f"/CN={name}/O=Navar tests", cwd=d)  # fmt: skip
        (d / "tsa.ext").write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,nonRepudiation\n"
            "extendedKeyUsage=critical,timeStamping\n"
        )
        _run(
            "openssl",
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-out",
            "tsa.pem",
            "-days",
            "30",
            "-extfile",
            "tsa.ext",
            cwd=d,
        )
        (d / "chain.pem").write_bytes((d / "tsa.pem").read_bytes())
        (d / "serial").write_text("01\n")
        (d / "tsa.cnf").write_text(_CONFIG.format(dir=d))
        self.root_pem = d / "root.pem"

    def sign(self, query: bytes) -> bytes:
        (self.dir / "q.tsq").write_bytes(query)
        _run("openssl", "ts", "-reply", "-config", str(self.dir / "tsa.cnf"),
             "-queryfile", "q.tsq", "-out", "r.tsr", cwd=self.dir)  # fmt: skip
        return (self.dir / "r.tsr").read_bytes()
