"""What a batch does for each recording, by default and when asked (issue 12)."""

from navar.batch import work
from navar.batch.work import WorkOptions
from transcribe import speech_model


def test_a_batch_translates_only_with_a_model_that_can_or_when_asked():
    assert WorkOptions().stages(has_reference=False) == ["add", "transcribe"]  # bundled base
    assert WorkOptions(translate=True).stages(False) == ["add", "transcribe", "translate"]
    assert WorkOptions(model="small").stages(True) == ["add", "transcribe", "translate", "align"]
    assert WorkOptions(model="small", translate=False).stages(False) == ["add", "transcribe"]


def test_a_worker_loads_models_on_the_batch_device(tmp_path):
    # run_recording is what a local worker or a Dask worker runs: it sets the process's model
    # defaults from the batch's options, so align's loads follow --device/--compute-type too.
    options = WorkOptions(device="cpu", compute_type="float32", cpu_threads=1)
    try:
        assert work.run_recording(str(tmp_path), "0" * 12, "x.wav", None, [], options) == []
        assert speech_model.device_settings() == ("cpu", "float32")
    finally:
        speech_model.set_defaults(device="auto", compute_type="default", cpu_threads=0)
