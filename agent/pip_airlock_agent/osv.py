"""Known vulnerabilities of a closure, from OSV's documented batch API (https://google.github.io/osv.dev/post-v1-querybatch/):
`POST {OSV_URL}` with `{"queries": [{"package": {"name": N, "ecosystem": "PyPI"}, "version": V}, ...]}`, answered
`{"results": [{"vulns": [{"id": ..., "modified": ...}, ...]}, ...]}` in the order of the queries (a query with
no advisory may come back as `{}`). A result with `next_page_token` has more: the same query is sent again
with `page_token` set to it, until no token comes back. At most 1000 queries go in one request (OSV answers
more with HTTP 400 "Too many queries": google/osv.dev#446). Names are sent PEP 503-normalized, as the OSV
schema spells PyPI names.

Only advisory ids come back (OSV's `GET /v1/vulns/{id}` has the rest): a waiver names the id OSV reports.
The same flaw often has two records (a PYSEC- and a GHSA- id): each is reported, and each is waived by its id."""
from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import Unreachable, Unverifiable
from .http import redact, retry_after_seconds
from .names import normalize

#: The most queries OSV takes in one request.
MAX_QUERIES = 1000
#: The most pages followed for one query (a loop guard: OSV pages after 1,000 advisories).
MAX_PAGES = 20

Package = Tuple[str, str]


class Osv:
    def __init__(self, url: str, transport, clock, timeout: float = 60) -> None:
        self.url = url
        self.transport = transport
        self.clock = clock
        self.timeout = timeout
        #: Requests sent (the report's counts).
        self.requests = 0

    def vulnerabilities(self, packages: Sequence[Package]) -> Dict[Package, List[str]]:
        """The advisory ids OSV lists for each (project, version), sorted ([] for none). Raises Unreachable
        when OSV could not be asked (connection, 429, 5xx: the caller retries), Unverifiable when it answered
        something else than the documented results."""
        wanted = sorted({(normalize(p), v) for p, v in packages})
        found: Dict[Package, set] = {p: set() for p in wanted}
        pages: Dict[Package, int] = {p: 0 for p in wanted}
        pending: List[Tuple[Package, Optional[str]]] = [(p, None) for p in wanted]
        while pending:
            batch, pending = pending[:MAX_QUERIES], pending[MAX_QUERIES:]
            for (package, _), result in zip(batch, self._post(batch)):
                found[package].update(v["id"] for v in result.get("vulns") or [])
                token = result.get("next_page_token")
                if token:
                    pages[package] += 1
                    if pages[package] >= MAX_PAGES:
                        raise Unverifiable(f"OSV ({redact(self.url)}) kept paging the advisories of {package[0]} {package[1]} "
                                           f"past {MAX_PAGES} pages")
                    pending.append((package, token))
        return {p: sorted(ids) for p, ids in found.items()}

    def _post(self, batch: Sequence[Tuple[Package, Optional[str]]]) -> List[dict]:
        queries = []
        for (name, version), token in batch:
            query = {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
            if token:
                query["page_token"] = token
            queries.append(query)
        body = json.dumps({"queries": queries}).encode("utf-8")
        self.requests += 1
        resp = self.transport.request("POST", self.url, {"Content-Type": "application/json", "Accept": "application/json",
                                                         "User-Agent": "pip-airlock-agent"}, body=body, timeout=self.timeout)
        where = f"OSV ({redact(self.url)})"
        if resp.status == 429 or resp.status >= 500:
            wait = retry_after_seconds(resp.header("Retry-After"), self.clock.time())
            raise Unreachable(f"{where}: HTTP {resp.status}" + (f" (Retry-After {wait:g}s)" if wait is not None else ""), wait)
        if resp.status != 200:
            raise Unverifiable(f"{where} answered HTTP {resp.status} to a batch of {len(queries)} queries: "
                               f"{resp.body[:200].decode('utf-8', 'replace').strip()}")
        try:
            results = json.loads(resp.body.decode("utf-8")).get("results")
            if not isinstance(results, list) or len(results) != len(queries):
                raise ValueError(f"{len(results) if isinstance(results, list) else 'no'} results for {len(queries)} queries")
            for result in results:
                if not isinstance(result, dict):
                    raise ValueError("a result is not an object")
                vulns = result.get("vulns") or []
                if not isinstance(vulns, list) or not all(isinstance(v, dict) and isinstance(v.get("id"), str) and v["id"] for v in vulns):
                    raise ValueError("a result's vulns is not a list of advisories with an id")
                token = result.get("next_page_token")
                if token is not None and not isinstance(token, str):
                    raise ValueError("a next_page_token is not a string")
        except (ValueError, AttributeError, UnicodeDecodeError) as err:
            raise Unverifiable(f"{where} answered something other than querybatch results: {err}") from None
        return results
