"""The editor side of `rocky-adventure lsp` (issue 16): the command itself
(stdout is the protocol's alone, the missing extra, shell completion), and
docs/editors.md's Neovim set-up run as written in a real Neovim (Debian's
package; .ci/run installs it): it attaches to a copy of the bundled story,
answers go to definition, and shows an unknown scene typed into the buffer
as an RA005 diagnostic."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rocky_adventure import __version__, cli
from rocky_adventure.engine.files import bundled_story_dir

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "editors.md"
NVIM = shutil.which("nvim")
LIMIT = 240  # seconds before a hung editor or server is given up (not a timing assertion)


def doc_block(marker: str, lang: str) -> str:
    """The fenced block right after `<!-- marker -->` in docs/editors.md."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {re.escape(marker)} -->\n```{lang}\n(.*?)```", text, re.S)
    assert m, f"no ```{lang} block after <!-- {marker} --> in docs/editors.md"
    return m.group(1)


def server_shim(folder: Path) -> Path:
    """A folder with `rocky-adventure` in it, this Python's, for $PATH: the
    set-up calls the command by name, as an installed one would be."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "rocky-adventure"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rocky_adventure "$@"\n')
    exe.chmod(0o755)
    return folder


# the command --------------------------------------------------------------


def frames(data: bytes) -> list[dict]:
    """The JSON-RPC messages of a stdout stream; anything that is not a
    Content-Length framed message fails the test."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"stdout holds something that is not a protocol message: {data[:200]!r}"
        m = re.fullmatch(rb"Content-Length: (\d+)(\r\nContent-Type: [^\r\n]*)?", head)
        assert m, f"not a protocol header on stdout: {head[:200]!r}"
        n = int(m.group(1))
        out.append(json.loads(rest[:n]))
        data = rest[n:]
    return out


def message(obj: dict) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


@pytest.mark.parametrize("verbose", [False, True])
def test_the_command_speaks_the_protocol_on_stdout_and_nothing_else(tmp_path, verbose):
    story = tmp_path / "story"
    shutil.copytree(bundled_story_dir(), story)
    scene = story / "apollo.yaml"
    uri = scene.as_uri()
    stdin = b"".join(
        message(m)
        for m in (
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "processId": None,
                    "rootUri": story.as_uri(),
                    "capabilities": {},
                    "workspaceFolders": [{"uri": story.as_uri(), "name": "story"}],
                },
            },
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "yaml",
                        "version": 1,
                        "text": scene.read_text(encoding="utf-8"),
                    }
                },
            },
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
            {"jsonrpc": "2.0", "method": "exit", "params": None},
        )
    )
    r = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "lsp", "--stdio", "--explore-budget", "0"]
        + ["--verbose"] * verbose,
        input=stdin,
        capture_output=True,
        timeout=LIMIT,
    )
    msgs = frames(r.stdout)  # every byte on stdout is the protocol's
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    init = next(m for m in msgs if m.get("id") == 1)
    assert init["result"]["serverInfo"] == {"name": "rocky-adventure", "version": __version__}
    assert any(m.get("id") == 2 and "result" in m for m in msgs)
    # the log is on stderr; every message sent only with --verbose (docs/editors.md)
    assert (b"Sending data" in r.stderr) is verbose


STRAY = """
import os, sys
import rocky_adventure.lsp.server as server

def fake_main(installed, budget=None):
    print("a stray print")
    sys.stdout.write("a stray write\\n")
    sys.stdout.flush()
    os.system("echo a child process")
    sys.stdout.buffer.write(b"PROTOCOL")
    sys.stdout.buffer.flush()
    sys.stderr.write(f"installed={installed} budget={budget}\\n")
    return 0

server.main = fake_main
from rocky_adventure import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_stdout_is_kept_for_the_protocol_and_the_options_reach_the_server(tmp_path):
    r = subprocess.run(
        [sys.executable, "-c", STRAY, "--data-dir", str(tmp_path), "lsp", "--explore-budget", "7"],
        capture_output=True,
        timeout=LIMIT,
        cwd=tmp_path,
    )
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert r.stdout == b"PROTOCOL"
    for line in ("a stray print", "a stray write", "a child process"):
        assert line in err, line
    assert f"installed={tmp_path / 'packs'} budget=7" in err
    r = subprocess.run(
        [sys.executable, "-c", STRAY, "lsp", "--no-installed-packs"],
        capture_output=True,
        timeout=LIMIT,
        cwd=tmp_path,
    )
    assert "installed=None budget=None" in r.stderr.decode()


def test_without_the_extra_it_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pygls" else real(name, *a)
    )
    assert cli.main(["lsp"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "pip install 'rocky-adventure[lsp]'" in err


def test_shell_completion_knows_the_command(capsys):
    assert cli.main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert re.search(r"\blsp\b", script)
    for option in ("--stdio", "--explore-budget", "--no-installed-packs"):
        assert option in script, option


# Neovim, as docs/editors.md sets it up -------------------------------------

PROBE = r"""
-- Drives the buffer docs/editors.md's set-up attached; writes what it saw.
local result = {}
local function done()
  vim.fn.writefile({ vim.fn.json_encode(result) }, os.getenv('RA_PROBE_OUT'))
  vim.cmd('qall!')
end
local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  local function client()
    local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = buf })
      or vim.lsp.buf_get_clients(buf)
    for _, c in pairs(clients) do
      return c
    end
  end
  result.attached = vim.wait(120000, function()
    local c = client()
    return c ~= nil and c.initialized == true
  end, 20)
  local c = client()
  if not c then
    return
  end
  result.name = c.name
  result.root = c.config.root_dir
  result.omnifunc = vim.bo[buf].omnifunc

  -- go to definition of a scene named after `to:`
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = tonumber(os.getenv('RA_REF_LINE')), character = tonumber(os.getenv('RA_REF_COL')) },
  }
  local answers = vim.lsp.buf_request_sync(buf, 'textDocument/definition', params, 120000) or {}
  result.definition = {}
  for _, answer in pairs(answers) do
    local locs = answer.result or {}
    if locs.uri or locs.targetUri then
      locs = { locs }
    end
    for _, loc in ipairs(locs) do
      local range = loc.targetSelectionRange or loc.range
      table.insert(result.definition, { uri = loc.uri or loc.targetUri, line = range.start.line })
    end
  end

  local function codes()
    local seen = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local lsp = (d.user_data or {}).lsp or {}
      table.insert(seen, {
        code = d.code or lsp.code,
        lnum = d.lnum,
        message = d.message,
        source = d.source,
        href = (lsp.codeDescription or {}).href,
      })
    end
    return seen
  end
  result.before = codes()

  -- type an unknown scene id into the buffer, as an author would
  local line = tonumber(os.getenv('RA_EDIT_LINE'))
  vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { os.getenv('RA_EDIT_TEXT') })
  result.flagged = vim.wait(120000, function()
    for _, d in ipairs(codes()) do
      if d.code == 'RA005' then
        return true
      end
    end
    return false
  end, 20)
  result.after = codes()
end)
if not ok then
  result.error = tostring(err)
end
done()
"""


def _reference(story: Path) -> tuple[Path, int, int, str, Path, int]:
    """A `to: SCENE` line of a scene file whose SCENE is defined once, as
    (file, line, column of the id, id, the defining file, its line), 0-based."""
    defs: dict[str, list[tuple[Path, int]]] = {}
    for path in sorted(story.glob("*.yaml")):
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines()):
            m = re.fullmatch(r"\s*- id: (\w+)\s*", text)
            if m:
                defs.setdefault(m.group(1), []).append((path, n))
    for path in sorted(story.glob("*.yaml")):
        if path.name == "story.yaml":
            continue
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines()):
            m = re.fullmatch(r"(\s+to: )(\w+)\s*", text)
            if m and len(defs.get(m.group(2), ())) == 1:
                ((where, line),) = defs[m.group(2)]
                return path, n, len(m.group(1)), m.group(2), where, line
    raise AssertionError("no `to: SCENE` line in the bundled story")


@pytest.mark.skipif(NVIM is None, reason="Neovim (nvim) is not installed: apt-get install neovim")
@pytest.mark.parametrize("start_in", ["around", "elsewhere"])
def test_the_neovim_set_up_works_as_written(tmp_path, start_in):
    """Started in a folder around the story, the server serves that folder;
    started elsewhere, the story's own folder."""
    story = tmp_path / "story"
    shutil.copytree(bundled_story_dir(), story)
    scene, ref_line, ref_col, scene_id, def_file, def_line = _reference(story)
    lines = scene.read_text(encoding="utf-8").splitlines()
    edit = next(
        n for n in range(len(lines)) if n != ref_line and re.fullmatch(r"\s+to: \w+\s*", lines[n])
    )
    typo = "no_such_scene_h3"
    edit_text = re.sub(r"to: \w+", f"to: {typo}", lines[edit])

    config = tmp_path / "init.lua"
    config.write_text(doc_block("tested: tests/lsp/test_editors.py", "lua"), encoding="utf-8")
    probe = tmp_path / "probe.lua"
    probe.write_text(PROBE, encoding="utf-8")
    out = tmp_path / "result.json"
    home = tmp_path / "home"
    cwd = tmp_path if start_in == "around" else home / "elsewhere"
    cwd.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PATH": f"{server_shim(tmp_path / 'bin')}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        **{f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "DATA", "STATE", "CACHE")},
        "RA_PROBE_OUT": str(out),
        "RA_REF_LINE": str(ref_line),
        "RA_REF_COL": str(ref_col + 1),
        "RA_EDIT_LINE": str(edit),
        "RA_EDIT_TEXT": edit_text,
    }
    argv = [NVIM, "--headless", "-n", "-i", "NONE", "-u", str(config)]
    argv += ["-c", f"luafile {probe}", str(scene)]
    try:
        r = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, timeout=LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Neovim did not finish in {LIMIT} s\n{_logs(home)}")
    version = subprocess.run([NVIM, "--version"], capture_output=True, text=True).stdout
    why = f"{version.splitlines()[0]}\n{r.stderr.decode(errors='replace')}\n{_logs(home)}"
    assert out.exists(), why
    result = json.loads(out.read_text(encoding="utf-8"))
    why = f"{json.dumps(result, indent=1)}\n{why}"
    assert "error" not in result, why
    assert result["filetype"] == "yaml", why
    assert result["attached"] is True, why
    assert result["name"] == "rocky-adventure", why
    assert (
        Path(result["root"]).resolve() == (story if start_in == "elsewhere" else cwd).resolve()
    ), why
    assert result["omnifunc"] == "v:lua.vim.lsp.omnifunc", why  # the set-up's on_attach ran

    targets = {(Path(_fs(d["uri"])).resolve(), d["line"]) for d in result["definition"]}
    assert targets == {(def_file.resolve(), def_line)}, why

    assert not any(d["code"] == "RA005" for d in result["before"]), why
    assert result["flagged"] is True, why
    (found,) = [d for d in result["after"] if d["code"] == "RA005"]
    assert found["lnum"] == edit and typo in found["message"], why
    assert found["source"] == "rocky-adventure", why
    assert found["href"] and found["href"].endswith("lints.md#ra005-unknown-reference"), why


def _fs(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)


def _logs(home: Path) -> str:
    """Neovim's LSP log (the server's stderr lands there), for a failure's message."""
    logs = sorted(home.rglob("lsp.log"))
    return "\n".join(p.read_text(errors="replace")[-6000:] for p in logs) or "(no lsp.log)"
