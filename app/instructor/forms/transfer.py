"""The import form: a GIFT or Aiken file, read as UTF-8 text."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, RadioField, SelectChoice, SubmitField
from wtforms.validators import ValidationError

from app.bank.limits import MAX_UPLOAD_BYTES
from app.textfile import NotText, decode_text


class ImportForm(FlaskForm):
    file = FileField("Question file", description="GIFT or Aiken text, UTF-8, at most 1 MB.")
    format = RadioField(
        "Format",
        choices=[SelectChoice("gift", "GIFT (Moodle)"), SelectChoice("aiken", "Aiken")],
        default="gift",
        invalid_choice_message="Choose GIFT or Aiken.",
    )
    fresh_ids = BooleanField("Give questions whose id is already taken a new id")
    submit = SubmitField("Upload and preview")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text = ""  # the file's text, once it validated

    def validate_file(self, field: FileField) -> None:
        storage = field.data
        if not isinstance(storage, FileStorage) or not storage.filename:
            raise ValidationError("Choose a file to upload.")
        raw = storage.stream.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 1 MB: split it into smaller files.")
        try:
            text = decode_text(raw, allow_nul=False)
        except NotText as error:
            if error.nul:
                raise ValidationError("The file is not a text file.") from None
            raise ValidationError(
                f"The file is not UTF-8 text (line {error.line} has a byte UTF-8 does not "
                "allow): save it as UTF-8 and upload it again."
            ) from None
        if not text.strip():
            raise ValidationError("The file is empty: it has no questions.")
        self.text = text
