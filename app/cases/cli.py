"""``flask --app wsgi workflow graph`` and ``flask --app wsgi audit-verify``."""

from __future__ import annotations

import click


def register_case_cli(app) -> None:
    @app.cli.group("workflow")
    def workflow_group():
        """The workflows' rule tables."""

    @workflow_group.command("graph")
    @click.option("--format", "fmt", type=click.Choice(["text", "dot"]), default="text", show_default=True)
    @click.option("--workflow", "name", default="case", show_default=True, help="Which process's rule table.")
    def graph_command(fmt: str, name: str):
        """Print every action of a workflow: source state, target state, roles and guards."""
        from app.cases import workflow  # noqa: F401  (declares the case workflow)
        from app.core.workflow import REGISTRY

        if name not in REGISTRY:
            raise click.BadParameter(f"choose one of: {', '.join(sorted(REGISTRY))}", param_hint="--workflow")
        chosen = REGISTRY[name]
        click.echo(chosen.graph_dot() if fmt == "dot" else "\n".join(chosen.graph_lines()))

    @app.cli.command("audit-verify")
    @click.option(
        "--no-files", is_flag=True, help="Skip reading stored files (their database records are still checked)."
    )
    def audit_verify_command(no_files: bool):
        """Check every case's audit chain and what it vouches for: fields, numbers, documents, files.
        Exits 1 naming each problem."""
        from app.cases.verify import RecordProblem
        from app.core import chains as root_chains

        problems, chains = verify_all_chains(check_files=not no_files)
        root_problems, roots = root_chains.verify()  # visits, ledgers, reports: chains of their own
        problems, chains = problems + root_problems, chains + roots
        if problems:
            for problem in problems:
                click.echo(f"BROKEN {problem}", err=True)
            broken = [p for p in problems if not isinstance(p, RecordProblem)]
            others = len(problems) - len(broken)
            if broken:
                click.echo(f"{len(broken)} of {chains} audit chains are broken.", err=True)
            if others:
                click.echo(f"{others} problems with numbers, documents or files.", err=True)
            raise SystemExit(1)
        click.echo(f"All {chains} audit chains verified.")


def verify_all_chains(batch: int = 2000, *, check_files: bool = True):
    """See ``app.cases.verify``."""
    from app.cases.verify import verify_all_chains as verify

    return verify(batch, check_files=check_files)
