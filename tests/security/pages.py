"""Read pages as a browser would: the forms they offer and any live markup they contain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")

# Tags that run script, load other documents or restyle the page: never from authored text.
DANGEROUS_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "style", "base", "link", "meta", "form", "input", "button", "textarea", "select",
    "img", "video", "audio", "source", "marquee", "noscript", "template",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "cite", "srcset", "codebase", "dynsrc", "lowsrc",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def load_payloads() -> list[str]:
    """Return the XSS corpus: one payload a line, ";;" comments, "⏎" for a line break."""
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    return [line.replace("⏎", "\n") for line in lines if line.strip() and not line.startswith(";;")]


@dataclass
class Tag:
    name: str
    attrs: dict[str, str]
    line: int


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, {k: v or "" for k, v in attrs}, self.getpos()[0]))

    handle_startendtag = handle_starttag


def tags_of(html: str) -> list[Tag]:
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    return collector.tags


def _is_app_tag(tag: Tag) -> bool:
    """Recognise the tags the app's own templates write (scripts and styles from /static/)."""
    attrs = tag.attrs
    if tag.name == "script":
        return attrs.get("src", "").startswith("/static/")
    if tag.name == "link":
        return attrs.get("rel") == "stylesheet" and attrs.get("href", "").startswith("/static/")
    if tag.name == "img":
        return attrs.get("src", "").startswith("/static/")
    if tag.name == "meta":
        return "http-equiv" not in attrs
    if tag.name == "form":  # the app's forms post to itself
        action = attrs.get("action", "")
        return action == "" or (action.startswith("/") and not action.startswith("//"))
    # The app's own form controls; their attributes are checked below like any other tag's.
    return tag.name in ("input", "button", "textarea", "select")


def live_markup(html: str) -> list[str]:
    """List every piece of live markup in a page that authored text could have put there.

    A page passes when it has no inline event handler, no style attribute, no
    javascript:/vbscript:/data: URL, and no script, frame, object, SVG, style or
    similar element other than the app's own.
    """
    problems = []
    for tag in tags_of(html):
        where = f"line {tag.line}: <{tag.name}>"
        if tag.name in DANGEROUS_TAGS and not _is_app_tag(tag):
            problems.append(f"{where} element")
        for name, value in tag.attrs.items():
            if name.startswith("on"):
                problems.append(f"{where} event handler {name}={value[:40]!r}")
            elif name in ("style", "srcdoc"):
                problems.append(f"{where} {name} attribute")
            elif name in URL_ATTRIBUTES:
                url = _INVISIBLE.sub("", value).lower()
                if url.startswith(BAD_SCHEMES):
                    problems.append(f"{where} {name}={value[:60]!r}")
    script_tags = sum(1 for t in tags_of(html) if t.name == "script")
    if len(re.findall(r"<script", html, flags=re.IGNORECASE)) != script_tags:
        problems.append("a '<script' in the page that is not one of its script elements")
    return problems


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, hidden, radio, checkbox, select, submit, file, …
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field]

    def names(self, kind: str | None = None) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields if kind is None or f.kind == kind))

    def data(self, overrides: dict[str, str] | None = None, submit: str | None = None) -> dict:
        """Return what a browser would send, with `overrides`, pressing button `submit`."""
        data: dict[str, str] = {}
        for f in self.fields:
            if f.kind in ("submit", "button", "reset", "image", "file"):
                continue
            if f.kind in ("radio", "checkbox"):
                if f.checked:
                    data[f.name] = f.value or "on"
            elif f.kind == "select":
                data.setdefault(f.name, f.value if f.value else (f.options or [""])[0])
            else:
                data[f.name] = f.value
        data.update(overrides or {})
        if submit:
            button = next(f for f in self.fields if f.name == submit and f.kind == "submit")
            data[submit] = button.value
        return data


class _FormCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), [])
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._add_option(a)
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            self._form.fields.append(Field(a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "button":
            kind = a.get("type", "submit").lower()
            self._form.fields.append(Field(a["name"], kind, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)

    def _add_option(self, a: dict[str, str]) -> None:
        assert self._select is not None
        self._select.options.append(a.get("value", ""))
        if "selected" in a:
            self._select.value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            if self._textarea is not None:
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    collector = _FormCollector()
    collector.feed(html)
    collector.close()
    return collector.forms


def form_with(html: str, field_name: str) -> Form:
    """Return the page's form that has a field of this name (not the log-out form)."""
    for form in forms_of(html):
        if field_name in form.names():
            return form
    raise AssertionError(f"no form with a field {field_name!r} on the page")
