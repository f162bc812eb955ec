"""The load test's locustfile (benchmarks/load, run by benchmarks/load.py; not part of the
suite) imports, and each kind of client has its tasks. In a subprocess: importing locust
monkey-patches the standard library for gevent."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().parents[3] / "benchmarks" / "load" / "locustfile.py"
PROBE = """
import collections, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("vinculo_locustfile", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({
    "tasks": {
        # A task is listed once per unit of its weight.
        name: collections.Counter(task.__name__ for task in getattr(module, name).tasks)
        for name in ("AccountManager", "ApiClient", "Ping", "WebWriter", "ApiWriter")
    },
    "ping_clients": module.Ping.fixed_count,
    "pages": module.PAGE_LINK.findall('<a href="?page=2">x</a> <a href="?sort=name&amp;page=3">'),
}))
"""


def test_the_locustfile_imports_and_every_client_has_tasks() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(LOCUSTFILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "tasks": {
            "AccountManager": {
                "today": 4,
                "people_list": 3,
                "person": 3,
                "account": 2,
                "log_interaction": 1,
            },
            "ApiClient": {"list_people": 3, "create_interaction": 1},
            "Ping": {"ping": 1},
            # The writers' mix: only logging, none of the inherited page views.
            "WebWriter": {"write": 1},
            "ApiWriter": {"write": 1},
        },
        "ping_clients": 1,
        "pages": ["2", "3"],
    }


def test_every_mix_names_classes_of_the_locustfile() -> None:
    spec = importlib.util.spec_from_file_location(
        "vinculo_load_benchmark", LOCUSTFILE.parents[1] / "load.py"
    )
    assert spec and spec.loader
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    source = LOCUSTFILE.read_text(encoding="utf-8")
    assert load.MIXES == {
        "day": ("AccountManager", "ApiClient", "Ping"),
        "writers": ("WebWriter", "ApiWriter", "Ping"),
    }
    for classes in load.MIXES.values():
        for name in classes:
            assert f"class {name}(" in source
