"""The platform registration form: what the LMS shows for our tool, copied in by an instructor.

The rules live in `app.lti.registrations` (`registration_problems`): the form only carries
the text and puts each refusal next to its field (`add_problems`).
"""

from __future__ import annotations

from wtforms import StringField, SubmitField, TextAreaField

from app.forms import EditorForm
from app.lti.models import LtiRegistration
from app.lti.registrations import MAX_DEPLOYMENTS, RegistrationData


class RegistrationForm(EditorForm):
    name = StringField(
        "Name", description="How you tell platforms apart here, for example “School Moodle”."
    )
    issuer = StringField(
        "Platform ID (issuer)",
        description="Moodle: “Platform ID”. Canvas: https://canvas.instructure.com.",
    )
    client_id = StringField("Client ID", description="The LMS makes it when our tool is added.")
    auth_login_url = StringField(
        "Authentication request URL",
        description="Moodle: “Authentication request URL”. Canvas: its OIDC authorize address.",
    )
    auth_token_url = StringField("Access token URL")
    key_set_url = StringField("Public keyset URL", description="The LMS's own keys (JWKS).")
    deployment_ids = TextAreaField(
        "Deployment IDs",
        description=f"One per line, at most {MAX_DEPLOYMENTS}: each place the tool is deployed.",
        render_kw={"rows": 3},
    )
    frame_origin = StringField(
        "Frame origin (optional)",
        description=(
            "The address whose pages show the course in a frame, when it is not the issuer's: "
            "for Canvas, your school's Canvas, e.g. https://school.instructure.com."
        ),
    )
    submit = SubmitField("Save platform")

    def registration(self) -> RegistrationData:
        """Return what was typed, for the service to judge."""
        lines = (self.deployment_ids.data or "").replace("\r", "\n").split("\n")
        return RegistrationData(
            name=self.name.data or "",
            issuer=self.issuer.data or "",
            client_id=self.client_id.data or "",
            auth_login_url=self.auth_login_url.data or "",
            auth_token_url=self.auth_token_url.data or "",
            key_set_url=self.key_set_url.data or "",
            deployment_ids=tuple(lines),
            frame_origin=self.frame_origin.data or "",
        )

    def add_problems(self, problems: dict[str, str]) -> None:
        """Put each of the service's refusals under its field."""
        for name, message in problems.items():
            field = self[name]
            field.errors = [*field.errors, message]


def registration_data(row: LtiRegistration) -> dict[str, str]:
    """The form's data for a stored registration."""
    return {
        "name": row.name,
        "issuer": row.issuer,
        "client_id": row.client_id,
        "auth_login_url": row.auth_login_url,
        "auth_token_url": row.auth_token_url,
        "key_set_url": row.key_set_url,
        "deployment_ids": "\n".join(d.deployment_id for d in row.deployments),
        "frame_origin": row.frame_origin,
    }
