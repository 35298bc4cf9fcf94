import os

import pytest

from access_es.settings import ConfigError, load_settings, region_from_host, service_from_host

BASE = {
    "ACCESS_ES_ENDPOINT": "https://search-logs-abc123.eu-west-1.es.amazonaws.com",
    "ACCESS_ES_SECRET_KEY": "0123456789abcdef0123",
}


def test_defaults_and_region_from_the_endpoint():
    s = load_settings(BASE)
    assert s.endpoint == BASE["ACCESS_ES_ENDPOINT"]
    assert s.region == "eu-west-1"
    assert s.service == "es"
    assert s.users == "users.json"
    assert s.upstream_timeout == 28.0
    assert s.home == "/_dashboards/"
    assert s.endpoint_host == "search-logs-abc123.eu-west-1.es.amazonaws.com"


@pytest.mark.parametrize("host,region,service", [
    ("search-x-abc.us-east-1.es.amazonaws.com", "us-east-1", "es"),
    ("vpc-x-abc.ap-southeast-2.es.amazonaws.com", "ap-southeast-2", "es"),
    ("abcdef123.us-west-2.aoss.amazonaws.com", "us-west-2", "aoss"),
    ("search-x.cn-north-1.es.amazonaws.com.cn", "cn-north-1", "es"),
    ("search-x.us-gov-west-1.es.amazonaws.com", "us-gov-west-1", "es"),
    ("localhost", None, "es"),
])
def test_region_and_service_from_host(host, region, service):
    assert region_from_host(host) == region
    assert service_from_host(host) == service


def test_aoss_endpoint_selects_aoss():
    s = load_settings({**BASE, "ACCESS_ES_ENDPOINT": "https://abc.us-east-1.aoss.amazonaws.com/"})
    assert (s.service, s.region, s.endpoint) == ("aoss", "us-east-1", "https://abc.us-east-1.aoss.amazonaws.com")


def test_explicit_values_win_and_aws_region_is_the_fallback():
    s = load_settings({**BASE, "ACCESS_ES_ENDPOINT": "http://127.0.0.1:9200", "AWS_REGION": "ca-central-1",
                       "ACCESS_ES_SERVICE": "aoss", "ACCESS_ES_UPSTREAM_TIMEOUT": "5.5",
                       "ACCESS_ES_HOME": "/_plugin/kibana/", "ACCESS_ES_USERS": "/etc/access-es/users.json"})
    assert (s.region, s.service, s.upstream_timeout, s.home, s.users) == (
        "ca-central-1", "aoss", 5.5, "/_plugin/kibana/", "/etc/access-es/users.json")
    assert load_settings({**BASE, "ACCESS_ES_REGION": "us-east-2"}).region == "us-east-2"
    assert load_settings({**BASE, "ACCESS_ES_ENDPOINT": "http://h:1", "AWS_DEFAULT_REGION": "sa-east-1"}).region \
        == "sa-east-1"


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as e:
        load_settings({"ACCESS_ES_ENDPOINT": "ftp://x", "ACCESS_ES_SERVICE": "s3",
                       "ACCESS_ES_UPSTREAM_TIMEOUT": "soon", "ACCESS_ES_HOME": "//evil.example/"})
    text = str(e.value)
    for name in ("ACCESS_ES_ENDPOINT", "ACCESS_ES_REGION", "ACCESS_ES_SERVICE", "ACCESS_ES_SECRET_KEY",
                 "ACCESS_ES_UPSTREAM_TIMEOUT", "ACCESS_ES_HOME"):
        assert name in text
    assert len(e.value.problems) == 6


@pytest.mark.parametrize("endpoint", [
    "search-x.us-east-1.es.amazonaws.com",           # no scheme
    "https://search-x.us-east-1.es.amazonaws.com/x",  # a path
    "https://user:pw@search-x.us-east-1.es.amazonaws.com",
    "https://search-x.us-east-1.es.amazonaws.com?x=1",
    "https://host:notaport",
])
def test_bad_endpoints(endpoint):
    with pytest.raises(ConfigError, match="ACCESS_ES_ENDPOINT"):
        load_settings({**BASE, "ACCESS_ES_ENDPOINT": endpoint, "AWS_REGION": "us-east-1"})


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1000"])
def test_bad_timeouts(value):
    with pytest.raises(ConfigError, match="ACCESS_ES_UPSTREAM_TIMEOUT"):
        load_settings({**BASE, "ACCESS_ES_UPSTREAM_TIMEOUT": value})


@pytest.mark.parametrize("home", ["https://evil.example/", "//evil", "/\\evil", "dashboards", "/a\tb"])
def test_home_must_be_a_local_path(home):
    with pytest.raises(ConfigError, match="ACCESS_ES_HOME"):
        load_settings({**BASE, "ACCESS_ES_HOME": home})


def test_short_secret_key():
    with pytest.raises(ConfigError, match="too short"):
        load_settings({**BASE, "ACCESS_ES_SECRET_KEY": "short"})


def test_the_secret_key_can_come_from_ssm_or_secrets_manager(moto_env):
    import boto3

    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/access-es/secret", Value="from-ssm-0123456789abcdef", Type="SecureString", Overwrite=True)
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="access-es-secret-test", SecretString="from-secrets-manager-0123456789")
    env = {**BASE, "AWS_REGION": "us-east-1", **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}
    assert load_settings({**env, "ACCESS_ES_SECRET_KEY": "ssm:/access-es/secret"}).secret_key == \
        "from-ssm-0123456789abcdef"
    assert load_settings({**env, "ACCESS_ES_SECRET_KEY": "secretsmanager:access-es-secret-test"}).secret_key == \
        "from-secrets-manager-0123456789"
    with pytest.raises(ConfigError, match="ssm:GetParameter"):
        load_settings({**env, "ACCESS_ES_SECRET_KEY": "ssm:/not/there"})


def test_what_our_code_acts_on_beyond_access_es_is_read_here_too():
    s = load_settings({**BASE, "AWS_REGION": "eu-central-1", "REQUESTS_CA_BUNDLE": "/etc/ca.pem",
                       "AWS_CA_BUNDLE": "/etc/aws-ca.pem", "AWS_LAMBDA_FUNCTION_NAME": "access-es-dev",
                       "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
    assert (s.aws_region, s.ca_bundle, s.on_lambda, s.lambda_runtime) == (
        "eu-central-1", "/etc/ca.pem", True, "AWS_Lambda_python3.12")
    assert load_settings({**BASE, "AWS_CA_BUNDLE": "/etc/aws-ca.pem"}).ca_bundle == "/etc/aws-ca.pem"
    s = load_settings(BASE)
    assert (s.aws_region, s.ca_bundle, s.upstream_proxy, s.on_lambda, s.lambda_runtime) == (
        None, None, None, False, "")
    assert s.overflow_prefix == "overflow/"


@pytest.mark.parametrize("env,proxy", [
    ({"HTTPS_PROXY": "http://proxy:3128"}, "http://proxy:3128"),
    ({"https_proxy": "http://lower:3128", "HTTPS_PROXY": "http://upper:3128"}, "http://lower:3128"),
    ({"HTTP_PROXY": "http://proxy:3128"}, None),                       # the endpoint is https
    ({"ALL_PROXY": "http://all:3128"}, "http://all:3128"),
    ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".amazonaws.com"}, None),
    ({"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "*"}, None),
    ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example.com"}, "http://proxy:3128"),
])
def test_the_outbound_proxy_is_read_as_urllib_reads_it(env, proxy, monkeypatch):
    assert load_settings({**BASE, **env}).upstream_proxy == proxy
    # the same answer urllib gives from os.environ (what the transport asked before settings did)
    from urllib.request import getproxies_environment, proxy_bypass_environment

    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    proxies = getproxies_environment()
    host = "search-logs-abc123.eu-west-1.es.amazonaws.com"
    expected = proxies.get("https") or proxies.get("all")
    assert proxy == (None if not expected or proxy_bypass_environment(host, proxies) else expected)


class _Recording(dict):
    """An environment that remembers every name asked for."""

    def __init__(self, *args):
        super().__init__(*args)
        self.asked: set[str] = set()

    def get(self, name, default=None):
        self.asked.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.asked.add(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self.asked.add(name)
        return super().__contains__(name)


def _package_sources():
    from pathlib import Path

    import access_es

    root = Path(access_es.__file__).parent
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in root.rglob("*.py")}


def test_every_access_es_variable_is_read_by_settings_and_documented_in_the_readme():
    import re
    from pathlib import Path

    from access_es import settings

    env = _Recording(BASE)
    load_settings(env)
    read = {n for n in env.asked if n.startswith("ACCESS_ES_")}
    named = {n for text in _package_sources().values() for n in re.findall(r"\bACCESS_ES_[A-Z][A-Z_]*[A-Z]\b", text)}
    assert named - read == set(), "named in access_es/ but not read by load_settings"
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(ACCESS_ES_[A-Z_]+)` \|", table, re.M))
    assert read - documented == set(), "read by load_settings but missing from README's configuration table"
    assert documented - read == set(), "in README's configuration table but never read"
    for name, (default, *_rest) in settings.INTEGER_SETTINGS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        assert row.endswith(f"| `{default}` |"), f"README's default for {name} is not {default}"


def test_no_module_but_settings_reads_the_environment():
    """demo.py sets variables for the processes it starts; the stand-in is the test bed's, not the proxy's."""
    import ast

    readers = []
    for name, text in _package_sources().items():
        if name == "settings.py" or name.startswith("standin/"):
            continue
        tree = ast.parse(text)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                parent = parents.get(node)
                writes = (isinstance(parent, ast.Attribute) and parent.attr in ("update", "pop")) or \
                    (isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store))
                if not writes:
                    readers.append(f"{name}:{node.lineno}")
            if isinstance(node, (ast.Name, ast.Attribute)) and \
                    getattr(node, "id", getattr(node, "attr", None)) in ("getproxies", "getproxies_environment"):
                readers.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "os" and \
                    any(a.name in ("environ", "getenv") for a in node.names):
                readers.append(f"{name}:{node.lineno}")
    assert readers == [], "read the environment outside settings.py"
