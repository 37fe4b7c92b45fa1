"""Model resolution: the bundled base (assembled once, verified), a folder, a name offline."""

import os

import pytest

from transcribe import audio, speech_model
from transcribe.errors import ModelLoadError


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NAVAR_MODEL_CACHE", str(tmp_path / "models"))
    return tmp_path / "models"


def test_bundled_model_is_assembled_once_and_verified(fresh_cache):
    source = speech_model.resolve(None)
    assert source.kind == "bundled" and source.checksum == speech_model.BUNDLED_SHA256
    folder = fresh_cache / "whisper-base"
    model_bin = folder / "model.bin"
    assert model_bin.stat().st_size == speech_model.BUNDLED_SIZE
    assert {p.name for p in folder.iterdir()} == {
        "model.bin", "config.json", "tokenizer.json", "vocabulary.txt", ".navar-verified",
    }  # fmt: skip
    stamp = model_bin.stat().st_mtime_ns
    assert speech_model.resolve("base").location == str(folder)
    assert model_bin.stat().st_mtime_ns == stamp  # reused, not concatenated again


def test_a_damaged_cache_is_rebuilt(fresh_cache):
    folder = speech_model.ensure_bundled()
    (folder / "model.bin").chmod(0o644)
    with open(folder / "model.bin", "r+b") as fh:
        fh.truncate(1000)
    speech_model.ensure_bundled()
    assert (folder / "model.bin").stat().st_size == speech_model.BUNDLED_SIZE


def test_a_model_folder_is_used_as_given(fa_speech):
    folder = speech_model.ensure_bundled()
    source = speech_model.resolve(str(folder))
    assert source.kind == "path" and source.location == str(folder)
    model = speech_model.load(str(folder))
    first_line = audio.decode(fa_speech[0], duration=fa_speech[1][0].end + 0.3)
    segments, info = model.transcribe(first_line, language="fa", beam_size=1, temperature=0)
    assert info.duration > 2 and "".join(s.text for s in segments).strip()


def test_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="holds no model.bin"):
        speech_model.resolve(str(tmp_path))


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        speech_model.resolve(str(tmp_path / "nothing-here"))


def test_an_unknown_name_offline_says_what_was_tried_and_how_to_fix_it(monkeypatch, tmp_path):
    # An empty Hugging Face cache: the name must come from the network, which is not here.
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelLoadError) as err:
        speech_model.load("no-such-model-anywhere")
    message = str(err.value)
    assert "no-such-model-anywhere" in message and "not a known model name" in message
    assert "--model PATH" in message and "\n" not in message


def test_models_listing_names_the_default():
    found = speech_model.available()
    default = [m for m in found if m["default"]]
    assert len(default) == 1 and default[0]["name"] == "base" and default[0]["installed"]
    assert os.path.isabs(default[0]["location"])


def test_device_and_compute_type_resolve_and_refuse_clearly():
    import ctranslate2

    assert speech_model.device_settings("cpu", "default") == ("cpu", "int8")
    assert speech_model.device_settings("cpu", "float32") == ("cpu", "float32")
    with pytest.raises(ModelLoadError, match="not supported on cpu"):
        speech_model.device_settings("cpu", "no-such-type")
    if ctranslate2.get_cuda_device_count():
        pytest.skip("this machine has a CUDA device")  # what follows is for machines without
    assert speech_model.device_settings("auto", "default") == ("cpu", "int8")
    with pytest.raises(ModelLoadError, match="no CUDA device") as err:
        speech_model.load(None, device="cuda")
    assert "--device cpu" in str(err.value) and "\n" not in str(err.value)


def test_models_too_small_to_translate():
    assert speech_model.too_small_to_translate(None)  # the bundled base
    assert speech_model.too_small_to_translate(str(speech_model.ensure_bundled()))  # its folder
    assert speech_model.too_small_to_translate("tiny")
    assert not speech_model.too_small_to_translate("small")
    assert not speech_model.too_small_to_translate("large-v3")
