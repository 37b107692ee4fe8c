"""How two respondents are recognised as the same party: the credit code when there is one, else a
normalised name (``name_key``).

The key of a name is the name in NFKC (full-width letters, digits and brackets become their ASCII
forms), case-folded, with whitespace, punctuation and symbols removed and the company form at its
end dropped: 有限责任公司, 股份有限公司 and 有限公司 (and "Co., Ltd.", "Limited", "Inc."…) name the
same kind of company, and an applicant rarely knows which one the respondent is. So
"深圳市某某科技有限公司", "深圳市 某某科技有限责任公司" and "深圳市某某科技" share one key.

``case_respondents.name_key`` is kept by the database default (``name_key_default``, which also fills
rows inserted without the ORM, e.g. ``bench.casegen``) and by the ORM listeners registered with
``register_listeners`` (a name changed in place), so no writer of respondents needs to know of it.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import event

MAX_KEY = 200
# Longest first: the first that ends a name is dropped (once). A bare 公司 is the loose way of writing
# any of them; a branch (分公司) is another party than its company and keeps its ending.
COMPANY_FORMS_ZH = ("股份有限公司", "有限责任公司", "股份公司", "有限公司", "公司")
BRANCH = "分公司"
COMPANY_FORMS_EN = frozenset(
    {"co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc", "plc", "gmbh"}
)
# Removed from a name: separators, punctuation (。、，（）【】《》“”…), symbols (®, ™, +…) and controls.
_DROPPED_CATEGORIES = ("Z", "P", "S", "C")


def _words(text: str) -> list[str]:
    spaced = "".join(" " if unicodedata.category(ch)[0] in _DROPPED_CATEGORIES else ch for ch in text)
    return spaced.split()


def normalise_respondent_name(name: str | None) -> str:
    """The matching key of a respondent's name ("" for a name with nothing to match on)."""
    if not name:
        return ""
    words = _words(unicodedata.normalize("NFKC", name).casefold())
    whole = "".join(words)
    # An English company form is whole words at the end ("co ltd", "limited"); never the tail of a
    # word ("zinc" keeps its "inc").
    while len(words) > 1 and words[-1] in COMPANY_FORMS_EN:
        words.pop()
    key = "".join(words)
    form = next((f for f in COMPANY_FORMS_ZH if key.endswith(f)), "")
    if form and not key.endswith(BRANCH):
        key = key[: -len(form)]
    # A name that is nothing but a company form keeps it, rather than matching every other such name.
    return (key or whole)[:MAX_KEY]


def name_key_default(context) -> str:
    """The column default of ``case_respondents.name_key``: the key of the row's ``name``."""
    return normalise_respondent_name(context.get_current_parameters().get("name"))


def _fill_name_key(mapper, connection, target) -> None:
    target.name_key = normalise_respondent_name(target.name)


def register_listeners() -> None:
    """Keep ``CaseRespondent.name_key`` in step with its name on every ORM insert and update
    (``app.models`` calls this once the models are imported)."""
    from app.cases.models import CaseRespondent

    for name in ("before_insert", "before_update"):
        if not event.contains(CaseRespondent, name, _fill_name_key):
            event.listen(CaseRespondent, name, _fill_name_key)
