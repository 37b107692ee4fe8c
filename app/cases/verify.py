"""``audit-verify``: everything an audit chain vouches for, checked against what is stored.

For every case: its chain (each event's HMAC, order and links; its sealed head), that its
stored state is the state its chain last recorded, and that its audited fields (owner, centre,
enterprise, outcome, amounts, rights, respondents…) still digest to what its last event sealed.
Beyond the chains: case numbers without gaps in each centre's yearly series (a deleted case
leaves one), a chain for every case and a case for every chain, and every issued document and
evidence file agreeing with the event that recorded it, in the database and on disk.

Everything is streamed: memory holds one digest per case, not the cases or their events.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import select

from app.extensions import db


@dataclass
class RecordProblem:
    """A problem outside a chain's own links (a number, a document, a file)."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def _sha256_of(path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _case_digests(batch: int) -> dict[int, tuple[str, object, str]]:
    """case id -> (number, state, digest of its audited fields), computed from plain rows."""
    from app.cases.events import case_digest
    from app.cases.models import Case, CaseRespondent, CaseRight

    rights = defaultdict(list)
    for row in db.session.execute(select(*CaseRight.__table__.c).execution_options(yield_per=batch)):
        rights[row.case_id].append(row)
    respondents = defaultdict(list)
    for row in db.session.execute(select(*CaseRespondent.__table__.c).execution_options(yield_per=batch)):
        respondents[row.case_id].append(row)
    out = {}
    for row in db.session.execute(select(*Case.__table__.c).execution_options(yield_per=batch)):
        name = row.number or f"draft-{row.id}"  # a draft has no number yet
        out[row.id] = (name, row.state, case_digest(row, rights.pop(row.id, []), respondents.pop(row.id, [])))
    return out


def _track_digests(sealed: dict, batch: int) -> list:
    """Each track's fields (a mediation's…) must still be those its last event sealed."""
    from app.cases.events import TRACK_DIGESTS
    from app.core.audit import ChainProblem

    problems = []
    for subject_type, (model, digest) in TRACK_DIGESTS.items():
        for row in db.session.execute(select(*model.__table__.c).execution_options(yield_per=batch)):
            found = sealed.get((subject_type, row.id))
            if found is None:
                continue
            number, event = found
            if event.subject_digest != digest(row):
                problems.append(
                    ChainProblem(
                        number,
                        event.id,
                        event.seq,
                        f"the {subject_type} {row.id}'s fields were changed after this event (not through the workflow)",
                    )
                )
    return problems


def _number_gaps() -> list[RecordProblem]:
    """Every number a centre's yearly series gave out must still belong to a case."""
    from app.cases.models import Case, CaseSequence
    from app.centres.models import Centre

    codes = dict(db.session.execute(select(Centre.id, Centre.code)).all())
    taken = defaultdict(set)
    # A draft takes its number when submitted: until then it has none to account for.
    numbered = select(Case.number_centre_id, Case.year, Case.sequence).where(Case.number.is_not(None))
    for centre_id, year, sequence in db.session.execute(numbered):
        taken[(centre_id, year)].add(sequence)
    problems = []
    for counter in db.session.execute(select(CaseSequence)).scalars():
        have = taken.pop((counter.centre_id, counter.year), set())
        missing = sorted(set(range(1, counter.last_value + 1)) - have)
        for sequence in missing[:20]:
            number = f"{codes.get(counter.centre_id, counter.centre_id)}-{counter.year}-{sequence:05d}"
            problems.append(RecordProblem(f"case {number}", "issued, but no case has this number (deleted?)"))
        if len(missing) > 20:
            problems.append(
                RecordProblem(
                    f"centre {codes.get(counter.centre_id)}",
                    f"{len(missing) - 20} more numbers missing in {counter.year}",
                )
            )
        beyond = sorted(s for s in have if s > counter.last_value)
        if beyond:
            problems.append(
                RecordProblem(f"centre {codes.get(counter.centre_id)}", f"numbers beyond its counter in {counter.year}")
            )
    for (centre_id, year), _sequences in taken.items():
        problems.append(
            RecordProblem(f"centre {codes.get(centre_id, centre_id)}", f"cases of {year} without a counter")
        )
    return problems


def _issued_by_root_chains() -> dict:
    """The documents of no case (a visit record, a report) are recorded by their subject's own chain
    (``app.core.chains``): (kind, id) -> (None, sha256 the event recorded)."""
    from app.core.chains import AuditEvent

    out = {}
    for (data,) in db.session.execute(select(AuditEvent.data).where(AuditEvent.action == "issue_document")):
        if isinstance(data, dict) and "document_id" in data:
            out[("document", data["document_id"])] = (None, data.get("sha256"))
    return out


def _files(issued: dict, numbers: dict, check_files: bool) -> list[RecordProblem]:
    """Documents and evidence files: their row against the event that recorded them, and the file
    on disk against the row. ``issued``: (kind, id) -> (case id, sha256 the event recorded)."""
    from app.cases.models import Attachment, Document
    from app.core import storage

    problems = []
    for kind, model, label in (("document", Document, "document"), ("attachment", Attachment, "evidence file")):
        rows = db.session.execute(select(model.id, model.case_id, model.sha256, model.storage_path))
        for row in rows:
            where = f"case {numbers.get(row.case_id, '#' + str(row.case_id))}, {label} {row.id}"
            recorded = issued.pop((kind, row.id), None)
            if recorded is None:
                problems.append(RecordProblem(where, "no event of its case's chain recorded it"))
                continue
            case_id, sha256 = recorded
            if case_id != row.case_id:
                problems.append(RecordProblem(where, "belongs to another case than the one that recorded it"))
            elif sha256 != row.sha256:
                problems.append(RecordProblem(where, "its recorded sha256 differs from the one its event sealed"))
            elif check_files:
                actual = _sha256_of(storage.absolute(row.storage_path))
                if actual is None:
                    problems.append(RecordProblem(where, "its file is missing"))
                elif actual != row.sha256:
                    problems.append(RecordProblem(where, "its file was changed after it was stored"))
    for (kind, object_id), (case_id, _sha) in issued.items():
        label = "document" if kind == "document" else "evidence file"
        problems.append(
            RecordProblem(
                f"case {numbers.get(case_id, case_id)}, {label} {object_id}", "recorded, but no longer stored"
            )
        )
    return problems


def verify_all_chains(batch: int = 2000, *, check_files: bool = True):
    """Check every case's chain and what it vouches for. Returns (problems, number of chains): a
    ``ChainProblem`` per broken chain (the first bad event), then ``RecordProblem``s."""
    from app.cases.models import CaseAuditHead, CaseEvent
    from app.core.audit import ChainProblem, head_is_valid, verify_chain

    cases = _case_digests(batch)
    numbers = {cid: number for cid, (number, _s, _d) in cases.items()}
    heads = {
        row.case_id: row
        for row in db.session.execute(
            select(CaseAuditHead.case_id, CaseAuditHead.seq, CaseAuditHead.hash, CaseAuditHead.seal)
        )
    }
    problems: list = []
    seen = set()
    issued: dict = {}
    # (subject_type, subject_id) -> (case number, the last event that sealed the track's digest)
    tracks: dict = {}
    # Plain rows, not ORM objects: nothing piles up in the session however many events there are.
    stream = db.session.execute(
        select(*CaseEvent.__table__.c).order_by(CaseEvent.case_id, CaseEvent.id).execution_options(yield_per=batch)
    )
    for case_id, group in groupby(stream, key=lambda e: e.case_id):
        events = list(group)
        seen.add(case_id)
        number, state, digest = cases.get(case_id, (f"#{case_id}", None, None))
        problem = verify_chain(number, events)
        last = events[-1]
        head = heads.get(case_id)
        if problem is None and (
            head is None
            or head.hash != last.hash
            or head.seq != last.seq
            or not head_is_valid(case_id, head.seq, head.hash, head.seal)
        ):
            problem = ChainProblem(number, None, last.seq + 1, "events after this point were removed")
        if problem is None:
            recorded = next(
                (e.to_state for e in reversed(events) if e.to_state is not None and e.subject_type is None), None
            )
            if state is not None and recorded != state.value:
                problem = ChainProblem(
                    number,
                    last.id,
                    last.seq,
                    f"the case's state ({state.value}) is not the state its chain recorded ({recorded})",
                )
        if problem is None and digest is not None:
            sealed = next((e for e in reversed(events) if e.digest is not None), None)
            if sealed is not None and sealed.digest != digest:
                problem = ChainProblem(
                    number,
                    sealed.id,
                    sealed.seq,
                    "the case's fields were changed after this event (not through the workflow)",
                )
        if problem is not None:
            problems.append(problem)
            continue
        for event in events:  # what the chain says was stored, checked below against what is
            if event.subject_type is not None and event.subject_digest is not None:
                tracks[(event.subject_type, event.subject_id)] = (number, event)
            data = event.data or {}
            if event.action == "issue_document" and "document_id" in data:
                issued[("document", data["document_id"])] = (case_id, data.get("sha256"))
            elif event.action == "add_evidence" and "attachment" in data:
                issued[("attachment", data["attachment"])] = (case_id, data.get("sha256"))
    for case_id, (number, _state, _digest) in cases.items():
        if case_id not in seen:
            problems.append(ChainProblem(number, None, 1, "the case has no audit events"))
    problems += _track_digests(tracks, batch)
    broken = {p.chain for p in problems if isinstance(p, ChainProblem)}
    issued.update(_issued_by_root_chains())
    # A broken chain's files are not judged by it (it is reported already).
    issued = {key: value for key, value in issued.items() if numbers.get(value[0]) not in broken}
    file_problems = _files(issued, numbers, check_files)
    problems += [p for p in file_problems if not any(p.where.startswith(f"case {b},") for b in broken)]
    problems += _number_gaps()
    return problems, len(cases)
