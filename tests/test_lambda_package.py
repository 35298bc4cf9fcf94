"""The Lambda package as a user deploys it (README, "Deployment with Zappa"): a fresh virtualenv with
`pip install '.[lambda]'` (not editable) in a copy of the checkout, `zappa package dev`, and the
zip's `handler.lambda_handler` run as the Lambda Python runtime runs it (tests/lambda_runtime.py):
by the interpreter this suite's virtualenv was made from, isolated (only the unzipped folder and
the standard library importable), from the unzipped folder, with Lambda's environment, fed API
Gateway REST proxy events (tests/zappa_harness.py) in front of the SigV4-verifying stand-in.

What differs from a deployment, and why:
- the stage's ACCESS_ES_* values in the generated zappa_settings.py (which Zappa's handler puts
  into the environment, over the function's own) are replaced by test ones, as a deployer replaces
  the REPLACE-... placeholders: the stand-in's URL, a users file, a literal secret key (not SSM), and
  no overflow bucket (nothing here overflows);
- AWS credentials are the suite's test keys, as the function's role would give its own;
- `zappa package` cannot reach pypi.python.org here, so it keeps the wheels pip installed rather
  than fetching manylinux ones: the same wheels on this (Linux x86_64, CPython 3.11) builder.

About 40 to 60 s on the shared 2-core machine, most of it `pip install` (from pip's cache, which
`make install` fills) and creating the virtualenv.
"""
from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ACCESS_KEY, APP_SECRET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN
from access_es.standin.domain import Reply, pattern_bytes
from .zappa_harness import header, rest_event

REPO = Path(__file__).resolve().parent.parent
RUNTIME = Path(__file__).resolve().parent / "lambda_runtime.py"
STAGE = "dev"
SETTINGS = json.loads((REPO / "zappa_settings.json").read_text())[STAGE]
# the interpreter the suite's virtualenv was made from: a plain Python, in no virtualenv
BASE_PYTHON = getattr(sys, "_base_executable", None) or sys.executable
# what Zappa itself adds at the root of the zip
ZAPPA_FILES = {"handler.py", "zappa_settings.py", "package_info.json", "__init__.py"}
# left in a developer's checkout, never to ship (build/ and access_es.egg-info come from `pip install .`)
CHECKOUT_LEFTOVERS = {".git/HEAD": "ref: refs/heads/main\n", ".venv/pyvenv.cfg": "home = /usr/bin\n",
                      "users.json": '{"users": {}}\n', "users.json.state.db": "", ".pytest_cache/README.md": ""}
BASIC = [("Authorization", "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode())]


@dataclass
class Package:
    zip: Path
    site_packages: Path
    build_log: str
    seconds: float


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without its virtualenv, Python or AWS settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH") and not k.startswith(("AWS_", "ACCESS_ES_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if Path(p).resolve() != Path(sys.executable).parent.resolve())
    env.update(extra)
    return env


def _run(args: list[str], log: list[str], **kw) -> None:
    out = subprocess.run(args, capture_output=True, text=True, **kw)
    log.append(f"$ {' '.join(args)}\n{out.stdout}{out.stderr}")
    assert out.returncode == 0, "\n".join(log)[-6000:]


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Package:
    runtime = SETTINGS["runtime"]  # python3.11
    version = subprocess.run([BASE_PYTHON, "-c", "import sys; print(f'python{sys.version_info[0]}.{sys.version_info[1]}')"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != runtime:
        pytest.skip(f"the package is built for {runtime} (zappa_settings.json) and this Python is {version}")
    started = time.monotonic()
    work = tmp_path_factory.mktemp("lambda-package")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist", "*.egg-info"))
    for name, text in CHECKOUT_LEFTOVERS.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    venv = work / "venv"
    bin_dir = venv / "bin"
    env = _clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1")
    log: list[str] = []
    # the README's steps: a virtualenv, `pip install '.[lambda]'`, `zappa package dev`
    _run([BASE_PYTHON, "-m", "venv", str(venv)], log, env=env)
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", ".[lambda]"], log, cwd=source, env=env,
         timeout=600)
    zip_path = work / "access-es-dev.zip"
    # No AWS credentials needed; the region comes from the stage's aws_region. Nothing may probe the
    # instance metadata service (it is not on this machine).
    package_env = {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                   "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
                   "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "PIP_TIMEOUT": "3"}
    _run([str(bin_dir / "zappa"), "package", STAGE, "-o", str(zip_path)], log, cwd=source, env=package_env,
         timeout=300)
    site_packages = next((venv / "lib").glob("python3.*/site-packages"))
    return Package(zip_path, site_packages, "\n".join(log), time.monotonic() - started)


def test_the_package_holds_the_app_and_nothing_else_of_the_checkout(package):
    names = zipfile.ZipFile(package.zip).namelist()
    roots = {n.split("/", 1)[0] for n in names}
    installed = {p.name for p in package.site_packages.iterdir()}
    # From the checkout itself only the templates remain (errors.template_dir looks there first; the
    # installed package carries them too): no build/, egg-info, Makefile, README, tests, bench,
    # settings files, accounts files, .git or .venv.
    assert roots - installed - ZAPPA_FILES == {"templates"}, sorted(roots - installed - ZAPPA_FILES)
    for template in ("login.html", "home.html", "error.html", "base.html"):
        assert f"templates/{template}" in names and f"access_es/templates/{template}" in names
    # what the stage excludes is gone, at any depth (exclude) or at the root (exclude_glob): the
    # Zappa's deploy-time tools, bytecode, the checkout's leftovers
    for name in names:
        for part in name.split("/"):
            hit = [p for p in SETTINGS["exclude"] if fnmatch.fnmatch(part, p)]
            assert not hit, f"{name} is in the package although excluded by {hit}"
    for root in roots:
        hit = [p for p in SETTINGS["exclude_glob"] if fnmatch.fnmatch(root, p)]
        assert not hit, f"{root} is in the package although excluded by {hit}"
    assert not any(n.startswith("access_es.egg-info") for n in names)
    generated = zipfile.ZipFile(package.zip).read("zappa_settings.py").decode()
    assert "\nDEBUG=False\n" in generated
    assert "\nEXCEPTION_HANDLER='access_es.lambda_adapter.log_unhandled_exception'\n" in generated


def _unzip_with_test_settings(package: Package, task: Path, **test_env: str) -> dict[str, str]:
    """The zip unpacked as /var/task would be, the stage's environment in the generated settings
    replaced by `test_env` (keys mapped to None are removed); returns that environment."""
    zipfile.ZipFile(package.zip).extractall(task)
    settings_py = task / "zappa_settings.py"
    text = settings_py.read_text()
    generated: dict = {}
    exec(compile(text, str(settings_py), "exec"), generated)  # Zappa writes Python literals
    env = dict(generated["ENVIRONMENT_VARIABLES"])
    assert env["AWS_REGION"] == SETTINGS["aws_region"] and env["ACCESS_ES_TRUST_PROXY"] == "1"
    for name, value in test_env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    text, n = re.subn(r"^ENVIRONMENT_VARIABLES=.*$", lambda _: f"ENVIRONMENT_VARIABLES={env!r}", text, flags=re.M)
    assert n == 1
    settings_py.write_text(text)
    return env


def _lambda_environment(task: Path) -> dict[str, str]:
    """What Lambda sets for a function deployed from this stage (its role's keys: the test keys)."""
    name = f"{SETTINGS['project_name']}-{STAGE}"
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task), "_HANDLER": "handler.lambda_handler",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{SETTINGS['runtime']}", "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(SETTINGS["memory_size"]),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}", "AWS_LAMBDA_LOG_STREAM_NAME": "test",
        "AWS_REGION": SETTINGS["aws_region"], "AWS_DEFAULT_REGION": SETTINGS["aws_region"],
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_SESSION_TOKEN": SESSION_TOKEN,
        # not on Lambda; here they keep this machine's AWS files and the metadata service out of reach
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
    }


def test_the_package_answers_api_gateway_events_outside_any_virtualenv(package, standin, accounts_file, tmp_path):
    task = tmp_path / "task"
    _unzip_with_test_settings(package, task, ACCESS_ES_ENDPOINT=standin.url, ACCESS_ES_USERS=str(accounts_file),
                              ACCESS_ES_SECRET_KEY=APP_SECRET, ACCESS_ES_OVERFLOW_BUCKET=None)
    # A real failure, not an injected one: the upstream cuts a 4 MiB answer off after 2 MiB. On
    # Lambda the overflow rule reads the body before answering, so urllib3's IncompleteRead escapes
    # the app and reaches Zappa's handler, where the stage's `debug` decides whether the 500 carries
    # the traceback. (Should the app come to answer this itself, pick another failure that escapes.)
    standin.route("/_cut", lambda req: Reply(200, [], pattern_bytes(2 << 20), content_type="application/octet-stream",
                                            declared_length=4 << 20))
    events = [
        rest_event("GET", "/_access-es/login", headers=[("Accept", "text/html")]),
        rest_event("GET", "/_echo/from-lambda", headers=BASIC + [("Accept", "application/json")],
                   query=[("q", "level:ERROR")]),
        rest_event("GET", "/_cut/big.bin", headers=BASIC),
    ]
    (tmp_path / "events.json").write_text(json.dumps(events))
    results_path = tmp_path / "results.json"
    run = subprocess.run([BASE_PYTHON, "-I", "-S", str(RUNTIME), str(task), str(tmp_path / "events.json"),
                          str(results_path)], env=_lambda_environment(task), cwd=task, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(results_path.read_text())
    assert all("result" in r for r in results), results  # the function never failed
    login, echo, failure = (r["result"] for r in results)

    # (1) the login page, rendered from the package's templates
    assert login["statusCode"] == 200, login.get("body", "")[:500]
    assert header(login, "Content-Type").startswith("text/html")
    assert 'name="csrf_token"' in login["body"] and 'action="/_access-es/login"' in login["body"]

    # (2) a Basic-authenticated request, signed with the role's keys, verified by the stand-in
    assert echo["statusCode"] == 200, echo.get("body", "")[:500]
    echoed = json.loads(echo["body"])
    assert echoed["path"] == "/_echo/from-lambda" and echoed["params"] == [["q", "level:ERROR"]]
    sent = dict((n.lower(), v) for n, v in echoed["headers"])
    assert sent["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert sent["x-amz-security-token"] == SESSION_TOKEN
    seen = [s for s in standin.seen if s.path.startswith(("/_echo/", "/_cut/"))]
    assert [s.path for s in seen] == ["/_echo/from-lambda", "/_cut/big.bin"] and all(s.verified for s in seen)

    # (3) the failure: Zappa's 500, without the traceback (debug off); the traceback is in the log
    assert failure["statusCode"] == 500
    body = failure.get("body") or ""
    assert "An uncaught exception happened" in body  # Zappa's own answer: the path `debug` governs
    for leak in ("Traceback", "traceback", 'File "', "IncompleteRead", "urllib3", str(task)):
        assert leak not in body, body
    logged = [json.loads(line) for line in run.stderr.splitlines() if '"unhandled_exception"' in line]
    assert len(logged) == 1 and logged[0]["path"] == "/_cut/big.bin"
    assert "IncompleteRead" in logged[0]["traceback"]
    for secret in (PASSWORDS["alice"], BASIC[0][1].split()[1], SECRET_KEY, SESSION_TOKEN, APP_SECRET):
        assert secret not in run.stdout + run.stderr


def test_what_the_package_leaves_out_is_not_needed_at_run_time(package, tmp_path):
    """Every module of access_es that Lambda may load (all but `serve`'s), the AWS clients it makes,
    boto3's S3 transfer and single sign-on's Authlib and joserfc import from the package alone:
    nothing excluded is needed."""
    task = tmp_path / "task"
    zipfile.ZipFile(package.zip).extractall(task)
    code = """
import importlib, pkgutil, sys
sys.path.insert(0, sys.argv[1])
import handler, access_es
for module in pkgutil.walk_packages(access_es.__path__, "access_es."):
    if module.name != "access_es.wsgi":  # wsgi builds the app: run above
        importlib.import_module(module.name)
import boto3, boto3.s3.transfer
for service in ("s3", "dynamodb", "ssm", "secretsmanager"):
    boto3.client(service, region_name="us-east-1")
from access_es.accounts.passwords import hash_password, verify_password
assert verify_password(hash_password("a password"), "a password")
# single sign-on's libraries, which its routes import on first use (cryptography's native part included)
import authlib.integrations.requests_client, authlib.oidc.core, joserfc.jwt, joserfc.jwk
joserfc.jwk.RSAKey.generate_key(2048)
import sysconfig
allowed = (sys.argv[1], sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
outside = sorted(m.__name__ for m in list(sys.modules.values())
                 if getattr(m, "__file__", None) and not m.__file__.startswith(allowed))
assert not outside, f"imported from outside the package and the standard library: {outside}"
"""
    run = subprocess.run([BASE_PYTHON, "-I", "-S", "-c", code, str(task)], env=_lambda_environment(task), cwd=task,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
