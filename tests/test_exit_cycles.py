"""Open, edit, quit – several times, each in its own process – ends with a clean exit code (issue 15, 7).

The cause of the former "Fatal Python error: none_dealloc" is PySide6 6.12 dropping a reference to None on
every invalid QVariant it hands to Python (kik_desktop/ui/pyside_fixes.py). A long session is simulated by
letting the tree model answer many such roles, as painting does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from corpus.harness import subprocess_env

from kik_desktop.store import Document, open_document

CYCLE = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QSettings, Qt
from kik_desktop.ui.app import create_application
app = create_application()
from kik_desktop.domain import plan
from kik_desktop.ui.main_window import MainWindow

doc_path, settings_path, cycle = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
window = MainWindow(QSettings(settings_path, QSettings.Format.IniFormat))
window.resize(1366, 768)
window.show()
assert window.open_path(doc_path)
with window.document.reading() as s:
    kind, item_id = plan.find_by_number(s, "1.1.1")
    title = plan.get_values(s, kind, item_id)["title"]
window.select_item(kind, item_id)
assert window.operations.update(kind, item_id, {"title": f"{title} {cycle}"})
# A long session: the view asks the model for roles it answers with None (decoration of fields, colours).
index = window.tree_model.index(0, 0)
for _ in range(200_000):
    index.data(Qt.ItemDataRole.DecorationRole)
for _ in range(20):
    window.tree_view.viewport().repaint()
    app.processEvents()
window.close()
app.processEvents()
print("ende", flush=True)
"""


def test_none_keeps_its_references_while_the_ui_is_loaded() -> None:
    import kik_desktop.ui  # noqa: F401  (installs the guard)
    from kik_desktop.ui.pyside_fixes import NONE_BALLAST, guard_none_refcount

    assert guard_none_refcount()
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) > NONE_BALLAST // 2


@pytest.mark.slow
def test_open_edit_quit_cycles_exit_cleanly(small_plan: Document, tmp_path: Path, data_dir: Path) -> None:
    path = small_plan.path
    small_plan.close()
    for cycle in range(1, 4):
        result = subprocess.run(
            [sys.executable, "-c", CYCLE, str(path), str(tmp_path / "s.ini"), str(cycle)],
            capture_output=True,
            text=True,
            env=subprocess_env(data_dir),
            timeout=300,
        )
        assert "none_dealloc" not in result.stderr and "Fatal Python error" not in result.stderr
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == "ende"
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        from kik_desktop.domain import plan

        found = plan.find_by_number(s, "1.1.1")
        assert found is not None
        assert plan.get_values(s, *found)["title"] == "M1 1 2 3"
    assert not path.with_name(path.name + ".lock").exists()
