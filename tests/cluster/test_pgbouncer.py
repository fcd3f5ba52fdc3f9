"""PgBouncer in session pooling mode keeps workspaces apart (README, "Scale-out").

django-tenants sets `search_path` on the connection. With session pooling a server connection
belongs to one client connection until it closes, and PgBouncer runs `DISCARD ALL` before
handing it to the next, so a path set by one request never reaches another. The test drives two
workspaces' requests, interleaved and concurrent, through one pool of ONE server connection
(so every request of both workspaces goes through the same PostgreSQL backend) and checks that
no page ever shows the other workspace's rows.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.cluster import harness

TOKENS = {"alpha": "zebraword", "bravo": "yakword"}


def test_two_workspaces_through_one_session_pool_never_see_each_others_rows(cluster):
    host = harness.Host("db", "127.0.0.15")
    web = harness.Host("web", "127.0.0.16")
    cluster.start_database(host)
    cluster.start_bouncer(host, pool_mode="session", pool_size=1)
    env = cluster.django_env(host)
    cluster.manage(host, env, "igny8_setup", "--no-demo")
    seeded = cluster.seed(host, env, TOKENS)
    cluster.start_web("web", web, env, workers=2, threads=4)

    def fetch(slug: str) -> tuple[str, int, str]:
        response = httpx.get(
            f"http://{web.address}:{harness.WEB_PORT}/planner/keywords/export/",
            headers={"Host": f"{slug}.{harness.BASE_DOMAIN}"},
            cookies={"igny8_session": seeded[slug]["session"]},
            timeout=60,
        )
        return slug, response.status_code, response.text

    order = [slug for _ in range(30) for slug in TOKENS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, order))

    for slug, status, body in answers:
        assert status == 200, body[:500]
        own, other = TOKENS[slug], next(t for s, t in TOKENS.items() if s != slug)
        assert body.count(own) == 20, body[:500]
        assert other not in body, f"{slug} saw the other workspace's keywords"
    # Every request of both workspaces went through the same single server connection.
    servers = cluster.bouncer_admin(host, "SHOW SERVERS")
    assert len(servers) <= 1
