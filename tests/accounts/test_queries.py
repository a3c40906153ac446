"""List pages run a fixed number of queries however many rows they show."""

from __future__ import annotations

from engage.accounts import service
from engage.accounts.models import OrgKind, Role
from engage.extensions import db
from tests.conftest import login
from tests.factories import make_org, make_user


def _page_queries(client, count_queries, url):
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_admin_users_and_forums_pages_do_not_grow_with_rows(app, client, world, count_queries):
    login(client, world.emails["admin"])
    urls = ("/en/admin/users", "/en/forums", "/en/organisations/forum-a")
    before = {u: _page_queries(client, count_queries, u) for u in urls}
    with app.app_context():
        for _ in range(15):
            forum = make_org(OrgKind.forum)
            make_user(organisation=forum, role=Role.member)
            make_user(organisation=service.get_organisation("forum-a"), role=Role.member)
        db.session.commit()
    after = {u: _page_queries(client, count_queries, u) for u in urls}
    assert after == before
