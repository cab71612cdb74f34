"""cadm.rules must import with Django, DRF and Celery absent (DESIGN §5)."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import cadm.rules

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'django', 'rest_framework', 'celery'}:
            raise ImportError('forbidden import in cadm.rules: ' + name)
sys.meta_path.insert(0, Block())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
print('pure')
"""


def test_every_rules_module_imports_without_django():
    modules = [f"cadm.rules.{m.name}" for m in pkgutil.iter_modules(cadm.rules.__path__)]
    assert "cadm.rules.measurements" in modules
    root = Path(cadm.rules.__file__).parents[2]
    result = subprocess.run([sys.executable, "-c", BLOCKER, *modules], cwd=root,
                            capture_output=True, text=True)
    assert result.stdout.strip() == "pure", result.stderr
