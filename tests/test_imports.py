"""The import graph (grimp, the library behind import-linter): no circles, and `jobs` imports `webapp`, never the
reverse."""
import ast
import importlib
import re
from pathlib import Path

import grimp
import pytest


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("webapp", "jobs", cache_dir=None)


def test_no_module_imports_itself_through_others(graph):
    """Imports inside functions count too: a lazy import that closes a circle still ties the modules together."""
    circles = {" -> ".join((module, *chain)) for module in graph.modules
               for imported in graph.find_modules_directly_imported_by(module)
               if (chain := graph.find_shortest_chain(importer=imported, imported=module))}
    assert sorted(circles) == []


def test_the_web_app_never_imports_the_jobs(graph):
    assert graph.find_shortest_chains(importer="webapp", imported="jobs", as_packages=True) == set()


def test_every_job_the_web_app_names_exists():
    """The web app names job functions by dotted path; a misspelt one would only fail when a worker took the job."""
    named = {node.value for path in Path("webapp").rglob("*.py") for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and re.fullmatch(r"jobs\.\w+\.\w+", node.value)}
    assert len(named) >= 8
    for name in named:
        module, function = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), function, None)), name
