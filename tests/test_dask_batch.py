"""navar batch on Dask distributed: a LocalCluster on loopback, the catalog kept by the client."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from navar import synthetic
from navar.batch.catalog import Catalog
from navar.batch.runner import BatchOptions, run_batch
from navar.batch.work import WorkOptions
from navar.cli import main
from transcribe.archive import Archive

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    # One in-process worker thread over real TCP on 127.0.0.1: the same path a cluster takes.
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    ) as c:  # fmt: skip
        yield c


def test_batch_on_a_local_dask_cluster(cluster, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    audio, _ = synthetic.synthesize(["امروز هوا آفتابی است."], lead=0.3)
    audio.export(src / "one.wav", format="wav")
    (src / "broken.mp3").write_bytes(b"ID3" + b"\x00" * 500)
    archive = Archive(tmp_path / "archive")
    options = BatchOptions(
        work=WorkOptions(translate=True), scheduler=cluster.scheduler_address, progress=False
    )
    assert options.scheduler.startswith("tcp://127.0.0.1:")
    summary = run_batch(archive, [src], options)
    assert summary.processed == 1 and summary.scheduler == cluster.scheduler_address
    assert [f["source"].endswith("broken.mp3") for f in summary.failed] == [True]
    (rec,) = archive.recordings()
    assert archive.track_ids(rec.id) == ["en.mt", "fa.asr"]
    # The client wrote every outcome into the catalog, under this batch.
    stages = {s["stage"]: s for s in Catalog(archive).stage_rows([rec.id])}
    assert {k: s["status"] for k, s in stages.items()} == {
        "add": "done", "transcribe": "done", "translate": "done",
    }  # fmt: skip
    assert all(s["batch"] == summary.batch and s["attempts"] == 1 for s in stages.values())
    assert not [r for r in Catalog(archive).recording_rows() if r["status"] == "running"]

    # The command line takes the same path; what is done is skipped, the broken file listed.
    args = ["--archive", str(archive.root), "-q", "batch", str(src), "--json"]
    out = CliRunner().invoke(main, [*args, "--scheduler", cluster.scheduler_address])
    again = json.loads(out.output)
    assert out.exit_code == 1 and again["processed"] == 0 and again["skipped"] == 1
    assert len(again["failed"]) == 1 and again["scheduler"] == cluster.scheduler_address
