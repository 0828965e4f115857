"""The core runs without the faces: nothing below `tui/` and `cli.py` imports textual, click or rich.

sqlite-utils imports click and httpx imports click and rich for their own command lines, so
the check records *who* imports each of them: no smwar core module may, and textual must not
be loaded at all.
"""

import json
import pkgutil
import subprocess
import sys

import smwar

FACES = ("smwar.tui", "smwar.cli", "smwar.__main__")
PROBE = """
import importlib, json, sys
BANNED = {"textual", "click", "rich"}
importers = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BANNED:
            frame = sys._getframe(1)
            while frame and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen_importlib")):
                frame = frame.f_back
            importers.append([name, frame.f_globals.get("__name__") if frame else None])
        return None

sys.meta_path.insert(0, Watch())
for name in MODULES:
    importlib.import_module(name)
print(json.dumps({"importers": importers, "loaded": sorted({m.split(".")[0] for m in sys.modules} & BANNED)}))
"""


def core_modules() -> list[str]:
    found = [module.name for module in pkgutil.walk_packages(smwar.__path__, "smwar.")]
    return sorted(name for name in found if not name.startswith(FACES))


def test_the_core_imports_neither_textual_nor_click_nor_rich() -> None:
    modules = core_modules()
    assert "smwar.engine.session" in modules and "smwar.runbooks.matcher" in modules
    script = PROBE.replace("MODULES", repr(modules))
    report = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )
    smwar_importers = [pair for pair in report["importers"] if (pair[1] or "").startswith("smwar")]
    assert smwar_importers == []
    assert "textual" not in report["loaded"]


def test_the_probe_notices_a_core_module_that_imports_a_face_library() -> None:
    script = PROBE.replace("MODULES", repr(["smwar.cli"]))
    report = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )
    assert ["click", "smwar.cli"] in report["importers"]
