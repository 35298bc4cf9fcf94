"""access-es: a session-authenticated, SigV4-signing reverse proxy for Amazon Elasticsearch / OpenSearch."""
from setuptools import find_packages, setup

setup(
    name="access-es",
    version="0.1.0",
    description=__doc__,
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    # Every package under access_es/ is found, not listed (a hand-written list once left out
    # access_es.stores and access_es.overflow, and `pip install .` could not start). The templates
    # live at the top of the tree and are installed as access_es/templates; see access_es/errors.py.
    packages=find_packages(include=["access_es", "access_es.*"]) + ["access_es.templates"],
    package_dir={"access_es.templates": "templates"},
    # access_es.standin (the demo's stand-in domain) serves its Dashboards-like page from beside it.
    package_data={"access_es.templates": ["*.html", "*.css"], "access_es.standin": ["*.html"]},
    install_requires=[
        "Flask>=3.1,<4",  # 3.1: a per-request max_content_length (our forms' bound)
        "flask-login>=0.6.3,<0.7",
        # CSRF tokens for our own forms (field name csrf_token); we do not hand-roll them.
        "Flask-WTF>=1.2,<2",
        # The upstream transport: a connection pool used directly (requests' per-request machinery
        # cost more CPU than the rest of the proxy); requests stays for `access-es check`.
        "urllib3>=2.0,<3",
        "requests>=2.32,<3",
        # botocore (with boto3) signs upstream requests (SigV4) and talks to S3, STS, DynamoDB.
        "boto3>=1.34,<2",
        # Argon2id password hashes: slow, salted, and maintained.
        "argon2-cffi>=23.1,<26",
        # The HTTP/1.1 parser and framer of `access-es serve` (access_es/server/): strict (RFC 9112),
        # pure Python, maintained by python-hyper; the event loop and threads around it are ours.
        "h11>=0.16,<0.17",
        # Single sign-on (access_es/auth/oidc.py): Authlib's OAuth 2 client (PKCE, client
        # authentication, the token request) and its OpenID Connect ID token claims, on joserfc (the
        # JOSE library of the same maintainer) for signatures and keys. 1.9: CodeIDToken validated by
        # joserfc's claims registry (authlib.jose is deprecated and goes in 2.0, hence <2). Imported
        # only by the SSO routes, never on a proxied request or at cold start.
        "Authlib>=1.9,<2",
        "joserfc>=1.6.8,<2",
    ],
    extras_require={
        "lambda": ["zappa>=0.59,<0.70"],
        "test": [
            "zappa>=0.59,<0.70",
            "pytest>=8,<10",
            # a second, independent real signer that the SigV4 verifier must accept
            "requests-aws4auth>=1.3,<2",
            # a real Elasticsearch/OpenSearch client sending an API key as http_auth (tests/test_keys_wire.py)
            "opensearch-py>=2.4,<3",
            "moto[server]>=5.0,<6",
            "hypothesis>=6.100,<7",
            # the Lambda runtime's own JSON encoder, which judges what the envelope rule counts
            "awslambdaric>=3,<5",
            # drives Debian's chromium/chromedriver in the end-to-end browser test
            "selenium>=4.20,<5",
            # the packaging test builds a wheel without build isolation
            "setuptools>=68",
            "wheel",
        ],
        # `make bench`: the chart of bench/results/latest.png
        "bench": ["matplotlib>=3.8,<4"],
    },
    entry_points={"console_scripts": ["access-es = access_es.cli:main"]},
)
