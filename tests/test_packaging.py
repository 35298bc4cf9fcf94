"""What ships: the wheel carries the templates, the deployment files are valid."""
import importlib
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_templates_and_works_when_installed(tmp_path):
    # build from a copy: setuptools writes build/ and *.egg-info next to the sources
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "*.egg-info", ".hypothesis", "__pycache__", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("access_es-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in ("login.html", "home.html", "error.html", "base.html"):
        assert f"access_es/templates/{template}" in names
    assert not any(n.startswith("tests/") for n in names)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import access_es.errors as w; "
            "print(w.__file__); print(w.template_dir())")
    out = subprocess.run([sys.executable, "-c", code, str(target)], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(target)) and out[1] == str(target / "access_es" / "templates")


def test_zappa_settings_are_valid_and_complete():
    settings = json.loads((REPO / "zappa_settings.json").read_text())
    assert set(settings) >= {"dev", "production"}
    dev = settings["dev"]
    assert dev["app_function"] == "access_es.wsgi.app"
    for key in ("binary_support", "timeout_seconds", "memory_size", "keep_warm", "log_level", "environment_variables"):
        assert key in dev
    assert dev["timeout_seconds"] >= 29  # the proxy answers (504) before API Gateway's 29 s
    assert "ACCESS_ES_ENDPOINT" in dev["environment_variables"]
    assert settings["production"]["extends"] == "dev" and settings["production"]["keep_warm"] is True
    for stage in ("dev", "production"):
        env = settings[stage].get("environment_variables", dev["environment_variables"])
        assert env["ACCESS_ES_SECRET_KEY"].startswith("ssm:")        # no secret in the file
        assert env["ACCESS_ES_USERS"].startswith("dynamodb://") and env["ACCESS_ES_TRUST_PROXY"] == "1"
        statements = settings[stage].get("extra_permissions", dev["extra_permissions"])
        for statement in statements:                                    # least privilege: no wildcards
            assert "*" not in "".join(statement["Action"]) and statement["Resource"] != "*"
        resources = {a.split(":")[0]: s["Resource"] for s in statements for a in s["Action"]}
        assert resources["es"].startswith("arn:aws:es:") and resources["es"].endswith("/*")
        assert ":table/" in resources["dynamodb"] and resources["s3"].endswith("/overflow/*")
        assert ":parameter/" in resources["ssm"]
        # the IAM roles of ACCESS_ES_IAM_ROLES, by name (README: "The domain as the second wall")
        assert all(":role/" in arn for arn in resources["sts"]) and len(resources["sts"]) == 2
    for stage in ("dev", "production"):
        effective = {**dev, **settings[stage]}  # a stage's own keys over those of the stage it extends
        # Zappa's default debug (on) answers an exception that escapes the app with its traceback;
        # the exception handler logs the traceback instead
        assert effective["debug"] is False
        module, _, name = effective["exception_handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))
    # what Lambda does not need (tests/test_lambda_package.py builds the zip and checks what is in it)
    assert {".git", ".venv", "__pycache__", "*.pyc", "tests", "bench"} <= set(dev["exclude"])
    assert {"build", "*.egg-info", "Makefile", "README.md", "setup.py", "users.json*"} <= set(dev["exclude_glob"])
    assert not {"templates", "access_es"} & set(dev["exclude"] + dev["exclude_glob"])


def test_bucket_policy_is_valid_json_with_the_documented_placeholders():
    text = (REPO / "overflow_bucket_policy.json").read_text()
    policy = json.loads(text)
    sids = {s["Sid"] for s in policy["Statement"]}
    assert "DenyInsecureTransport" in sids
    for placeholder in ("BUCKET", "ACCOUNT_ID", "PROXY_ROLE", "PREFIX"):
        assert placeholder in text


def test_cors_xml_is_well_formed():
    root = ET.parse(REPO / "cors.xml").getroot()
    ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    methods = {m.text for m in root.findall(".//s3:AllowedMethod", ns)}
    assert methods == {"GET", "HEAD"}


def test_the_wsgi_module_builds_the_app_from_the_environment(tmp_path):
    from .conftest import aws_env

    env = aws_env(ACCESS_ES_ENDPOINT="http://127.0.0.1:9", ACCESS_ES_SECRET_KEY="k" * 32,
                  ACCESS_ES_USERS=str(tmp_path / "u.json"))
    code = "from access_es.wsgi import app; print(app.name, len(list(app.url_map.iter_rules())))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("access_es ")


def test_the_shipped_bucket_documents_are_what_bucket_setup_applies():
    from access_es.overflow.bucket import bucket_policy, cors_xml

    shipped = json.loads((REPO / "overflow_bucket_policy.json").read_text())
    assert shipped == bucket_policy("BUCKET", "PREFIX", "arn:aws:iam::ACCOUNT_ID:role/PROXY_ROLE")
    text = (REPO / "cors.xml").read_text()
    without_comment = re.sub(r"<!--.*?-->\n", "", text, flags=re.S)
    assert without_comment == cors_xml(["ORIGIN"])
