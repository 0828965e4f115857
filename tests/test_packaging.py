"""A plain `pip install .` must find the bundled runbooks and drills."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_carries_the_runbooks_and_finds_them_installed(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = (tmp_path / "dist").glob("smwar-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "smwar/bundled/runbooks/plan.toml" in names
    assert "smwar/bundled/runbooks/drills/washer-leak.toml" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "from smwar.paths import bundled_runbooks_dir as d; from smwar.runbooks.loader import load_runbook_set;"
        "from smwar.drills.script import find_drill; print(d()); print(len(load_runbook_set(d()).scenarios));"
        "print(find_drill(None).name)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    ).stdout.split()
    assert out[0].startswith(str(target)), "runbooks come from the installed package, not the source tree"
    assert out[1:] == ["5", "washer-leak.toml"]
