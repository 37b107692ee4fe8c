"""The staff list of enterprises: each row's industry, size and flags, their labels translated once per
page (``enterprises.views._list_labels``), and the pages continued after the last id shown."""

from __future__ import annotations

import re

from app.enterprises import views
from app.enterprises.sme_size import Industry


def _row(html: str, enterprise) -> str:
    return re.search(rf'<tr>\s*<td><a href="/enterprises/{enterprise.id}">.*?</tr>', html, re.S).group(0)


def test_each_row_shows_its_labels_and_flags(world, login, make_enterprise):
    flagged = make_enterprise(
        world.city, name="旗标企业有限公司", industry=Industry.SOFTWARE_IT, is_little_giant=True, is_in_hardship=True
    )
    client = login(world.users["caseworker"])
    client.set_cookie("lang", "en")
    html = client.get("/enterprises").get_data(as_text=True)
    row = _row(html, flagged)
    assert Industry.SOFTWARE_IT.value not in row and "software_it" not in row  # a label, never the value
    assert "Little giant" in row and "Economic hardship" in row and "Specialised and new" not in row
    assert len(flagged.priority_flags) == 2  # the property reads the same table of flags
    plain = _row(html, world.enterprise)
    assert "badge" not in plain


def test_the_list_continues_after_the_last_enterprise_shown(world, login, make_enterprise, monkeypatch):
    for _ in range(4):
        make_enterprise(world.county)
    client = login(world.users["caseworker"])
    everything = re.findall(r'<td><a href="/enterprises/(\d+)">', client.get("/enterprises").get_data(as_text=True))
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    seen, url = [], "/enterprises"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<td><a href="/enterprises/(\d+)">', html)
        found = re.search(r'href="(/enterprises\?[^"]*after=\d+[^"]*)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == everything and len(seen) == 6
