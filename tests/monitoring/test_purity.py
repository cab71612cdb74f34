"""The lung-monitoring logic is pure (style §2): schedule, trends and scores import no
Django, so they can be tested and reused without a database."""

import subprocess
import sys
from pathlib import Path

import monitoring

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'django', 'rest_framework', 'celery'}:
            raise ImportError('forbidden import: ' + name)
sys.meta_path.insert(0, Block())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
print('pure')
"""


def test_pure_modules_import_without_django():
    modules = ["monitoring.schedule", "monitoring.trends", "monitoring.scores",
               "monitoring.charts"]
    root = Path(monitoring.__file__).parents[1]
    result = subprocess.run([sys.executable, "-c", BLOCKER, *modules], cwd=root,
                            capture_output=True, text=True)
    assert result.stdout.strip() == "pure", result.stderr
