"""Application factory: a flat list of register_* steps."""

from __future__ import annotations

from flask import Flask

from config import BASE_DIR, INSTANCE_DIR, Config, get_config


def create_app(config: Config | str | None = None) -> Flask:
    if config is None or isinstance(config, str):
        config = get_config(config)
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder="static",
    )
    app.config.from_object(config)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from app import models  # noqa: F401  (registers every model and scope rule)
    from app.core import audit
    from app.core.cli import register_cli
    from app.core.errors import register_error_handlers
    from app.core.i18n import register_i18n
    from app.core.permissions import register_template_helpers
    from app.core.requests import register_request_hooks
    from app.core.security import register_security
    from app.core.static_gzip import register_static_gzip
    from app.ops.logging import register_observability

    register_extensions(app)
    register_observability(app)
    register_i18n(app)
    register_security(app)
    register_template_helpers(app)
    register_request_hooks(app)
    register_static_gzip(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    register_subscribers(app)
    audit.configure(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.extensions import csrf, db, limiter

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app.core.views import IdConverter

    app.url_map.converters["int"] = IdConverter
    from app.admin.views import bp as admin_bp
    from app.agencies.views import bp as agencies_bp
    from app.api.views import bp as api_bp
    from app.auth.views import bp as auth_bp
    from app.cases.views import bp as cases_bp
    from app.centres.views import bp as centres_bp
    from app.clocks.views import bp as clocks_bp
    from app.enterprises.views import bp as enterprises_bp
    from app.fund.views import bp as fund_bp
    from app.fund.views_admin import bp as fund_admin_bp
    from app.main.views import bp as main_bp
    from app.mediation.views import bp as mediation_bp
    from app.notifications.views import bp as notifications_bp
    from app.plans.views import bp as plans_bp
    from app.privacy.admin_views import bp as privacy_admin_bp
    from app.privacy.views import bp as privacy_bp
    from app.referrals.replies import bp as replies_bp
    from app.referrals.views import bp as referrals_bp
    from app.reports.annual.views import bp as annual_reports_bp
    from app.reports.views import bp as reports_bp
    from app.respondents.views import bp as respondents_bp
    from app.verify.views import bp as verify_bp
    from app.visits.views import bp as visits_bp

    for bp in (
        main_bp,
        auth_bp,
        enterprises_bp,
        centres_bp,
        admin_bp,
        cases_bp,
        api_bp,
        clocks_bp,
        notifications_bp,
        verify_bp,
        mediation_bp,
        plans_bp,
        agencies_bp,
        referrals_bp,
        replies_bp,
        respondents_bp,
        visits_bp,
        fund_bp,
        fund_admin_bp,
        annual_reports_bp,
        reports_bp,
        privacy_bp,
        privacy_admin_bp,
    ):
        app.register_blueprint(bp)


def register_subscribers(app: Flask) -> None:
    """What every workflow action means beside its state: each feature subscribes to the one
    door's signals (``app.core.engine``); the door imports none of them."""
    from app.cases import (
        documents,  # noqa: F401  (registers the case's document specs)
        feedback,
    )
    from app.clocks import subscribers as clocks
    from app.core import documents as issued
    from app.fund import documents as _fund_documents  # noqa: F401  (the decision and refusal letters)
    from app.fund import services as _fund_services  # noqa: F401  (the ledger's postings, clock span, digest)
    from app.mediation import (  # noqa: F401  (the mediation's document specs, clock spans and assignment)
        documents as _mediation_documents,
    )
    from app.mediation import services as _mediation_services  # noqa: F401
    from app.notifications import subscribers as notifications
    from app.plans import documents as _plan_documents  # noqa: F401  (the plan's document spec)
    from app.referrals import documents as _referral_documents  # noqa: F401  (the letters)
    from app.referrals import services as _referral_services  # noqa: F401  (clock spans, digest)
    from app.reports import monthly as _monthly_reports  # noqa: F401  (the monthly report, its chain)
    from app.reports.annual import documents as _annual_documents  # noqa: F401  (the report's PDF, chain)
    from app.reports.annual import reminders as _annual_reminders  # noqa: F401  (its clock on the board)
    from app.visits import documents as _visit_documents  # noqa: F401  (the visit record)

    for feature in (clocks, issued, notifications, feedback):
        feature.connect()
