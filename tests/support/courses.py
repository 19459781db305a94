"""Write a course of a chosen size (lessons, questions a lesson) for tests that vary it."""

from __future__ import annotations

from pathlib import Path


def write_sized_course(folder: Path, lessons: int, questions: int) -> Path:
    """Write a one-module course of `lessons` lessons (`lesson-1` …), each with text and
    `questions` two-choice questions, to `folder`, and return the folder.

    The statement budgets load one small and one large course and compare what pages cost.
    """
    (folder / "lessons").mkdir(parents=True)
    slugs = [f"lesson-{n}" for n in range(1, lessons + 1)]
    listed = ", ".join(f'"{slug}"' for slug in slugs)
    (folder / "course.toml").write_text(
        'title = "Sized"\n[quiz_defaults]\npass_mark = 50\n'
        f'[[modules]]\nslug = "m"\ntitle = "M"\nlessons = [{listed}]\n'
    )
    for slug in slugs:
        (folder / "lessons" / f"{slug}.md").write_text(
            f'+++\ntitle = "{slug}"\nobjectives = ["Know *this*"]\n'
            '[[key_terms]]\nterm = "Term"\ndefinition = "A **word**"\n+++\n'
            "{#one}\nSome *text* with [a link](https://example.org).\n"
        )
        bank = "\n\n".join(
            f"// [id:{slug}-{q}] [tag:anchor-one]\n"
            f"Question *{q}* of {slug}?{{=Yes#Right, *well* done ~No#No, see above}}"
            for q in range(1, questions + 1)
        )
        (folder / "lessons" / f"{slug}.gift").write_text(bank)
    return folder
