"""A stand-in Amazon Elasticsearch / OpenSearch domain, shipped with the package so that `access-es
demo` runs from an installed copy; the tests and benches use the same one.

- domain.py: the stand-in itself, a loopback HTTP/1.1 server that refuses what does not verify,
  with test routes, a tiny Elasticsearch over the demo's sample indices, and the Dashboards-like page
  (dashboards.html);
- sigv4_verify.py: its SigV4 verifier, written from the specification with the standard library
  only. It is the judge of the proxy's signatures, so it never uses the proxy's signer
  (access_es.signing) or botocore.

Nothing in the proxy imports this package.
"""
