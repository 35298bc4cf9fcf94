"""How the upstream routes a path: splitting it into segments, and matching route patterns.

Elasticsearch and OpenSearch route on the RAW path (RestController hands PathTrie `request.rawPath()`):
PathTrie splits it on '/' with Java's String.split (so a leading '/' is skipped, trailing empty
segments vanish, inner empty ones stay), compares literal route segments with the raw segment
(case-sensitive), and decodes a segment only when it becomes a parameter. So '%2F' is part of a
segment (`/idx/_doc/a%2Fb` is document `a/b`), and '%5Fbulk' can never be the literal `_bulk`. We
send paths in strict RFC 3986 form (proxy/request.py), in which every route literal (only letters,
digits, '_', '-', '.') is spelled the one way, so comparing literals with the decoded segment is the
same comparison; dot segments are resolved before we send, so none reach the upstream.

A request may match several routes ('POST /idx/_search' is `/{index}/_search` and the typed
`/{index}/{type}`). Both routers prefer, position by position, a literal over a parameter. A read
verdict is given only when every most-specific matching route (those no other match beats on every
literal position) is a read; a write among them, or two routes neither beats, is decided for the
write side. Writes are matched case-insensitively (a router that folds case must not turn them into
reads), reads exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_to_bytes

_PARAM = re.compile(r"^\{(\w+)([?*]?)\}$")


class Unparsable(ValueError):
    """A path that cannot be split for certain (invalid escapes, not UTF-8)."""


def route_segments(path: str) -> list[str]:
    """The segments PathTrie routes on, each percent-decoded: '/' skipped at the start, trailing
    empty segments dropped, inner ones kept ('//_bulk' is ['', '_bulk'])."""
    raw = path.split("/")
    if raw and raw[0] == "":
        raw = raw[1:]
    while raw and raw[-1] == "":
        raw.pop()
    out = []
    for segment in raw:
        if re.search(r"%(?![0-9A-Fa-f]{2})", segment):
            raise Unparsable("invalid percent-encoding in the path")
        try:
            out.append(unquote_to_bytes(segment).decode("utf-8"))
        except UnicodeDecodeError:
            raise Unparsable("the path is not UTF-8 once percent-decoded") from None
    return out


@dataclass(frozen=True)
class Pattern:
    """One route path: literals and one-segment parameters, optionally ending in a rest parameter."""
    parts: tuple[str | None, ...]      # a literal, or None for a parameter
    names: tuple[str | None, ...]      # the parameter's name, or None for a literal
    rest: str | None = None            # the name of a trailing {name*} (0+ segments), if any

    @staticmethod
    def parse(path: str) -> list["Pattern"]:
        """'/internal/search/{strategy}/{id?}' is two patterns (with and without the last segment)."""
        parts, names, rest, optional = [], [], None, False
        pieces = [p for p in path.strip("/").split("/")] if path.strip("/") else []
        for i, piece in enumerate(pieces):
            m = _PARAM.match(piece)
            if m and m.group(2) == "*":
                if i != len(pieces) - 1:
                    raise ValueError(f"{path}: {{name*}} must be last")
                rest = m.group(1)
            elif m:
                if m.group(2) == "?" and i != len(pieces) - 1:
                    raise ValueError(f"{path}: {{name?}} must be last")
                optional = m.group(2) == "?"
                parts.append(None)
                names.append(m.group(1))
            else:
                parts.append(piece)
                names.append(None)
        full = Pattern(tuple(parts), tuple(names), rest)
        return [full, Pattern(full.parts[:-1], full.names[:-1], rest)] if optional else [full]

    def match(self, segments: list[str], fold_case: bool) -> dict[str, str] | None:
        """The parameters bound when the pattern matches, or None."""
        n = len(self.parts)
        if len(segments) < n or (self.rest is None and len(segments) != n):
            return None
        bound = {}
        for part, name, seg in zip(self.parts, self.names, segments):
            if part is None:
                bound[name] = seg
            elif part != seg and not (fold_case and part.lower() == seg.lower()):
                return None
        if self.rest is not None:
            bound[self.rest] = "/".join(segments[n:])
        return bound

    def literals(self) -> frozenset[int]:
        return frozenset(i for i, p in enumerate(self.parts) if p is not None)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: Pattern
    read: bool
    record: object      # the data record it came from (Endpoint, KibanaRoute)


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str] = field(hash=False, compare=False)


class RouteTable:
    """Routes from data records, matched as described above."""

    def __init__(self, records, writes_any_unsafe_method: bool):
        # writes_any_unsafe_method: a write route counts for every unsafe method (the Elasticsearch
        # clients name one method per endpoint, the servers often accept POST and PUT alike)
        self.any_unsafe = writes_any_unsafe_method
        self.routes = [Route(r.method, p, r.read, r) for r in records for p in Pattern.parse(r.path)]
        self._by_length: dict[int, list[Route]] = {}
        self._rest = [r for r in self.routes if r.pattern.rest is not None]
        for r in self.routes:
            if r.pattern.rest is None:
                self._by_length.setdefault(len(r.pattern.parts), []).append(r)
        self._cache: dict[tuple[str, int], list[Route]] = {}

    def _considered(self, route: Route, method: str) -> bool:
        """Reads count for their own method; writes for theirs, or every unsafe one if so told."""
        if route.method == method:
            return True
        unsafe = method not in ("GET", "HEAD", "OPTIONS") and route.method not in ("GET", "HEAD")
        return not route.read and self.any_unsafe and unsafe

    def matches(self, method: str, segments: list[str]) -> list[Match]:
        key = (method, len(segments))
        routes = self._cache.get(key)
        if routes is None:
            routes = [r for r in self._by_length.get(len(segments), []) + self._rest if self._considered(r, method)]
            if len(self._cache) < 256:
                self._cache[key] = routes
        out = []
        for route in routes:
            params = route.pattern.match(segments, fold_case=not route.read)
            if params is not None:
                out.append(Match(route, params))
        return out

    def decide(self, method: str, segments: list[str]) -> tuple[bool | None, list[Match]]:
        """(True, reads) when every most-specific match is a read, (False, writes) when one is a
        write, (None, []) when nothing matches."""
        found = self.matches(method, segments)
        if not found:
            return None, []
        best = [m for m in found if not any(_beats(o, m) for o in found)]
        writes = [m for m in best if not m.route.read]
        return (False, writes) if writes else (True, best)


def _beats(a: Match, b: Match) -> bool:
    """Whether a is literal wherever b is, and somewhere b is not (and no rest parameter stands in
    a's way: a rest pattern never beats a fixed one of the same literals)."""
    la, lb = a.route.pattern.literals(), b.route.pattern.literals()
    if not (lb < la or (lb == la and b.route.pattern.rest is not None and a.route.pattern.rest is None)):
        return False
    return True


class ProductRouteTables:
    """One RouteTable per product, decided together: a request is a write if ANY of the products
    judged routes it to a write. `products` maps each product to the tags of the records it serves
    (records carry a `products` string such as "es 7.10, es 7.10 x-pack, os 2.x"). A route table of
    all products mixed would let a read that exists in one product only (`POST
    /{index}/{type}/_rollup_search`, x-pack in Elasticsearch 7.10) mask the write that the others
    route the same path to (`POST /{index}/{type}/{id}`: it indexes a document)."""

    def __init__(self, records, products: dict[str, tuple[str, ...]], writes_any_unsafe_method: bool):
        # The clients name one method per endpoint, and not always the same one in every version
        # (elasticsearch-py 6.8 sends a search as GET, 7.10 as POST); the servers take both. So a
        # read that some product's client sends with POST is a POST read in every product that has it.
        post_reads = {r.path for r in records if r.read and r.method == "POST"}
        self.tables = {}
        for product, tags in products.items():
            own = [r for r in records if set(tags) & set(r.products.split(", "))]
            own += [replace(r, method="POST") for r in own if r.read and r.method == "GET" and r.path in post_reads]
            self.tables[product] = RouteTable(own, writes_any_unsafe_method)

    def decide(self, method: str, segments: list[str],
               products: tuple[str, ...] | None = None) -> tuple[bool | None, list[Match]]:
        """(False, writes) when one of `products` (default: all) routes the request to a write;
        (True, reads) when one routes it to a read and none to a write; (None, []) when none knows it."""
        reads: list[Match] = []
        for product in products or self.tables:
            verdict, matches = self.tables[product].decide(method, segments)
            if verdict is False:
                return False, matches
            if verdict:
                reads += matches
        return (True, reads) if reads else (None, [])
