"""Every question type renders as accessible form controls and is graded through HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.content.loading import load_course
from app.course.files import read_course
from app.quizzes.models import Attempt
from tests.support import quiz_fields, start_quiz

BANK = """
// [id:t-single] [tag:anchor-one]
Single?{=Right#r ~Wrong#w ~Other#o}

// [id:t-multi] [tag:anchor-one]
Multi?{~%50%A1#a ~%50%B2#b ~%-50%C3#c ~%-50%D4#d}

// [id:t-tf] [tag:anchor-one]
True?{T}

// [id:t-short] [tag:anchor-one]
Short?{=Paris =paris france}

// [id:t-num] [tag:anchor-one]
Number?{#3.14:0.01}

// [id:t-match] [tag:anchor-one]
Match?{=one -> 1 =two -> 2 =three -> 3 = -> 99}

// [id:t-desc] [tag:anchor-one]
Read this before you answer.
"""


@pytest.fixture
def typed_quiz(client, learner, db, tmp_path: Path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.toml").write_text(
        'title = "Types"\n[quiz_defaults]\nshuffle_questions = false\n'
        '[[modules]]\nslug = "m"\ntitle = "M"\nlessons = ["typed"]\n'
    )
    (tmp_path / "lessons" / "typed.md").write_text('+++\ntitle = "Typed"\n+++\n{#one}\nText.\n')
    (tmp_path / "lessons" / "typed.gift").write_text(BANK)
    load_course(read_course(tmp_path))
    db.session.commit()
    url = start_quiz(client, "typed")
    return url, client.get(url).get_data(as_text=True)


def _fieldset(page: str, number: int) -> str:
    blocks = re.findall(r"<fieldset class=\"question__fieldset\">(.*?)</fieldset>", page, re.S)
    return blocks[number - 1]


def test_each_scored_type_is_a_fieldset_with_a_legend_and_its_own_controls(typed_quiz):
    _, page = typed_quiz
    assert page.count('<fieldset class="question__fieldset">') == 6  # description is not scored
    assert page.count("<legend") == 6
    single, multi, tf, short, number, matching = (_fieldset(page, n) for n in range(1, 7))
    assert single.count('type="radio"') == 3 and "Single?" in single
    assert multi.count('type="checkbox"') == 4 and "Select every answer that applies" in multi
    assert tf.count('type="radio"') == 2 and 'value="true"' in tf and 'value="false"' in tf
    assert 'type="text"' in short and '<label class="field__label" for="q4">' in short
    assert 'inputmode="decimal"' in number
    assert matching.count("<select") == 3  # one per row; the distractor is not a row
    assert matching.count("<option") == 3 * 5  # "Choose…" + 4 answers, distractor included
    for n in range(1, 4):
        assert f'<label for="q6-r{n - 1}"' in matching
    assert "Read this before you answer." not in page  # descriptions are not drawn


def _option_value(block: str, text: str) -> str:
    return re.search(rf'<option value="(\d+)"\s*>{re.escape(text)}</option>', block).group(1)


def _checkbox_value(block: str, text: str) -> str:
    pattern = rf'id="q2-(\d+)" name="q2" value="(\d+)"\s*>\s*<label for="q2-\1">{text}</label>'
    return re.search(pattern, block).group(2)


def test_partial_credit_and_negative_weights_are_graded_on_the_server(typed_quiz, client, db):
    url, page = typed_quiz
    matching = _fieldset(page, 6)
    data = {
        **quiz_fields(client, url),
        "q2": [
            _checkbox_value(_fieldset(page, 2), "A1"),
            _checkbox_value(_fieldset(page, 2), "C3"),
        ],
        "q3": "true",
        "q4": "  PARIS  ",
        "q5": "3,141",
        "q6-r0": _option_value(matching, "1"),
        "q6-r1": _option_value(matching, "99"),
    }
    response = client.post(url + "/submit", data=data)
    assert response.status_code == 302
    attempt = db.session.scalar(select(Attempt))
    fractions = [r.fraction for r in attempt.responses]
    assert fractions == pytest.approx([0, 0, 1, 1, 1, 1 / 3])
    assert attempt.score == pytest.approx(3 + 1 / 3)
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Partly right" in result
    assert "one → 1; two → 99; three → —" in result


FORMATS = """
// [id:f-html] [tag:anchor-one]
[html]Is <b>this</b> bold?<script>alert(1)</script>{=<i>Yes</i> ~No}

// [id:f-plain] [tag:anchor-one]
[plain]Is *this* <b>literal</b>?{T}

// [id:f-md] [tag:anchor-one]
Is *this* emphasised?{F}
"""


def test_each_text_format_of_an_imported_question_renders_as_its_author_meant(
    client, learner, db, tmp_path: Path
):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.toml").write_text(
        'title = "Formats"\n[quiz_defaults]\nshuffle_questions = false\n'
        '[[modules]]\nslug = "m"\ntitle = "M"\nlessons = ["formats"]\n'
    )
    (tmp_path / "lessons" / "formats.md").write_text('+++\ntitle = "Formats"\n+++\n{#one}\nText.\n')
    (tmp_path / "lessons" / "formats.gift").write_text(FORMATS)
    load_course(read_course(tmp_path))
    db.session.commit()
    page = client.get(start_quiz(client, "formats")).get_data(as_text=True)
    assert "Is <b>this</b> bold?" in page and "<i>Yes</i>" in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Is *this* &lt;b&gt;literal&lt;/b&gt;?" in page
    assert "Is <em>this</em> emphasised?" in page
