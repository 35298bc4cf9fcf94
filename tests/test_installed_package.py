"""`pip install .` gives a package that starts (issue 11): the wheel and the sdist, each installed
(not editable) into a fresh virtualenv that cannot see this checkout, add an account, serve a signed
request to the stand-in, run the demo, and import every module of the package from there.

The fresh virtualenvs borrow the dependencies already installed here instead of fetching them again:
a .pth file in their site-packages names this environment's site-packages. A plain path line in a
.pth file does not run the .pth files inside that directory, so this environment's editable install
(a finder that imports access_es from the checkout) stays out.
"""
from __future__ import annotations

import ast
import importlib
import json
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from .conftest import Browser, aws_env, start_proxy, stop_proxy
from .test_demo import running_demo

REPO = Path(__file__).resolve().parent.parent
# Modules that only a server can load, found in the install but not imported alone (none today:
# `access-es serve` runs its own server, access_es.server, which imports like any module).
HOSTED: set[str] = set()


def checkout_modules() -> set[str]:
    """Every module of access_es in this checkout, by dotted name."""
    names = set()
    for path in (REPO / "access_es").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def checkout_files() -> set[str]:
    """What the installed package must hold, as paths inside site-packages: the modules, the
    templates (installed as access_es/templates) and the stand-in's page."""
    files = {p.relative_to(REPO).as_posix() for p in (REPO / "access_es").rglob("*.py")}
    files |= {f"access_es/templates/{p.name}" for p in (REPO / "templates").iterdir() if p.suffix in (".html", ".css")}
    files |= {p.relative_to(REPO).as_posix() for p in (REPO / "access_es" / "standin").glob("*.html")}
    return files


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> dict[str, Path]:
    """The wheel and the sdist, built by setuptools' build backend (what pip and `python -m build`
    call) from a copy of the checkout: the build writes build/ and *.egg-info beside the sources."""
    tmp = tmp_path_factory.mktemp("dist")
    source = tmp / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", ".hypothesis", "__pycache__", ".pytest_cache", ".demo",
        "users.json*"))
    # one process per hook, as build frontends do (in one process, setuptools' second build lands
    # in the first one's directory)
    for hook in ("build_wheel", "build_sdist"):
        code = f"import sys; from setuptools import build_meta; build_meta.{hook}(sys.argv[1])"
        built = subprocess.run([sys.executable, "-c", code, str(tmp / "dist")], cwd=source, capture_output=True,
                               text=True)
        assert built.returncode == 0, built.stderr[-3000:]
    return {"wheel": next((tmp / "dist").glob("access_es-*.whl")),
            "sdist": next((tmp / "dist").glob("access_es-*.tar.gz"))}


def test_the_wheel_and_the_sdist_carry_every_module_and_file(artifacts):
    wheel = set(zipfile.ZipFile(artifacts["wheel"]).namelist())
    assert checkout_files() <= wheel, sorted(checkout_files() - wheel)
    assert not any(n.startswith(("tests/", "bench/")) for n in wheel)
    with tarfile.open(artifacts["sdist"]) as sdist:
        inside = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    shipped = {f if not f.startswith("access_es/templates/") else f.replace("access_es/", "", 1)
               for f in checkout_files()}
    assert shipped | {"setup.py", "pyproject.toml", "README.md"} <= inside, sorted(shipped - inside)


@dataclass
class Installed:
    kind: str     # "wheel" or "sdist"
    venv: Path
    site: Path    # the fresh virtualenv's site-packages, where access_es must come from
    home: Path    # the working directory of every command: outside the checkout

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def access_es(self) -> Path:
        return self.venv / "bin" / "access-es"

    def run(self, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
        """The installed console script, `access-es ARGS`, to its end."""
        return subprocess.run([str(self.access_es), *args], input=stdin, env=aws_env(**env), cwd=self.home,
                              capture_output=True, text=True, timeout=60)


@pytest.fixture(autouse=True)
def _no_pythonpath(monkeypatch):
    """Nothing but the fresh virtualenv decides where its commands find access_es."""
    monkeypatch.delenv("PYTHONPATH", raising=False)


@pytest.fixture(scope="module", params=["wheel", "sdist"])
def installed(request, artifacts, tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp(f"installed-{request.param}")
    venv, home = root / "venv", root / "home"
    home.mkdir()
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "dependencies-of-the-test-environment.pth").write_text("\n".join(sorted(ours)) + "\n")
    # --ignore-installed: through that path pip sees this environment's (editable) access-es and would
    # otherwise call it already installed. An sdist is built in the fresh virtualenv, with the setuptools
    # it borrows (--no-build-isolation: nothing from PyPI).
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--quiet", "--no-deps", "--no-build-isolation", "--ignore-installed",
                           str(artifacts[request.param])], cwd=home, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return Installed(request.param, venv, site, home)


IMPORT_EVERYTHING = r"""
import importlib, importlib.util, json, pkgutil, sys
import access_es

def fail(name):
    raise  # the ImportError walk_packages met while importing the package `name`

modules = {"access_es": access_es.__file__}
for info in pkgutil.walk_packages(access_es.__path__, "access_es.", onerror=fail):
    if info.name in sys.argv[1:]:
        modules[info.name] = importlib.util.find_spec(info.name).origin
    else:
        modules[info.name] = importlib.import_module(info.name).__file__
print(json.dumps({"package": access_es.__file__, "modules": modules, "path": sys.path,
                  "finders": [type(f).__module__ for f in sys.meta_path]}))
"""


def test_every_module_imports_from_the_fresh_virtualenv_not_the_checkout(installed, tmp_path):
    env = aws_env(ACCESS_ES_ENDPOINT="http://127.0.0.1:9", ACCESS_ES_SECRET_KEY="k" * 32,
                  ACCESS_ES_USERS=str(tmp_path / "users.json"))  # access_es.wsgi builds the app on import
    done = subprocess.run([str(installed.python), "-c", IMPORT_EVERYTHING, *HOSTED], env=env, cwd=installed.home,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])

    assert seen["package"] == str(installed.site / "access_es" / "__init__.py")
    assert set(seen["modules"]) == checkout_modules()  # nothing left out (access_es.stores once was)
    outside = {name: f for name, f in seen["modules"].items() if not f.startswith(str(installed.site / "access_es"))}
    assert not outside
    assert str(REPO) not in seen["path"] and "" not in seen["path"][1:]
    assert not any("__editable__" in finder for finder in seen["finders"])
    for name in checkout_files():
        assert (installed.site / name).is_file(), name


def test_users_add_serve_and_a_signed_request(installed, standin, tmp_path):
    users = tmp_path / "users.json"
    added = installed.run("users", "add", "carol", "--role", "admin", stdin="carol-password-1\n",
                          ACCESS_ES_USERS=str(users))
    assert added.returncode == 0, added.stderr
    listed = installed.run("users", "list", ACCESS_ES_USERS=str(users))
    assert listed.returncode == 0 and "carol" in listed.stdout and "admin" in listed.stdout, listed

    proxy = start_proxy(tmp_path, standin.url, users, program=installed.access_es, cwd=installed.home,
                        args=("--host", "127.0.0.1", "--threads", "4"))
    try:
        # the server is the fresh virtualenv's: its console script, run by its interpreter
        cmdline = Path(f"/proc/{proxy.process.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[0].decode() == str(installed.python) and cmdline[1].decode() == str(installed.access_es)
        r = requests.get(proxy.url + "/logs-demo/_search?q=error&size=2", auth=("carol", "carol-password-1"))
        assert r.status_code == 200, r.text
        assert r.json()["hits"]["total"]["value"] == 50
        arrived = standin.last()
        assert arrived.path == "/logs-demo/_search" and arrived.verified, arrived.error
    finally:
        stop_proxy(proxy)


def test_the_demo_runs_from_the_installed_package(installed, tmp_path):
    with running_demo(installed.access_es, tmp_path, cwd=installed.home) as demo:
        assert "local S3 (moto_server)" in demo.text  # moto is importable here (the borrowed dependencies)
        b = Browser(demo.base)
        r = b.login("demo", demo.admin_pw)
        assert r.status_code == 303 and r.headers["Location"] == "/_dashboards/"
        page = b.get("/_dashboards/")  # the stand-in's page: package data
        assert page.status_code == 200 and "osd-xsrf" in page.text
        r = requests.get(demo.base + "/logs-demo/_search?q=error&size=2", auth=("demo", demo.admin_pw))
        assert r.status_code == 200 and r.json()["hits"]["total"]["value"] == 50


def imports_in(path: Path):
    """(module, names) for each absolute import in a source file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module, [alias.name for alias in node.names]


def test_the_package_stands_alone_and_the_benches_imports_resolve():
    for path in (REPO / "access_es").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
                       and node.value.id == "sys" for node in ast.walk(tree)), f"{path} changes sys.path"
        for module, _ in imports_in(path):
            assert module.split(".")[0] not in ("tests", "bench", "testbed"), (path, module)
    # make bench is not part of make test: what the benches import must still exist, and they take
    # the test bed from testbed/, never from tests/
    for path in (REPO / "bench").glob("*.py"):
        for module, names in imports_in(path):
            assert module.split(".")[0] != "tests", (path, module)
            if module.split(".")[0] in ("access_es", "testbed"):
                loaded = importlib.import_module(module)
                missing = [n for n in names if not hasattr(loaded, n)]
                assert not missing, (path, module, missing)
