"""Importing an agency list from CSV: all rows or none, each bad row reported with its line number and
reasons in the user's language; UTF-8 with or without BOM, GB18030 as Excel saves it in China; limits on
size and rows; through the administrators' page and the command line."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.agencies import importer
from app.agencies.importer import ImportRefused, import_agencies
from app.agencies.models import Agency, AgencyKind
from tests.helpers import csrf_token

HEADER = "centre,name,kind,rights,address,email,phone,contact"
GOOD = "\n".join(
    [
        HEADER,
        "CA,乙市版权局,copyright,著作权,乙市文化路8号,banquan@bqj.example.gov.cn,0000-7654321,版权科 李某",
        "甲省乙市丙县,丙县公安局,公安局,全部,丙县平安路1号,,110,",
        ",乙市农业农村局,Agriculture or forestry,Plant variety,,,,",
        'CAC,丙县知识产权局,patent_administration,"专利；商标、地理标志",,,,',
    ]
)


def _count(session):
    return session.execute(select(func.count(Agency.id))).scalar_one()


def _agency(session, name):
    return session.execute(select(Agency).where(Agency.name == name)).scalar_one()


def _english(fn):
    with force_locale("en"):
        try:
            fn()
        except ImportRefused as exc:
            return str(exc.message), [(p.line, [str(r) for r in p.reasons]) for p in exc.problems]
    raise AssertionError("not refused")


def test_a_good_file_is_imported(directory, regions, session):
    result = import_agencies(regions.users["admin"], GOOD.encode(), regions.city)
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    copyright_ = _agency(session, "乙市版权局")
    assert copyright_.centre_id == regions.city.id and copyright_.kind is AgencyKind.COPYRIGHT
    assert copyright_.rights == ["copyright"] and copyright_.email == "banquan@bqj.example.gov.cn"
    police = _agency(session, "丙县公安局")
    assert police.centre_id == regions.county.id and len(police.rights) == 10  # 全部: every type
    farm = _agency(session, "乙市农业农村局")  # an empty centre: the import's region; an English label
    assert farm.centre_id == regions.city.id and farm.kind is AgencyKind.AGRICULTURE_FORESTRY
    assert farm.rights == ["plant_variety"]
    patents = _agency(session, "丙县知识产权局")
    assert patents.rights == ["invention_patent", "utility_model", "design", "trademark", "geographical_indication"]


def test_a_known_agency_is_updated_and_an_identical_one_left(directory, regions, session):
    admin = regions.users["admin"]
    import_agencies(admin, GOOD.encode(), regions.city)
    changed = GOOD.replace("0000-7654321", "0000-1111111").replace("110", "0000-110")
    result = import_agencies(admin, changed.encode(), regions.city)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 2)
    assert _agency(session, "乙市版权局").phone == "0000-1111111"
    # an agency already in the directory, by region and name
    text = f"{HEADER}\nCA,乙市公安局,public_security,商标,新地址,,,\n"
    result = import_agencies(admin, text.encode(), None)
    assert (result.created, result.updated) == (0, 1)
    session.refresh(directory.city_police)
    assert directory.city_police.address == "新地址" and directory.city_police.rights == ["trademark"]


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(directory, regions, session):
    before = _count(session)
    text = "\n".join(
        [
            HEADER,
            "CA,乙市版权局,copyright,著作权,,,,",  # good
            "CA,,copyright,著作权,,,,",  # 3: no name
            "",  # a blank line is skipped, but counted
            "CA,乙市甲局,police station,著作权,,,,",  # 5: unknown kind
            "CA,乙市乙局,copyright,,,,,",  # 6: no right
            "CA,乙市丙局,copyright,著作权;火箭,,not-an-address,,",  # 7: unknown right and bad e-mail
            "CB,丁市版权局,copyright,著作权,,,,",  # 8: the sibling city: not the administrator's
            "XX,某局,copyright,著作权,,,,",  # 9: no such centre
            "CA,乙市版权局,copyright,著作权,,,,",  # 10: the same agency as line 2
            '"CA","乙市丁局","copyright","著作权","多行\n地址",,,',  # 11-12: good (a quoted line break)
            "CA,乙市戊局,copyright,著作权,,,,,extra",  # 13: more cells than columns
        ]
    )
    message, problems = _english(lambda: import_agencies(regions.users["admin"], text.encode(), None))
    assert message == "Nothing was imported: 8 of 10 rows have problems."
    assert [line for line, _reasons in problems] == [3, 5, 6, 7, 8, 9, 10, 13]
    by_line = dict(problems)
    assert by_line[3] == ["Column name: Enter the agency's name."]
    assert by_line[5] == ["Column kind: “police station” is not a kind of agency."]
    assert by_line[6] == ["Column rights: Choose at least one type of right the agency takes."]
    assert by_line[7] == ["Column rights: Not a type of right: “火箭”.", "Column email: Enter a valid e-mail address."]
    assert by_line[8] == [
        "Column centre: You can only manage the agencies of your centre's region and the regions below it."
    ]
    assert by_line[9] == ["Column centre: No centre has the code or region “XX”."]
    assert by_line[10] == ["Line 2 already has an agency of this name in this region."]
    assert by_line[13] == ["This row has more cells than the first line has columns."]
    assert _count(session) == before


def test_the_reasons_are_in_the_users_language(directory, regions, app):
    text = f"{HEADER}\nCA,乙市新局,copyright,著作权,,bad-address,,\n"
    with pytest.raises(ImportRefused) as caught:
        import_agencies(regions.users["admin"], text.encode(), None)
    (reason,) = caught.value.problems[0].reasons  # lazy: it reads in the language it is shown in
    with app.test_request_context(), force_locale("zh_CN"):
        assert "请输入有效的电子邮箱地址" in str(reason)
    with app.test_request_context(), force_locale("en"):
        assert "Enter a valid e-mail address." in str(reason)


def test_an_import_for_a_region_keeps_to_it(directory, regions, session):
    text = f"{HEADER}\nPA,甲省专利局,patent_administration,专利,,,,\n"
    message, problems = _english(lambda: import_agencies(None, text.encode(), regions.city))
    assert problems == [(2, ["Column centre: The centre PA is outside the region of this import (甲省乙市)."])]
    # the command line without a region may write anywhere
    assert import_agencies(None, text.encode(), None).created == 1


def test_a_centre_is_found_by_its_region_text(directory, regions, session, make_centre):
    from app.centres.models import CentreLevel

    # a workstation of the same place does not make the county's region ambiguous
    make_centre("CACW", parent=regions.county, level=CentreLevel.WORKSTATION, region="甲省乙市丙县")
    text = f"{HEADER}\n甲省乙市丙县,丙县版权局,copyright,著作权,,,,\n"
    import_agencies(regions.users["admin"], text.encode(), None)
    assert _agency(session, "丙县版权局").centre_id == regions.county.id
    make_centre("CACX", parent=regions.county, level=CentreLevel.COUNTY, region="甲省乙市丙县")
    text = f"{HEADER}\n甲省乙市丙县,丙县另一局,copyright,著作权,,,,\n"
    _message, problems = _english(lambda: import_agencies(regions.users["admin"], text.encode(), None))
    assert problems == [(2, ["Column centre: Several centres serve “甲省乙市丙县”: give the centre's code instead."])]


def test_excel_files_from_china_are_read(directory, regions, session):
    admin = regions.users["admin"]
    gb = GOOD.replace("\n", "\r\n").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")  # the fallback is what reads it
    assert import_agencies(admin, gb, regions.city).created == 4
    assert _agency(session, "乙市版权局").contact == "版权科 李某"


def test_a_bom_is_dropped(directory, regions, session):
    result = import_agencies(regions.users["admin"], "\ufeff".encode() + GOOD.encode(), regions.city)
    assert result.created == 4
    # and a UTF-16 file with its BOM, tab-separated (Excel's "Unicode text")
    text = GOOD.replace(",", "\t").replace("丙县知识产权局", "丙县新局")
    text = "\n".join(line for line in text.split("\n") if "丙县新局" in line or line.startswith("centre"))
    assert import_agencies(regions.users["admin"], text.encode("utf-16"), regions.city).created == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty."),
        (b"name,kind\n", "The first line must name the columns"),
        (f"{HEADER},colour\nCA,x,copyright,著作权,,,,,red\n".encode(), "The first line must name the columns"),
        (f"{HEADER}\n\n\n".encode(), "The file has no agency rows below its first line."),
        (b"PK\x03\x04" + b"\x00" * 100, "This is an Excel workbook"),
        (b"\xff\xfe\x00\xd8", "The file is not text in UTF-8 or GB18030"),
        (b"centre,name\x80\xff,kind\n", "The file is not text in UTF-8 or GB18030"),
        (f'{HEADER}\nCA,"unclosed,copyright\n'.encode(), None),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(directory, regions, session, data, words):
    before = _count(session)
    message, problems = _english(lambda: import_agencies(regions.users["admin"], data, regions.city))
    if words:
        assert message.startswith(words), message
    assert _count(session) == before


def test_the_limits(directory, regions, session, monkeypatch):
    admin = regions.users["admin"]
    big = (GOOD + "\n" + "," * 7 + " " * (importer.MAX_BYTES)).encode()
    message, _problems = _english(lambda: import_agencies(admin, big, regions.city))
    assert message == "The file is larger than 2 MB."
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    message, _problems = _english(lambda: import_agencies(admin, GOOD.encode(), regions.city))
    assert message == "The file has more than 3 rows: split it into several files."
    assert _count(session) == 10


def test_chinese_headers_and_labels(directory, regions, session):
    text = "中心,名称,类别,权利类型,地址,电子邮箱,电话,联系人\nCA,乙市林业局,林业,植物新品种,,,,\n"
    assert import_agencies(regions.users["admin"], text.encode(), None).created == 1
    assert _agency(session, "乙市林业局").kind is AgencyKind.AGRICULTURE_FORESTRY


def test_only_administrators_import(directory, regions):
    from app.core.errors import ServiceError

    with pytest.raises(ServiceError):
        import_agencies(regions.users["supervisor"], GOOD.encode(), regions.city)
    with pytest.raises(ServiceError):  # a region above the administrator's
        import_agencies(regions.users["admin"], GOOD.encode(), regions.province)


# ---- the page ----------------------------------------------------------------------------------------------


def _upload(client, data: bytes, centre, filename="agencies.csv"):
    token = csrf_token(client, "/admin/agencies/import")
    return client.post(
        "/admin/agencies/import",
        data={"csrf_token": token, "centre_id": str(centre.id), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_import_page(directory, regions, login, session):
    admin = regions.users["admin"]
    admin.locale = "en"
    session.commit()
    client = login(admin)
    assert client.get("/admin/agencies/import").status_code == 200
    response = _upload(client, GOOD.encode("gb18030"), regions.city)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 agencies added, 0 updated, 0 unchanged" in page and "乙市版权局" in page
    bad = f"{HEADER}\nCA,乙市新局,copyright,著作权,,,,\nCA,,copyright,著作权,,,,\n"
    response = _upload(client, bad.encode(), regions.city)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="import-problems"' in page and "<td>3</td>" in page and "Enter the agency&#39;s name." in page
    assert session.execute(select(Agency).where(Agency.name == "乙市新局")).first() is None
    # what the file says is shown as text, never as markup
    response = _upload(client, f"{HEADER}\nCA,x,<b>bold</b>,著作权,,,,\n".encode(), regions.city)
    page = response.get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    # no file, an empty file, a file too large
    token = csrf_token(client, "/admin/agencies/import")
    response = client.post("/admin/agencies/import", data={"csrf_token": token, "centre_id": str(regions.city.id)})
    assert response.status_code == 422 and "Choose a CSV file to import." in response.get_data(as_text=True)
    assert _upload(client, b"", regions.city).status_code == 422
    response = _upload(client, b"x" * (importer.MAX_BYTES + 10), regions.city)
    assert response.status_code == 422 and "larger than 2 MB" in response.get_data(as_text=True)
    # a region that is not the administrator's is not a choice
    assert _upload(client, GOOD.encode(), regions.sibling).status_code == 422


def test_the_sample_file_imports_as_it_is(directory, regions, login, session):
    client = login(regions.users["admin"])
    response = client.get("/admin/agencies/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert import_agencies(regions.users["admin"], response.data, regions.city).created == 2


# ---- the command line --------------------------------------------------------------------------------------


def test_the_command_line(directory, regions, app, session, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD.encode("gb18030"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["agencies", "import", str(good), "--centre", "ca", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "4 agencies added, 0 updated, 0 unchanged" in result.output
    session.expire_all()
    assert _agency(session, "乙市版权局").centre_id == regions.city.id
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nCA,乙市新局,copyright,著作权,,,,\nCA,,copyright,著作权;火箭,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["agencies", "import", str(bad), "--language", "en"])
    assert result.exit_code == 1
    assert "Nothing was imported: 1 of 2 rows have problems." in result.output
    assert "Line 3: Column name: Enter the agency's name. Column rights: Not a type of right: “火箭”." in result.output
    session.expire_all()
    assert session.execute(select(Agency).where(Agency.name == "乙市新局")).first() is None
    result = runner.invoke(args=["agencies", "import", str(good), "--centre", "NOPE", "--language", "en"])
    assert result.exit_code != 0 and "No centre has the code NOPE." in result.output
    # in the installation's language (Chinese) by default
    bad.write_text(f"{HEADER}\nCA,乙市新局,copyright,著作权,,bad-address,,\n", encoding="utf-8")
    result = runner.invoke(args=["agencies", "import", str(bad)])
    assert result.exit_code == 1 and "请输入有效的电子邮箱地址" in result.output


def test_an_agency_added_meanwhile_refuses_the_whole_import(directory, regions, session, monkeypatch):
    """Another administrator added one of the file's agencies between the check and the write: the unique
    key refuses it, nothing of the file is written and the transaction stays usable."""
    monkeypatch.setattr(importer, "existing_agencies", lambda ids: {})
    text = f"{HEADER}\nCA,乙市全新局,copyright,著作权,,,,\nCA,乙市公安局,public_security,全部,,,,\n"
    before = _count(session)
    message, problems = _english(lambda: import_agencies(regions.users["admin"], text.encode(), None))
    assert message == "Someone changed the directory meanwhile; nothing was imported. Please try again."
    assert problems == [] and _count(session) == before
