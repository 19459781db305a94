"""The tool's public endpoints (login initiation, launch, JWKS, deep linking)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from app.course.cache import structure
from app.lti import deep_linking, keys

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.get("/jwks")
def jwks():
    """Our public keys, for platforms to verify what we sign (deep links, token requests)."""
    response = jsonify(keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/deep-link", methods=["GET", "POST"])
def deep_link():
    """The LMS teacher picks what to add; we answer the platform with signed links."""
    pending = deep_linking.pending_request()
    groups = deep_linking.choice_groups(structure())
    form = deep_linking.picker_form(pending, groups)
    if form.validate_on_submit():
        answer = deep_linking.answer(pending, deep_linking.chosen(form, groups))
        deep_linking.allow_posting_to(answer.return_url)
        return render_template("lti/deep_link_return.html", answer=answer)
    return render_template("lti/deep_link.html", form=form, groups=groups)
