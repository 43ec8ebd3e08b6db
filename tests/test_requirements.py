"""The locks in requirements/ pin every dependency pyproject.toml names, each with hashes
(`make lock` refreshes them)."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)

LOCKS = {
    "main.txt": PYPROJECT["dependencies"],
    "local.txt": PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["local"],
    "dev.txt": PYPROJECT["dependencies"]
    + PYPROJECT["optional-dependencies"]["local"]
    + PYPROJECT["optional-dependencies"]["dev"],
}


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


@pytest.mark.parametrize(("lock", "requirements"), LOCKS.items())
def test_each_lock_pins_what_pyproject_asks_for(lock, requirements):
    pins = _pins(lock)
    stale = []
    for line in requirements:
        requirement = Requirement(line)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            stale.append(f"{line} (locked: {version})")
    assert not stale, f"requirements/{lock} is out of date, run `make lock`: {stale}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_hashes(lock):
    text = (ROOT / "requirements" / lock).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    pinned = [entry for entry in entries if PIN.match(entry)]
    assert pinned
    assert all("--hash=sha256:" in entry for entry in pinned)
