"""A PEP 517 build backend for the smart_tuner package, standard library only.

pip builds a package in an isolated environment and first installs the backend the project
names; on a machine without a package index that fails for setuptools or hatchling. This backend
is part of the source tree (``backend-path``), so ``pip install ./python`` needs nothing from
the network. It builds a pure-Python wheel of ``smart_tuner/`` and a source archive.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "smart_tuner"


def _project() -> dict:
    """Name, version, description and Python requirement from pyproject.toml's [project]."""
    with open(os.path.join(_ROOT, "pyproject.toml"), encoding="utf-8") as file:
        text = file.read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    fields = dict(re.findall(r'^(\w[\w-]*)\s*=\s*"([^"]*)"', section, flags=re.MULTILINE))
    return {"name": fields["name"], "version": fields["version"], "summary": fields.get("description", ""),
            "requires_python": fields.get("requires-python", "")}


def _dist_name(project: dict) -> str:
    return re.sub(r"[-_.]+", "_", project["name"]).lower()


def _metadata(project: dict) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}",
             f"Summary: {project['summary']}"]
    if project["requires_python"]:
        lines.append(f"Requires-Python: {project['requires_python']}")
    lines += ["Provides-Extra: numpy", 'Requires-Dist: numpy; extra == "numpy"',
              "Provides-Extra: torch", 'Requires-Dist: torch; extra == "torch"']
    return "\n".join(lines) + "\n"


def _package_files() -> list[str]:
    files = []
    for directory, _, names in os.walk(os.path.join(_ROOT, _PACKAGE)):
        for name in sorted(names):
            if name.endswith((".py", ".typed")):
                files.append(os.path.relpath(os.path.join(directory, name), _ROOT))
    return sorted(files)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings=None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings=None) -> list[str]:
    return []


def _write_wheel(wheel_directory: str, editable: bool) -> str:
    project = _project()
    dist = _dist_name(project)
    info = f"{dist}-{project['version']}.dist-info"
    name = f"{dist}-{project['version']}-py3-none-any.whl"
    entries: list[tuple[str, bytes]] = []
    if editable:
        entries.append((f"{dist}.pth", (_ROOT + "\n").encode()))
    else:
        for path in _package_files():
            with open(os.path.join(_ROOT, path), "rb") as file:
                entries.append((path.replace(os.sep, "/"), file.read()))
    entries.append((f"{info}/METADATA", _metadata(project).encode()))
    entries.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: smart_tuner_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    record = [_record_line(path, data) for path, data in entries] + [f"{info}/RECORD,,"]
    entries.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for path, data in entries:
            wheel.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None) -> str:
    return _write_wheel(wheel_directory, editable=False)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None) -> str:
    return _write_wheel(wheel_directory, editable=True)


def build_sdist(sdist_directory, config_settings=None) -> str:
    project = _project()
    base = f"{_dist_name(project)}-{project['version']}"
    name = f"{base}.tar.gz"
    paths = ["pyproject.toml", "README.md"] + _package_files()
    paths += [os.path.relpath(os.path.join(_ROOT, "_build_backend", "smart_tuner_build.py"), _ROOT)]
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as archive:
        for path in paths:
            archive.add(os.path.join(_ROOT, path), arcname=f"{base}/{path}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata(project).encode()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return name
