"""Which texts of a question are authored, rendered once when a version is written.

`question_html` lists every text a learner page shows of a question (prompt, choices,
matching sides, every feedback) and renders it with the one renderer
(`app.rendering.render_texts`); `new_version` stores the result beside the version,
and pages read it through `app.rendering.StoredTexts` instead of rendering.
"""

from __future__ import annotations

from typing import Any

from app.bank.model import QuestionData
from app.rendering import render_texts


def question_html(question: QuestionData) -> dict[str, Any]:
    """Render the question's authored texts: block ones (prompt, feedback) and inline ones."""
    block = [question.prompt, question.general_feedback]
    block += [choice.feedback for choice in question.choices]
    block += [answer.feedback for answer in question.numeric_answers]
    block += [question.feedback_true, question.feedback_false]
    inline = [question.prompt]
    inline += [choice.text for choice in question.choices]
    inline += [side for pair in question.pairs for side in (pair.left, pair.right)]
    return render_texts(block, inline, question.text_format)
