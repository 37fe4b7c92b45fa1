"""Every program the code, tests, benchmarks and scripts run is one scripts/install.sh provides.

A fresh machine has only what install.sh puts there (plus a base Debian), so a test that calls a
program install.sh does not install passes only on machines that happen to have it. The scan
reads the Python sources (subprocess, os.system/exec/spawn, shutil.which, Playwright's
executable_path) and the shell scripts, works out which program each call runs, and fails naming
it when install.sh does not provide it, or when it cannot tell which program a call runs.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "scripts" / "install.sh"
SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}

# What each Debian package that install.sh may install puts on PATH.
PACKAGE_PROGRAMS = {
    "ffmpeg": {"ffmpeg", "ffprobe"},
    "espeak-ng": {"espeak-ng"},
    "chromium": {"chromium"},
    "openssl": {"openssl"},
    "python3-venv": set(),
}
# A base Debian has these (coreutils, bash and its builtins); anything else must be installed.
BASE_SYSTEM = {
    "bash", "sh", "env", "cat", "cd", "dirname", "basename", "pwd", "echo", "printf", "exec",
    "set", "command", "test", "[", "true", "false", "exit", "export", "local", "read", "trap",
    "wait", "kill", "sleep", "mkdir", "rm", "cp", "mv", "ls", "mktemp", "id", "grep", "sed",
    "head", "tail", "sort", "uname", "nice", "timeout", "shift", "source", ".",
    "mount", "umount",  # Debian's required package mount
}  # fmt: skip
# Words that start a shell command without being one.
SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done",
                  "case", "esac", "in", "function", "!", "{", "}", "[[", "]]", "time"}  # fmt: skip
SHELL_PREFIXES = {"exec", "command", "nice", "timeout", "env", "sudo"}  # run the next word

RUNS_ARGV = {  # call -> the argument index holding the argv (or the program)
    "subprocess.run": 0, "subprocess.Popen": 0, "subprocess.call": 0,
    "subprocess.check_call": 0, "subprocess.check_output": 0,
    "asyncio.create_subprocess_exec": 0,
    # Navar's own runner (stderr to a file, never a pipe): its callers elsewhere name the program.
    "audio.run_program": 0, "transcribe.audio.run_program": 0,
}  # fmt: skip
RUNS_SHELL = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
              "asyncio.create_subprocess_shell"}  # fmt: skip
NAMES_PROGRAM = {"shutil.which"}  # the first argument is a program name
PROGRAM_KEYWORDS = {"executable", "executable_path"}  # Popen(executable=), Playwright launch


class Unknown(Exception):
    """The scan cannot tell which program a call runs."""


def provided_programs() -> set[str]:
    """What install.sh provides: its Debian packages' programs, the venv's, and the base system."""
    text = INSTALL.read_text(encoding="utf-8")
    packages = {
        name.strip("\"'")
        for group in re.findall(r"debs\+=\(([^)]*)\)", text)
        for name in group.split()
    }
    unknown = packages - PACKAGE_PROGRAMS.keys()
    assert not unknown, f"say in PACKAGE_PROGRAMS what these packages provide: {unknown}"
    programs = set().union(*(PACKAGE_PROGRAMS[p] for p in packages))
    # The virtual environment install.sh creates: python and every console script in it.
    venv_bin = Path(sys.executable).parent
    programs |= {"python", "python3"} | {p.name for p in venv_bin.iterdir()}
    programs |= {p.name for p in (ROOT / "scripts").iterdir()}  # the project's own scripts
    return programs | BASE_SYSTEM


# --- Python -------------------------------------------------------------------------------------


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


class _Module:
    """One file's assignments (per function), function returns and imports, to follow names."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.values: dict[tuple[ast.AST, str], list[ast.AST]] = {}  # (scope, name) -> values
        self.returns: dict[str, tuple[ast.AST, list[ast.AST]]] = {}  # name -> (scope, values)
        self.scope_of: dict[ast.AST, ast.AST] = {}  # call -> the function (or module) it is in
        self.aliases: dict[str, str] = {}  # from subprocess import run -> run: subprocess.run
        self._collect(tree, tree)

    def _collect(self, node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.returns[child.name] = (child, [
                    n.value for n in ast.walk(child) if isinstance(n, ast.Return) and n.value
                ])  # fmt: skip
                self._collect(child, child)
                continue
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    self._bind(scope, target, child.value)
            elif isinstance(child, ast.AnnAssign) and child.value is not None:
                self._bind(scope, child.target, child.value)
            elif isinstance(child, (ast.For, ast.comprehension)):
                if isinstance(child.iter, (ast.List, ast.Tuple, ast.Set)):
                    for element in child.iter.elts:  # for p in ("ffmpeg", "ffprobe")
                        self._bind(scope, child.target, element)
            elif isinstance(child, ast.ImportFrom) and child.module:
                for alias in child.names:
                    self.aliases[alias.asname or alias.name] = f"{child.module}.{alias.name}"
            elif isinstance(child, ast.Call):
                self.scope_of[child] = scope
            self._collect(child, scope)

    def _bind(self, scope: ast.AST, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.values.setdefault((scope, target.id), []).append(value)

    def call_name(self, call: ast.Call) -> str:
        name = _dotted(call.func)
        head, _, rest = name.partition(".")
        if head in self.aliases:
            return self.aliases[head] + (f".{rest}" if rest else "")
        return name

    def programs(self, node: ast.AST, argv: bool, scope: ast.AST, seen=frozenset()) -> set[str]:
        """The program(s) ``node`` names: an argv list when ``argv``, else a program itself."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if argv:  # a whole command line as one string (shell=True)
                return set(_shell_commands(node.value))
            return {Path(node.value).name}
        if isinstance(node, (ast.List, ast.Tuple)) and argv:
            if not node.elts:
                raise Unknown("an empty command")
            first = node.elts[0]
            if isinstance(first, ast.Starred):
                return self.programs(first.value, True, scope, seen)
            return self.programs(first, False, scope, seen)
        if isinstance(node, ast.Name):
            values = self.values.get((scope, node.id))
            if values is None and isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                passed = self._passed_in(scope, node.id, argv)
                if passed is not None:  # a helper's parameter: what its callers here pass
                    return passed if passed else self._unknown(node)
            if values is None and scope is not self.tree:  # not assigned here: a module name
                scope, values = self.tree, self.values.get((self.tree, node.id))
            if values:
                return self._union(values, argv, scope, seen)
        if _dotted(node) == "sys.executable":
            return {"python"}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # a / "path" / "prog"
            return self.programs(node.right, False, scope, seen)
        if isinstance(node, ast.Call):
            name = self.call_name(node)
            if name in {"str", "Path", "pathlib.Path", "os.fspath", *NAMES_PROGRAM} and node.args:
                return self.programs(node.args[0], False, scope, seen)
            if isinstance(node.func, ast.Name) and node.func.id in self.returns:
                inner, values = self.returns[node.func.id]
                if values:
                    return self._union(values, argv, inner, seen)
        raise Unknown(ast.unparse(node))

    def _unknown(self, node: ast.AST):
        raise Unknown(ast.unparse(node))

    def _passed_in(self, func, name: str, argv: bool) -> set[str] | None:
        """For a parameter ``name`` of ``func``: the programs every call of ``func`` in this file
        passes for it (empty if there is no such call); None if ``name`` is no parameter."""
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        star = func.args.vararg.arg if func.args.vararg else None
        if name not in params and name != star:
            return None
        found: set[str] = set()
        for call, scope in self.scope_of.items():
            if not (isinstance(call.func, ast.Name) and call.func.id == func.name):
                continue  # only this file's own calls of the helper
            if name == star:  # def _run(*args): the call's own arguments are the argv
                found |= self.programs(ast.List(elts=call.args[len(params) :]), True, scope)
                continue
            i = params.index(name)
            arg = call.args[i] if i < len(call.args) else None
            arg = arg or next((k.value for k in call.keywords if k.arg == name), None)
            if arg is not None:
                found |= self.programs(arg, argv, scope)
        return found

    def _union(self, values, argv, scope, seen) -> set[str]:
        todo = [v for v in values if v not in seen]
        if not todo:
            raise Unknown("a name defined only in terms of itself")
        seen = seen | set(todo)
        return set().union(*(self.programs(v, argv, scope, seen) for v in todo))


def python_calls(path: Path) -> list[tuple[int, str, set[str] | None]]:
    """(line, call, programs) for each place ``path`` runs or looks up a program.

    programs is None when the scan cannot tell which program it is.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _Module(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = module.call_name(node)
        targets: list[tuple[ast.AST, bool]] = []
        shell = any(k.arg == "shell" and _truthy(k.value) for k in node.keywords)
        if name in RUNS_ARGV or name in RUNS_SHELL or name.startswith(("os.exec", "os.spawn")):
            arg = node.args[0] if node.args else None
            if name.startswith("os.spawn") and len(node.args) > 1:
                arg = node.args[1]  # spawn*(mode, file, ...)
            arg = arg or next((k.value for k in node.keywords if k.arg == "args"), None)
            argv = name in RUNS_ARGV or name in RUNS_SHELL or shell
            if arg is not None:
                targets.append((arg, argv and not name.startswith(("os.exec", "os.spawn"))))
        if name in NAMES_PROGRAM and node.args:
            targets.append((node.args[0], False))
        targets += [(k.value, False) for k in node.keywords if k.arg in PROGRAM_KEYWORDS]
        for target, argv in targets:
            try:
                programs = module.programs(target, argv, module.scope_of.get(node, tree))
            except Unknown:
                programs = None
            out.append((node.lineno, ast.unparse(node)[:80], programs))
    return sorted(out, key=lambda found: found[0])


def _truthy(node: ast.AST) -> bool:
    return not (isinstance(node, ast.Constant) and not node.value)


# --- shell --------------------------------------------------------------------------------------

_COMMAND_START = re.compile(r"(?:^|;|&&|\|\||\||\$\(|\(|`|\bthen\b|\bdo\b|\belse\b)\s*")


def _shell_commands(text: str, variables: dict[str, str] | None = None) -> list[str]:
    """The programs a piece of shell runs (the first word of each command, roughly)."""
    variables = variables or {}
    found = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line)
        at: dict[int, str] = {}  # where each command word starts: one command, one entry
        for m in _COMMAND_START.finditer(line):
            for w in re.finditer(r"\"[^\"]*\"|'[^']*'|[^\s;|&()`]+", line[m.end() :]):
                word = w.group().strip("\"'")
                if not word or word in SHELL_KEYWORDS or re.match(r"^\w+=", word):
                    continue  # a keyword or a variable assignment before the command
                word = _expand(word, variables)
                at[m.end() + w.start()] = Path(word).name if "/" in word else word
                if word not in SHELL_PREFIXES:
                    break
        found += [at[k] for k in sorted(at)]
    return found


def _expand(word: str, variables: dict[str, str]) -> str:
    """A word that is only a variable ("$python") becomes what the script assigns to it."""
    m = re.fullmatch(r"\$\{?(\w+)(?::-([^}]*))?\}?", word)
    if not m:
        return word
    value = variables.get(m.group(1)) or m.group(2)
    if value is None:
        return word  # left as "$name": not a program install.sh provides, so it is reported
    return _expand(value.strip("\"'"), variables)


def shell_commands(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    variables = dict(re.findall(r"^\s*(\w+)=(\S+)", text, flags=re.M))
    return _shell_commands(text, variables)


# --- the files ----------------------------------------------------------------------------------


def _files():
    for path in sorted(ROOT.rglob("*")):
        if SKIP_DIRS.intersection(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix == ".py":
            yield path, "python"
        elif path != INSTALL and (path.suffix == ".sh" or _shell_shebang(path)):
            yield path, "shell"


def _shell_shebang(path: Path) -> bool:
    if path.suffix or path.stat().st_size > 1_000_000:
        return False
    try:
        first = path.read_bytes()[:64].split(b"\n", 1)[0]
    except OSError:
        return False
    return first.startswith(b"#!") and (first.endswith((b"sh", b"bash")))


def missing_programs() -> list[str]:
    provided = provided_programs()
    problems = []
    for path, kind in _files():
        where = path.relative_to(ROOT)
        if kind == "python":
            for line, call, programs in python_calls(path):
                if programs is None:
                    problems.append(f"{where}:{line}: cannot tell which program runs: {call}")
                    continue
                for prog in sorted(programs - provided):
                    problems.append(f"{where}:{line}: runs {prog!r}, which install.sh does not "
                                    f"install: {call}")  # fmt: skip
        else:
            for prog in shell_commands(path):
                if prog not in provided:
                    problems.append(f"{where}: runs {prog!r}, which install.sh does not install")
    return problems


def test_every_program_run_is_installed_by_install_sh():
    problems = missing_programs()
    assert not problems, "\n".join(problems)


# --- the scan itself ----------------------------------------------------------------------------


def _scan(tmp_path, source: str) -> list[tuple[int, str, set[str] | None]]:
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    return python_calls(path)


def test_the_scan_names_programs_however_the_command_is_built(tmp_path):
    source = """
import shutil, subprocess, sys
from pathlib import Path
from subprocess import Popen
TOOL = ["opusenc", "-n"]
def exe():
    found = shutil.which("lame")
    return found
def cmd(path):
    c = ["flac", "-d"]
    c += [str(path)]
    return c
subprocess.run([*TOOL, "out.wav"], check=True)
Popen([exe(), "x"])
subprocess.run(cmd("x"))
subprocess.check_output("mpg123 -w out.wav in.mp3 | gzip", shell=True)
subprocess.run([sys.executable, "-c", "pass"])
subprocess.run([str(Path(sys.executable).parent / "navar"), "--version"])
browser = launch(executable_path="/usr/bin/chromium")
"""
    found = [programs for _line, _call, programs in _scan(tmp_path, source)]
    assert found == [{"lame"}, {"opusenc"}, {"lame"}, {"flac"}, {"mpg123", "gzip"}, {"python"},
                     {"navar"}, {"chromium"}]  # fmt: skip


def test_a_program_the_scan_cannot_name_is_reported(tmp_path):
    source = "import subprocess\ndef go(argv):\n    subprocess.run(argv)\n"
    ((line, call, programs),) = _scan(tmp_path, source)
    assert programs is None and line == 3 and "subprocess.run(argv)" in call


def test_a_helper_is_followed_to_what_its_callers_pass(tmp_path):
    source = (
        "import subprocess\n"
        "def run(cmd, timeout):\n    return subprocess.run(cmd, timeout=timeout)\n"
        "def tool(*args):\n    subprocess.run(args)\n"
        "def probe(path):\n    run(['ffprobe', path], 5)\n"
        "    run(cmd=['opusenc', path], timeout=1)\n"
        "def sign():\n    tool('lame', '-h')\n"
    )
    programs = {line: found for line, _, found in _scan(tmp_path, source)}
    assert programs == {3: {"ffprobe", "opusenc"}, 5: {"lame"}}


def test_shell_scripts_are_read_command_by_command():
    script = 'set -e\nroot=$(cd "$(dirname "$0")" && pwd)\npy=${PYTHON:-python3}\n'
    script += '"$py" -m x | sox -n out.wav && exec "$root/.venv/bin/navar" serve # sox2\n'
    variables = {"py": "${PYTHON:-python3}"}
    assert _shell_commands(script, variables) == ["set", "cd", "dirname", "pwd", "python3",
                                                  "sox", "exec", "navar"]  # fmt: skip


def test_install_sh_provides_what_the_project_needs():
    provided = provided_programs()
    assert {"ffmpeg", "ffprobe", "espeak-ng", "chromium", "navar", "python"} <= provided
    assert "sox" not in provided
