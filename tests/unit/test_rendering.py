"""The one renderer: anchors survive with their prefix, markup that could run does not."""

from app.rendering import anchors_in, render_inline, render_markdown


def test_paragraph_anchors_survive_sanitising_with_the_prefix():
    html = render_markdown("{#origins}\nEnvoys came first.\n\n{#duties}\n- carry\n- talk\n")
    assert '<p id="p-origins">Envoys came first.</p>' in html
    assert '<ul id="p-duties">' in html


def test_ids_without_the_prefix_or_with_odd_characters_are_dropped():
    html = render_markdown('{#Bad_ID}\ntext\n\n{.klass data-x="1"}\nmore')
    assert "id=" not in html and "klass" not in html and "data-x" not in html


def test_raw_html_and_script_urls_do_not_survive():
    html = render_markdown(
        "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>"
    )
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html


def test_inline_rendering_has_no_wrapping_paragraph():
    assert str(render_inline("a *b*")) == "a <em>b</em>"


def test_anchors_in_lists_declared_anchors_in_order():
    assert anchors_in("{#one}\nA\n\n{#two}\nB\n") == ["one", "two"]
