"""Fuzzing the directory's forms (the harness of ``tests/test_fuzz_forms.py``): whatever an administrator
sends, no server error, and a refused submission changes nothing, the agencies table included."""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.test_fuzz_forms import FUZZ, JUNK, SCALAR_JUNK, Harness, example_form, form, ids

KINDS = ["market_regulation", "patent_administration", "copyright", "customs", "agriculture_forestry"]
RIGHTS = ["invention_patent", "design", "trademark", "copyright", "plant_variety"]


@pytest.fixture
def fuzz(app):
    harness = Harness(app)
    harness.tables = (*Harness.tables, "agencies")
    app.logger.addHandler(harness.capture)
    yield harness
    app.logger.removeHandler(harness.capture)


def _fields(w):
    return {
        "centre_id": ids(str(w.city.id), str(w.county.id), str(w.sibling.id)).map(str),
        "name": st.sampled_from(["乙市新局", "乙市公安局", "丙县局", " 名 "]),
        "kind": st.sampled_from(KINDS),
        "rights": st.lists(st.sampled_from(RIGHTS), min_size=1, max_size=3, unique=True),
        "address": st.sampled_from(["", "某路1号"]),
        "email": st.sampled_from(["", "a@b.example.cn", "x@", "A@B.CN "]),
        "phone": st.sampled_from(["", "0755-1234567"]),
        "contact": st.sampled_from(["", "王某"]),
    }


def test_agency_new_and_edit(directory, regions, fuzz):
    actor = fuzz.actor(regions.users["admin"])
    targets = [directory.city_market.id, directory.county_market.id, directory.sibling_market.id, 2**31]
    nul = example_form(centre_id=str(regions.city.id), name="a\x00b", kind="copyright", rights="copyright")

    @FUZZ
    @given(data=form(_fields(regions)), target=st.sampled_from([None, *targets]))
    @example(data=nul, target=None)
    def run(data, target):
        url = "/admin/agencies/new" if target is None else f"/admin/agencies/{target}/edit"
        actor.post(url, data)

    run()
    fuzz.require_reached()


FILES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"centre,name,kind,rights\nCA,\xe4\xb9\x99,copyright,copyright\n",
            "centre,name,kind,rights\nCA,乙市新局,copyright,著作权\n".encode("gb18030"),
            b'centre,name,kind,rights\n"CA,x\n',
            b"\xef\xbb\xbf" + "name,kind,rights\n乙市新局,海关,全部\n".encode(),
            b"\xff\xfe" + "centre\tname\tkind\trights\n".encode("utf-16-le"),
        ]
    ),
)


def test_agency_import(directory, regions, fuzz):
    actor = fuzz.actor(regions.users["admin"])

    @FUZZ
    @given(
        centre=st.one_of(st.sampled_from([str(regions.city.id), str(regions.sibling.id)]), SCALAR_JUNK),
        content=FILES,
        as_file=st.booleans(),
    )
    def run(centre, content, as_file):
        file = (io.BytesIO(content), "list.csv") if as_file else content.decode("latin-1")
        actor.post("/admin/agencies/import", {"centre_id": centre, "file": file, "__multipart__": True})

    run()
    fuzz.require_reached()


def test_agency_list_filters(directory, regions, fuzz):
    actor = fuzz.actor(regions.province_admin)
    query = st.fixed_dictionaries(
        {},
        optional={
            "centre": JUNK,
            "kind": st.one_of(st.sampled_from(KINDS), JUNK),
            "right": st.one_of(st.sampled_from(RIGHTS), JUNK),
            "status": st.one_of(st.sampled_from(["active", "inactive"]), JUNK),
            "q": JUNK,
            "page": JUNK,
        },
    )

    @FUZZ
    @given(query=query)
    def run(query):
        query = {k: v for k, v in query.items() if not hasattr(v, "label")}  # OMIT markers
        actor.get("/admin/agencies", query)

    run()
