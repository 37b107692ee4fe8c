"""``app.core.forms.SelectField``: WTForms' select written faster, character for character the same."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import SelectField as WTFormsSelect
from wtforms import SelectMultipleField as WTFormsMultiple
from wtforms.fields.choices import SelectChoice

from app.core.forms import SelectField, SelectMultipleField

CHOICES = [
    ("", "每个中心"),
    ("1", '甲 <乙> & "丙"'),
    ("2", "x'y"),
    (True, "yes"),
    ("3", None),
    ("4", "带属性", {"disabled": True, "data_note": "n"}),
]
GROUPS = [
    SelectChoice("1", "广东", optgroup="省级"),
    SelectChoice("2", "浙江 & 上海", optgroup="省级"),
    SelectChoice("3", "<深圳>", optgroup="市级"),
]


class Theirs(Form):
    one = WTFormsSelect(choices=CHOICES)
    many = WTFormsMultiple(choices=CHOICES)
    grouped = WTFormsSelect(choices=GROUPS)


class Ours(Form):
    one = SelectField(choices=CHOICES)
    many = SelectMultipleField(choices=CHOICES)
    grouped = SelectField(choices=GROUPS)


@pytest.mark.parametrize(
    "data",
    [{}, {"one": ["1"], "many": ["1", "2", "True"], "grouped": ["3"]}, {"one": ["True"], "many": ["4"]}],
)
def test_the_same_html_as_wtforms(data):
    formdata = MultiDict([(key, value) for key, values in data.items() for value in values])
    theirs, ours = Theirs(formdata), Ours(formdata)
    for name in ("one", "many", "grouped"):
        assert str(ours[name]()) == str(theirs[name]())
        assert str(ours[name](class_="form-select", required=True)) == str(
            theirs[name](class_="form-select", required=True)
        )
    if data.get("one") == ["1"]:  # the fast path was taken, and kept the choice
        assert '<option selected value="1">甲 &lt;乙&gt; &amp; &#34;丙&#34;</option>' in str(ours.one())
