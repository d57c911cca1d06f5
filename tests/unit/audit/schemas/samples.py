"""What the schema tests check: one sample of every event btfenced can emit, in every format,
from btfence_audit_samples (tests/unit/audit/samples_main.cpp, which serializes with the
daemon's own code), and the published schemas under ../shared/schemas."""

import functools
import json
import os
import subprocess


def source_dir():
    return os.environ.get("BTFENCE_SOURCE_DIR") or os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def schemas_dir():
    """The unmodified published schemas (../shared/schemas/README.md). Never skipped: a test
    that cannot find them fails, so a check against the standard cannot silently vanish."""
    path = os.environ.get("BTFENCE_SCHEMAS") or os.path.join(source_dir(), "..", "shared",
                                                              "schemas")
    if not os.path.isdir(path):
        raise AssertionError("the published schemas are not at %s (set BTFENCE_SCHEMAS)" % path)
    return path


def _run_samples(*args):
    binary = os.environ.get("BTFENCE_AUDIT_SAMPLES") or os.path.join(
        source_dir(), "build", "tests", "unit", "audit", "btfence_audit_samples")
    if not os.access(binary, os.X_OK):
        raise AssertionError("BTFENCE_AUDIT_SAMPLES is not set to btfence_audit_samples")
    output = subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines()]


@functools.lru_cache(maxsize=None)
def samples():
    return _run_samples()


@functools.lru_cache(maxsize=None)
def fields():
    """The field table of agent/daemon/audit/event.hpp: ecs, journal, ocsf, description."""
    return _run_samples("--fields")


def flatten(value, prefix=""):
    """{"a": {"b": 1}} -> {"a.b": 1}; arrays stay values."""
    flat = {}
    for key, item in value.items():
        name = prefix + key
        if isinstance(item, dict):
            flat.update(flatten(item, name + "."))
        else:
            flat[name] = item
    return flat
