import time
from tests.aws.api_helpers import stack, get_json
__all__ = ["stack"]

def test_direct(stack):
    from chalicelib.api import queries, schemas
    t = time.time()
    p = schemas.RankingsParams(period=2025, limit=60)
    for _ in range(5):
        queries.rankings(p, "s")
    print("direct 5 pages", time.time() - t)

def test_http(stack):
    t = time.time()
    for _ in range(5):
        get_json(stack.client, "/rankings?period=2025&limit=60", stack.keys["admin"])
    print("http 5 pages", time.time() - t)

def test_pages(stack):
    from tests.aws.api_helpers import pages
    t = time.time()
    items, n = pages(stack.client, "/rankings?period=2025&", stack.keys["admin"], 60)
    print("pages", n, time.time() - t)

def test_pages_with_checks(stack):
    from tests.aws.api_helpers import pages
    t = time.time()
    items, n = pages(stack.client, "/rankings?period=2025&", stack.keys["admin"], 60)
    print("pages", n, time.time() - t)
    expected = [(s.code, float(s.score)) for s in sorted(stack.seeded, key=lambda s: s.rank_sk)]
    print("expected", time.time() - t)
    assert [(i["credit_code"], i["score"]) for i in items] == expected
    print("done", time.time() - t)
