"""The navar command: help, archive selection, add/list/show/export/import, one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from navar.cli import main

NAVAR = [sys.executable, "-m", "navar"]


@pytest.fixture
def run(tmp_path):
    archive_dir = tmp_path / "archive"

    def invoke(*args, env=None):
        runner = CliRunner()
        return runner.invoke(main, ["--archive", str(archive_dir), *args], env=env)

    invoke.archive_dir = archive_dir
    return invoke


def test_help_lists_every_command_with_a_summary():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("add", "list", "show", "export", "import", "models", "transcribe", "demo"):
        assert f"  {command} " in result.output
    for command, meta in main.all_commands().items():
        assert meta is not None and meta.help, f"{command} has no help text"


def test_each_command_is_loaded_from_the_module_the_table_names():
    """Commands load lazily (navar.cli.COMMAND_MODULES): a command missing from the table
    would not exist, one named under the wrong module would fail when it runs."""
    import importlib

    from navar.cli import COMMAND_MODULES

    defined = {}
    for module in set(COMMAND_MODULES.values()):
        for command in importlib.import_module(f"navar.cli.{module}").COMMANDS:
            assert command.name not in defined, f"{command.name} is defined twice"
            defined[command.name] = module
    assert defined == COMMAND_MODULES


def test_a_command_imports_only_its_own_module(tmp_path):
    """`navar list` starts without the aligner, the batch runner or the web server."""
    code = (
        "import sys; from navar.cli import main\n"
        "try: main(['--archive', sys.argv[1], 'list'])\n"
        "except SystemExit: pass\n"
        "print('loaded:', *(m for m in ('align.quotes', 'navar.batch.runner', 'flask',"
        " 'navar.cli.align_cmds') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "loaded:", out.stdout


def test_add_list_show_in_json(run, fa_speech):
    added = run("add", str(fa_speech[0]), "--title", "شاهد ۷", "--notes", "received 2024")
    assert added.exit_code == 0, added.output
    rec_id = added.output.split()[1]
    assert "already" in run("add", str(fa_speech[0])).output

    listing = json.loads(run("list", "--json").output)
    assert [r["id"] for r in listing] == [rec_id] and listing[0]["title"] == "شاهد ۷"
    shown = json.loads(run("show", rec_id[:6], "--json").output)
    assert shown["sha256"].startswith(rec_id) and shown["source_notes"] == "received 2024"
    assert shown["tracks"] == []
    text = run("show", rec_id).output
    assert "شاهد ۷" in text and shown["sha256"] in text


def test_import_then_export_a_reference_transcript(run, fa_speech, tmp_path):
    rec_id = run("add", str(fa_speech[0])).output.split()[1]
    ref = tmp_path / "ref.txt"
    ref.write_text("جملهٔ اول.\nجملهٔ دوم.\n", encoding="utf-8")
    assert run("import", rec_id, str(ref)).exit_code == 0
    again = run("import", rec_id, str(ref))
    assert again.exit_code != 0 and "--force" in again.output
    out = run("export", rec_id, "fa.reference", "--format", "txt")
    assert out.output.startswith("# Navar transcript: fa.reference (human transcript)\n")
    assert out.output.endswith("\n\n[untimed] جملهٔ اول.\n[untimed] جملهٔ دوم.\n")
    dest = tmp_path / "ref.json"
    assert run("export", rec_id, "fa.reference", "--format", "json", "-o", str(dest)).exit_code == 0
    assert json.loads(dest.read_text())["kind"] == "reference"


def test_archive_comes_from_the_environment(tmp_path, fa_speech):
    env_archive = tmp_path / "from-env"
    result = CliRunner().invoke(
        main, ["add", str(fa_speech[0])], env={"NAVAR_ARCHIVE": str(env_archive)}
    )
    assert result.exit_code == 0
    assert len(list((env_archive / "media").iterdir())) == 1


def test_models_names_the_bundled_default(run):
    result = run("models", "--json")
    assert any(m["default"] and m["name"] == "base" for m in json.loads(result.output))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "0123456789ab"], "no recording '0123456789ab'"),
        (["show", "../../etc"], "is not a recording id"),
        (["add", "/no/such/file.mp3"], "no such file"),
    ],
)
def test_errors_are_one_clear_line_on_stderr(tmp_path, args, message):
    proc = subprocess.run(
        [*NAVAR, "--archive", str(tmp_path), *args], capture_output=True, text=True
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("navar: error:") and message in lines[0]
    assert "Traceback" not in proc.stderr


def test_an_unloadable_model_is_one_clear_sentence(tmp_path, fa_speech, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    proc = subprocess.run(
        [*NAVAR, "--archive", str(tmp_path / "a"), "transcribe", str(fa_speech[0]),
         "--model", "no-such-model"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "could not load model 'no-such-model'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_quiet_and_verbose_flags_are_accepted(run):
    assert run("-q", "list").exit_code == 0
    assert run("-vv", "list").exit_code == 0


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "navar"
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "navar" in proc.stdout


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`navar models | head -1`: the pipe closes under Navar; no traceback, no internal error."""
    proc = subprocess.Popen([*NAVAR, "--archive", str(tmp_path), "models", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    proc.stdout.close()  # the reader is gone before Navar writes anything
    _, err = proc.communicate(timeout=120)
    assert err.decode() == ""  # not "navar: error: ... Broken pipe", nor a flush traceback
