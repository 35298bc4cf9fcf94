"""The `access-es` command, run as a user would run it."""
import json
import os
import re
import subprocess
import time

import pytest
import requests

from .conftest import VENV_BIN, aws_env, free_port

EXE = str(VENV_BIN / "access-es")


def run(*args, input=None, env=None, timeout=60):
    return subprocess.run([EXE, *args], input=input, capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture
def users_env(tmp_path):
    return aws_env(ACCESS_ES_USERS=str(tmp_path / "users.json"))


def test_users_add_list_passwd_remove(users_env, tmp_path):
    r = run("users", "add", "carol", "--role", "admin", input="carol-password-1\n", env=users_env)
    assert r.returncode == 0, r.stderr
    assert "added carol (admin)" in r.stdout
    r = run("users", "add", "dave", input="dave-password-1\n", env=users_env)  # readonly by default
    assert run("users", "list", env=users_env).stdout.splitlines() == ["carol\tadmin\t0 keys", "dave\treadonly\t0 keys"]
    data = json.loads((tmp_path / "users.json").read_text())
    assert "carol-password-1" not in json.dumps(data)
    before = data["users"]["carol"]["password_hash"]
    r = run("users", "passwd", "carol", input="carol-password-2\n", env=users_env)
    assert r.returncode == 0 and "sessions have ended" in r.stdout
    assert json.loads((tmp_path / "users.json").read_text())["users"]["carol"]["password_hash"] != before
    assert run("users", "remove", "dave", env=users_env).returncode == 0
    assert run("users", "list", env=users_env).stdout.splitlines() == ["carol\tadmin\t0 keys"]


@pytest.mark.parametrize("args,stdin,message", [
    (("users", "add", "bad:name"), "long-enough-pw\n", "invalid account name"),
    (("users", "add", "erin"), "short\n", "at least 8"),
    (("users", "remove", "nobody"), "", "no account 'nobody'"),
    (("users", "passwd", "nobody"), "long-enough-pw\n", "no account 'nobody'"),
])
def test_users_errors_are_clear(users_env, args, stdin, message):
    r = run(*args, input=stdin, env=users_env)
    assert r.returncode == 1 and message in r.stderr


def test_users_add_twice_is_refused(users_env):
    assert run("users", "add", "frank", input="frank-password\n", env=users_env).returncode == 0
    r = run("users", "add", "frank", input="other-password\n", env=users_env)
    assert r.returncode == 1 and "exists already" in r.stderr


def test_bad_role_is_a_usage_error(users_env):
    r = run("users", "add", "gina", "--role", "root", input="gina-password\n", env=users_env)
    assert r.returncode == 2 and "invalid choice" in r.stderr


KEY = re.compile(r"aes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def test_keys_create_list_revoke(users_env, tmp_path):
    assert run("users", "add", "carol", "--role", "admin", input="carol-password-1\n", env=users_env).returncode == 0
    assert run("users", "add", "dave", input="dave-password-1\n", env=users_env).returncode == 0
    r = run("keys", "create", "carol", "--name", "nightly", "--expires-days", "30", env=users_env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert KEY.fullmatch(lines[-1]) and not any(KEY.search(line) for line in lines[:-1])  # alone, on the last line
    key = lines[-1]
    r = run("keys", "create", "carol", env=users_env)  # default name: its id; default expiry: 90 days
    second = r.stdout.splitlines()[-1]
    assert r.returncode == 0 and KEY.fullmatch(second) and second != key
    assert run("keys", "create", "dave", "--name", "ci", env=users_env).returncode == 0

    out = run("keys", "list", env=users_env).stdout
    assert key not in out and second not in out and "aes_" not in out
    header, *rows = [line.split("\t") for line in out.splitlines()]
    assert header == ["account", "name", "id", "created", "expires", "last used"]
    assert [(r[0], r[1]) for r in rows] == [("carol", "nightly"), ("carol", second[4:20]), ("dave", "ci")]
    assert rows[0][2] == key[4:20] and rows[0][5] == "never" and rows[0][4].endswith("UTC")
    assert [line.split("\t")[1] for line in run("keys", "list", "dave", env=users_env).stdout.splitlines()[1:]] == ["ci"]
    assert run("users", "list", env=users_env).stdout.splitlines() == ["carol\tadmin\t2 keys", "dave\treadonly\t1 key"]
    from access_es.accounts import Account
    from access_es.stores import open_stores

    open_stores(str(tmp_path / "users.json")).accounts.put(Account("sam", "readonly", "", sso=True))
    assert run("users", "list", env=users_env).stdout.splitlines()[-1] == "sam\treadonly\t0 keys\tsso"
    # nothing in the store can give the key back
    assert key not in (tmp_path / "users.json").read_text()
    assert key.encode() not in (tmp_path / "users.json.state.db").read_bytes()

    r = run("keys", "revoke", "carol", "nightly", env=users_env)
    assert r.returncode == 0 and "revoked" in r.stdout
    assert "nightly" not in run("keys", "list", "carol", env=users_env).stdout
    # removing an account deletes its keys: a new account of the same name starts with none
    r = run("users", "remove", "dave", env=users_env)
    assert r.returncode == 0 and "its 1 API key" in r.stdout
    assert run("users", "add", "dave", input="dave-password-2\n", env=users_env).returncode == 0
    assert run("keys", "list", "dave", env=users_env).stdout.strip() == "no API keys for dave"


@pytest.mark.parametrize("args,message", [
    (("keys", "create", "nobody"), "no account 'nobody'"),
    (("keys", "create", "erin", "--expires-days", "91"), "from 1 to 90"),
    (("keys", "create", "erin", "--expires-days", "0"), "from 1 to 90"),
    (("keys", "create", "erin", "--name", "a b"), "invalid key name"),
    (("keys", "revoke", "erin", "none"), "no API key named 'none'"),
    (("keys", "revoke", "nobody", "x"), "no account 'nobody'"),
    (("keys", "list", "nobody"), "no account 'nobody'"),
])
def test_keys_errors_are_clear(users_env, args, message):
    assert run("users", "add", "erin", input="erin-password-1\n", env=users_env).returncode == 0
    r = run(*args, env=users_env)
    assert r.returncode == 1 and message in r.stderr and "aes_" not in r.stdout + r.stderr


def test_keys_obey_the_maximum_lifetime_setting(users_env):
    assert run("users", "add", "erin", input="erin-password-1\n", env=users_env).returncode == 0
    env = {**users_env, "ACCESS_ES_KEY_MAX_DAYS": "7"}
    assert run("keys", "create", "erin", "--expires-days", "8", env=env).returncode == 1
    assert run("keys", "create", "erin", env=env).returncode == 0
    r = run("keys", "create", "erin", env={**users_env, "ACCESS_ES_KEY_MAX_DAYS": "many"})
    assert r.returncode == 2 and "ACCESS_ES_KEY_MAX_DAYS" in r.stderr


def test_serve_with_bad_configuration_names_every_problem():
    env = aws_env(ACCESS_ES_ENDPOINT="ftp://nowhere", ACCESS_ES_UPSTREAM_TIMEOUT="x")
    env.pop("AWS_REGION")
    r = run("serve", "--port", str(free_port()), env=env)
    assert r.returncode == 2
    for name in ("ACCESS_ES_ENDPOINT", "ACCESS_ES_SECRET_KEY", "ACCESS_ES_REGION", "ACCESS_ES_UPSTREAM_TIMEOUT"):
        assert name in r.stderr
    assert "Traceback" not in r.stderr


def test_serve_without_aws_credentials_says_so(tmp_path):
    env = aws_env(ACCESS_ES_ENDPOINT="http://127.0.0.1:9", ACCESS_ES_SECRET_KEY="s" * 32,
                  ACCESS_ES_USERS=str(tmp_path / "u.json"))
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(k)
    r = run("serve", "--port", str(free_port()), env=env, timeout=60)
    assert r.returncode == 2 and "no AWS credentials" in r.stderr


def test_serve_runs_its_own_server_not_the_development_server(proxy):
    r = requests.get(proxy.url + "/_access-es/health")
    assert r.headers["Server"] == "access-es"  # added by our server when an answer has none
    log = proxy.log_text()
    assert "development server" not in log.lower() and "uwsgi" not in log.lower()
    banner = [line for line in log.splitlines() if line.startswith("access-es on http://127.0.0.1:")]
    assert len(banner) == 1 and log.index(banner[0]) == 0       # the first line: nothing before it


def test_serve_defaults_to_one_process_per_cpu():
    import os

    r = run("serve", "--help")
    assert f"one per CPU, here {len(os.sched_getaffinity(0))};" in " ".join(r.stdout.split())


def test_help_lists_the_commands():
    r = run("--help")
    for word in ("serve", "users", "demo"):
        assert word in r.stdout


def test_users_add_prompts_twice_on_a_terminal(users_env, tmp_path):
    import pty

    def converse(answers):
        pid, fd = pty.fork()
        if pid == 0:  # the child: access-es with a real terminal
            os.execve(EXE, [EXE, "users", "add", "hank", "--role", "admin"], users_env)
        output = b""
        for prompt, answer in answers:
            deadline = time.monotonic() + 30
            while prompt not in output and time.monotonic() < deadline:
                try:
                    output += os.read(fd, 1024)
                except OSError:
                    break
            os.write(fd, answer)
        while True:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), output.decode(errors="replace")

    code, out = converse([(b"Password:", b"hank-password-1\n"), (b"Repeat it:", b"different-one\n")])
    assert code == 1 and "differ" in out
    code, out = converse([(b"Password:", b"hank-password-1\n"), (b"Repeat it:", b"hank-password-1\n")])
    assert code == 0 and "added hank (admin)" in out
    assert "hank-password-1" not in out  # not echoed


def test_users_commands_against_dynamodb(moto_server):
    import uuid

    env = aws_env(ACCESS_ES_USERS=f"dynamodb://cli-{uuid.uuid4().hex[:6]}", AWS_ENDPOINT_URL_DYNAMODB=moto_server)
    r = run("users", "init", env=env)
    assert r.returncode == 0 and "created table" in r.stdout, r.stderr
    assert "ready already" in run("users", "init", env=env).stdout
    assert run("users", "add", "ivy", "--role", "admin", input="ivy-password-1\n", env=env).returncode == 0
    assert run("users", "add", "jon", input="jon-password-1\n", env=env).returncode == 0
    assert run("users", "list", env=env).stdout.splitlines() == ["ivy\tadmin\t0 keys", "jon\treadonly\t0 keys"]
    key = run("keys", "create", "ivy", "--name", "ci", env=env).stdout.splitlines()[-1]
    assert KEY.fullmatch(key)
    assert run("keys", "create", "ivy", env=env).returncode == 0
    assert run("users", "list", env=env).stdout.splitlines() == ["ivy\tadmin\t2 keys", "jon\treadonly\t0 keys"]
    assert run("keys", "revoke", "ivy", "ci", env=env).returncode == 0
    listed = run("keys", "list", env=env).stdout
    assert "\tci\t" not in listed and "aes_" not in listed and listed.count("ivy\t") == 1
    assert run("users", "passwd", "jon", input="jon-password-2\n", env=env).returncode == 0
    assert run("users", "remove", "ivy", env=env).returncode == 0
    assert run("users", "list", env=env).stdout.splitlines() == ["jon\treadonly\t0 keys"]
    assert run("keys", "list", env=env).stdout.startswith("no API keys")


def test_users_command_with_an_unreachable_table_says_why():
    env = aws_env(ACCESS_ES_USERS="dynamodb://nowhere", AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9")
    r = run("users", "list", env=env)
    assert r.returncode == 1 and "cannot be used" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("option", ["--threads", "--processes"])
def test_serve_refuses_zero_threads_or_processes(option):
    r = run("serve", option, "0")
    assert r.returncode == 2 and "at least 1" in r.stderr


def test_users_get_and_lose_their_own_iam_role(users_env, tmp_path):
    arn = "arn:aws:iam::111122223333:role/partners/acme-reader"
    r = run("users", "add", "acme", "--iam-role", arn, input="acme-password-1\n", env=users_env)
    assert r.returncode == 0 and f"added acme (readonly, signed as {arn})" in r.stdout, r.stderr
    run("users", "add", "dave", input="dave-password-1\n", env=users_env)
    assert run("users", "list", env=users_env).stdout.splitlines() == [f"acme\treadonly\t0 keys\t{arn}",
                                                                       "dave\treadonly\t0 keys"]
    assert json.loads((tmp_path / "users.json").read_text())["users"]["acme"]["iam_role"] == arn
    other = "arn:aws:iam::111122223333:role/es-readonly-eu"
    r = run("users", "set", "dave", "--iam-role", other, env=users_env)
    assert r.returncode == 0 and f"dave: readonly, signed as {other}" in r.stdout
    before = json.loads((tmp_path / "users.json").read_text())["users"]["acme"]["password_hash"]
    r = run("users", "set", "acme", "--no-iam-role", "--role", "admin", env=users_env)
    assert r.returncode == 0 and "acme: admin, signed as the IAM role of its role" in r.stdout
    after = json.loads((tmp_path / "users.json").read_text())["users"]["acme"]
    assert "iam_role" not in after and after["password_hash"] == before and after["role"] == "admin"
    run("users", "passwd", "dave", input="dave-password-2\n", env=users_env)  # keeps its IAM role
    assert run("users", "list", env=users_env).stdout.splitlines() == ["acme\tadmin\t0 keys",
                                                                       f"dave\treadonly\t0 keys\t{other}"]


@pytest.mark.parametrize("args, message", [
    (["users", "add", "x1", "--iam-role", "es-admin"], "invalid IAM role ARN 'es-admin'"),
    (["users", "set", "dave"], "nothing to change"),
    (["users", "set", "nobody", "--no-iam-role"], "no account 'nobody'"),
    (["users", "set", "dave", "--iam-role", "arn:aws:iam::1:role/x"], "invalid IAM role ARN"),
])
def test_bad_iam_role_commands_say_why(users_env, args, message):
    run("users", "add", "dave", input="dave-password-1\n", env=users_env)
    r = run(*args, input="x1-password-1\n", env=users_env)
    assert r.returncode != 0 and message in r.stderr, (r.stdout, r.stderr)


def test_an_sso_account_gets_no_password(users_env, tmp_path):
    from access_es.accounts import Account
    from access_es.stores import open_stores

    open_stores(str(tmp_path / "users.json")).accounts.put(Account("ada@example.com", "readonly", "", sso=True))
    r = run("users", "passwd", "ada@example.com", input="ada-password-1\n", env=users_env)
    assert r.returncode == 1 and "single sign-on" in r.stderr
    assert run("users", "set", "ada@example.com", "--role", "admin", env=users_env).returncode == 0
    assert json.loads((tmp_path / "users.json").read_text())["users"]["ada@example.com"] == {
        "role": "admin", "password_hash": "", "sso": True}
