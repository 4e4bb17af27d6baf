"""Command-line habits (issue 15, section 4): --version and --verbose on
every command, shell completion, the crash log, the shipped examples found
by name, and where settings and saves live (platformdirs) with the old
settings file moved."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT, build_wheel

from rocky_adventure import __version__, cli
from rocky_adventure.cli.common import Command
from rocky_adventure.game.settings import Settings, load_settings, save_settings, settings_path


@pytest.fixture
def platform_dirs(tmp_path, monkeypatch):
    """No --data-dir and no $ROCKY_ADVENTURE_DATA_DIR: the platform's dirs,
    pointed into tmp_path through the XDG variables platformdirs reads."""
    if sys.platform in ("win32", "darwin"):
        pytest.skip("the XDG variables steer platformdirs on Linux and the BSDs only")
    monkeypatch.delenv("ROCKY_ADVENTURE_DATA_DIR", raising=False)
    dirs = {name: tmp_path / name for name in ("data", "config", "state")}
    monkeypatch.setenv("XDG_DATA_HOME", str(dirs["data"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs["config"]))
    monkeypatch.setenv("XDG_STATE_HOME", str(dirs["state"]))
    return {k: v / "rocky-adventure" for k, v in dirs.items()}


# --version and --verbose ---------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in cli.COMMANDS])
def test_version_on_every_command(name, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([name, "--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"rocky-adventure {__version__}"


def test_verbose_before_or_after_the_command(capsys):
    assert cli.main(["--verbose", "schema"]) == 0
    assert cli.main(["schema", "--verbose"]) == 0
    args = cli.build_parser().parse_args(["schema", "--verbose"])
    assert args.verbose is True


# shell completion ------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_that_knows_the_commands(shell, capsys, tmp_path):
    assert cli.main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "rocky-adventure" in script
    for word in ("play", "check", "balance", "completion", "--data-dir", "--story", "--seed"):
        assert word in script, word
    exe = shutil.which(shell)
    if exe:  # the shell itself finds no syntax error in it
        path = tmp_path / f"completion.{shell}"
        path.write_text(script, encoding="utf-8")
        r = subprocess.run([exe, "-n", str(path)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_bash_completes_commands_and_options(capsys, tmp_path):
    assert cli.main(["completion", "bash"]) == 0
    script = tmp_path / "ra.bash"
    script.write_text(capsys.readouterr().out, encoding="utf-8")
    probe = (
        'source "$1"; f=$(complete -p rocky-adventure | sed "s/.*-F \\([^ ]*\\).*/\\1/"); '
        "COMP_WORDS=(rocky-adventure ba); COMP_CWORD=1; $f rocky-adventure ba rocky-adventure; "
        'echo "${COMPREPLY[*]}"; '
        "COMP_WORDS=(rocky-adventure play --se); COMP_CWORD=2; $f rocky-adventure --se play; "
        'echo "${COMPREPLY[*]}"'
    )
    r = subprocess.run(["bash", "-c", probe, "bash", str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["balance", "--seed --set"]


def test_completion_needs_a_known_shell(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["completion", "cmd.exe"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'cmd.exe'" in err and "fish" in err


# the crash log ----------------------------------------------------------------


def _boom(args):
    raise RuntimeError("boom from a bug")


@pytest.fixture
def crashing_command(monkeypatch):
    monkeypatch.setattr(
        cli, "COMMANDS", (*cli.COMMANDS, Command("boom", "crash", "boom", lambda p: None, _boom))
    )


def test_an_unexpected_error_goes_to_a_crash_log(crashing_command, tmp_path, capsys):
    assert cli.main(["boom", "--data-dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    logs = list((tmp_path / "d" / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in err
    assert "boom from a bug" in err
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: boom from a bug" in text
    assert f"rocky-adventure {__version__}" in text
    # a CommandError (bad input) is no crash: a message, no log
    assert cli.main(["check", str(tmp_path / "missing"), "--data-dir", str(tmp_path / "d")]) == 1
    assert "the details are in" not in capsys.readouterr().err
    assert len(list((tmp_path / "d" / "logs").iterdir())) == 1


def test_verbose_also_prints_the_traceback(crashing_command, tmp_path, capsys):
    assert cli.main(["boom", "--verbose", "--data-dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom from a bug" in err
    assert "the details are in" in err


def test_the_crash_log_is_in_the_user_log_dir(crashing_command, platform_dirs, capsys):
    assert cli.main(["boom"]) == 1
    logs = list(platform_dirs["state"].rglob("crash-*.log"))
    assert len(logs) == 1, list(platform_dirs["state"].rglob("*"))
    assert str(logs[0]) in capsys.readouterr().err


def test_a_crash_log_that_cannot_be_written_still_ends_in_one_line(
    crashing_command, tmp_path, capsys
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli.main(["boom", "--data-dir", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "no crash log could be written" in err and "--verbose" in err


# the shipped examples ------------------------------------------------------------


def test_story_by_the_name_of_a_shipped_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no folder called starter here
    assert cli.main(["check", "starter"]) == 0
    assert "starter: ok" in capsys.readouterr().out
    assert cli.main(["stats", "--story", "starter"]) == 0
    assert "The Starter Gym" in capsys.readouterr().out
    # a folder called starter here wins over the example
    shutil.copytree(ROOT / "examples" / "tiny-bout", tmp_path / "starter")
    assert cli.main(["stats", "--story", "starter"]) == 0
    assert "The Starter Gym" not in capsys.readouterr().out


def test_an_unknown_name_lists_the_examples(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["stats", "--story", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "the shipped examples are: starter, tiny-bout" in err


def test_the_examples_ship_in_the_wheel(tmp_path):
    """Build the wheel and, from the installed package alone (a folder with
    no examples/ beside it), check and play `--story starter`."""
    pytest.importorskip("hatchling")
    wheel = build_wheel(tmp_path)
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert "rocky_adventure/examples/starter/story.yaml" in names
        assert "rocky_adventure/examples/tiny-bout/story.yaml" in names
        z.extractall(site)
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        assert "Requires-Dist: shtab" in z.read(meta).decode()
    run = tmp_path / "elsewhere"
    run.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import rocky_adventure.cli as c; "
        "from rocky_adventure.cli.common import examples_dir; "
        "assert str(examples_dir()).startswith(sys.argv[1]), examples_dir(); "
        "sys.exit(c.main(sys.argv[2:]))"
    )
    env_args = [sys.executable, "-c", code, str(site)]
    out = subprocess.run(
        [*env_args, "check", "starter", "--data-dir", str(tmp_path / "d")],
        cwd=run,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert str(site) in out.stdout
    out = subprocess.run(
        [*env_args, "play", "--plain", "--story", "starter", "--seed", "1"],
        cwd=run,
        input="1\n",
        capture_output=True,
        text=True,
    )
    assert "The Starter Gym" in out.stdout, out.stderr


# settings in the config dir, saves in the data dir ---------------------------------


def test_saves_in_the_data_dir_and_settings_in_the_config_dir(platform_dirs, tmp_path):
    data = cli.common.data_dir(cli.build_parser().parse_args(["play"]))
    assert data == platform_dirs["data"]
    assert settings_path(data) == platform_dirs["config"] / "settings.json"
    save_settings(data, Settings("fast", "nord", True))
    assert (platform_dirs["config"] / "settings.json").is_file()
    assert not (platform_dirs["data"] / "settings.json").exists()
    assert load_settings(data) == Settings("fast", "nord", True)
    # --data-dir keeps the settings there too
    args = cli.build_parser().parse_args(["play", "--data-dir", str(tmp_path / "mine")])
    data = cli.common.data_dir(args)
    assert data == tmp_path / "mine"
    assert settings_path(data) == tmp_path / "mine" / "settings.json"
    save_settings(data, Settings("slow"))
    assert load_settings(data) == Settings("slow")
    assert load_settings(platform_dirs["data"]) == Settings("fast", "nord", True)


def test_old_settings_move_to_the_config_dir_once(platform_dirs, monkeypatch, tmp_path):
    old = platform_dirs["data"] / "settings.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"text_speed": "fast", "theme": "nord", "skip_read": True}))
    data = platform_dirs["data"]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))  # the config dir cannot be made
    assert load_settings(data) == Settings("fast", "nord", True)  # read where it is
    assert old.is_file()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(platform_dirs["config"].parent))
    assert load_settings(data) == Settings("fast", "nord", True)
    new = platform_dirs["config"] / "settings.json"
    assert json.loads(new.read_text())["theme"] == "nord"
    assert not old.exists()
    backup = platform_dirs["data"] / "settings.json.moved"
    assert json.loads(backup.read_text())["theme"] == "nord"  # kept, never lost
    save_settings(data, Settings("slow"))  # later changes go to the new place only
    assert load_settings(data) == Settings("slow")
    assert json.loads(backup.read_text())["theme"] == "nord"


def test_settings_already_in_the_config_dir_are_not_overwritten(platform_dirs):
    data = platform_dirs["data"]
    save_settings(data, Settings("instant"))
    old = data / "settings.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"text_speed": "fast"}))
    assert load_settings(data) == Settings("instant")
    assert old.is_file()  # left alone
