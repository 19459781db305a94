"""Answer an attempt's questions all right or all wrong, as a learner's form would send them."""

from __future__ import annotations

from app.bank.grading import matching_rows
from app.quizzes.models import Attempt

WRONG_TEXT = "certainly not the answer"


def form_answers(attempt: Attempt, right: bool) -> dict[str, list[str]]:
    """Return the quiz form's answer fields answering every question right (or wrong).

    Values are display positions, so the choice order each attempt shuffled is honoured.
    A wrong answer still picks a choice where the type has choices, so that the
    feedback for that choice exists to be shown (or kept back).
    """
    fields: dict[str, list[str]] = {}
    for response in attempt.responses:
        question, order = response.version.to_data(), response.choice_order
        name = f"q{response.position}"
        if question.type == "single":
            target = next(i for i, c in enumerate(question.choices) if (c.fraction >= 1) == right)
            fields[name] = [str(order.index(target))]
        elif question.type == "multi":
            wanted = [i for i, c in enumerate(question.choices) if (c.fraction > 0) == right]
            fields[name] = [str(order.index(i)) for i in wanted]
        elif question.type == "truefalse":
            fields[name] = ["true" if question.correct == right else "false"]
        elif question.type == "short":
            fields[name] = [question.choices[0].text if right else WRONG_TEXT]
        elif question.type == "numerical":
            value = question.numeric_answers[0].value
            fields[name] = [f"{value:g}" if right else f"{value + 1000:g}"]
        elif question.type == "matching":
            rows = matching_rows(question)
            for position, pair in enumerate(rows):
                if right:
                    target = pair
                else:
                    right_text = question.pairs[pair].right
                    target = next(i for i, p in enumerate(question.pairs) if p.right != right_text)
                fields[f"{name}-r{position}"] = [str(order.index(target))]
    return fields
