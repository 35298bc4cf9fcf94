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
    import os

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
