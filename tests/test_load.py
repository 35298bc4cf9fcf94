"""The short form of the load test (the long soak is `make bench`): concurrent clients, mixed small,
large, overflow requests and logins/logouts, for a fixed time. Zero errors, zero corruption."""
from .conftest import PASSWORDS
from testbed.load_driver import install_routes, run_load


def test_mixed_load_has_no_errors_and_no_corruption(overflow_proxy, standin, moto_server):
    digests = install_routes(standin)
    stats = run_load(overflow_proxy.url, "alice", PASSWORDS["alice"], digests, seconds=12, clients=6, overflow=True,
                     pid=overflow_proxy.process.pid)
    print(f"\n{stats.requests} requests in {stats.seconds:.1f} s ({stats.rate:.1f}/s): {stats.by_kind}; "
          f"RSS {stats.rss_samples[0][1] if stats.rss_samples else '?'} -> "
          f"{stats.rss_samples[-1][1] if stats.rss_samples else '?'} MiB")
    assert not stats.errors, stats.errors[:10]
    assert not stats.corrupt, stats.corrupt[:10]
    for kind in ("search", "2 MiB", "overflow", "login/logout"):
        assert stats.by_kind.get(kind, 0) > 0, stats.by_kind
