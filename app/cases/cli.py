"""``flask --app wsgi workflow graph`` and ``flask --app wsgi audit-verify``."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db


def register_case_cli(app) -> None:
    @app.cli.group("workflow")
    def workflow_group():
        """The case workflow's rule table."""

    @workflow_group.command("graph")
    @click.option("--format", "fmt", type=click.Choice(["text", "dot"]), default="text", show_default=True)
    def graph_command(fmt: str):
        """Print every action: source state, target state, roles and guards."""
        from app.cases import workflow

        click.echo(workflow.graph_dot() if fmt == "dot" else "\n".join(workflow.graph_lines()))

    @app.cli.command("audit-verify")
    def audit_verify_command():
        """Check every case's audit chain; exit 1 naming the first bad event of each broken chain."""
        problems, chains = verify_all_chains()
        if problems:
            for problem in problems:
                click.echo(f"BROKEN {problem}", err=True)
            click.echo(f"{len(problems)} of {chains} audit chains are broken.", err=True)
            raise SystemExit(1)
        click.echo(f"All {chains} audit chains verified.")


def verify_all_chains(batch: int = 2000):
    """Stream every event once, in chain order, and check each chain, its sealed head, and that the
    case's stored state is the state its chain last recorded."""
    from itertools import groupby

    from app.cases.models import Case, CaseAuditHead, CaseEvent
    from app.core.audit import ChainProblem, head_is_valid, verify_chain

    cases = {
        cid: (number, state) for cid, number, state in db.session.execute(select(Case.id, Case.number, Case.state))
    }
    heads = {
        row.case_id: row
        for row in db.session.execute(
            select(CaseAuditHead.case_id, CaseAuditHead.seq, CaseAuditHead.hash, CaseAuditHead.seal)
        )
    }
    problems = []
    seen = set()
    # Plain rows, not ORM objects: nothing piles up in the session however many events there are.
    stream = db.session.execute(
        select(*CaseEvent.__table__.c).order_by(CaseEvent.case_id, CaseEvent.id).execution_options(yield_per=batch)
    )
    for case_id, group in groupby(stream, key=lambda e: e.case_id):
        events = list(group)
        seen.add(case_id)
        number, state = cases.get(case_id, (f"#{case_id}", None))
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
            recorded = next((e.to_state for e in reversed(events) if e.to_state is not None), None)
            if state is not None and recorded != state.value:
                problem = ChainProblem(
                    number,
                    last.id,
                    last.seq,
                    f"the case's state ({state.value}) is not the state its chain recorded ({recorded})",
                )
        if problem is not None:
            problems.append(problem)
    for case_id, (number, _state) in cases.items():
        if case_id not in seen:
            problems.append(ChainProblem(number, None, 1, "the case has no audit events"))
    return problems, len(cases)
