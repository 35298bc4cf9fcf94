"""The proxy's own pages, for people: labelled, readable on a phone, enough contrast (WCAG AA)."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import Browser

BASE_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "base.html"


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.labels, self.inputs, self.buttons, self._in_button = [], set(), [], [], False
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag == "input":
            self.inputs.append(a)
        if tag == "button":
            self._in_button = True
            self.buttons.append("")
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_button:
            self.buttons[-1] += data.strip()
        if self._in_title:
            self.title += data


def pages(proxy):
    b = Browser(proxy.url)
    yield "login", b.get("/_access-es/login").text
    b.login("bob")
    yield "home", b.get("/_access-es/").text
    yield "error", b.get("/_access-es/missing").text


def test_pages_are_labelled_and_fit_a_phone(proxy):
    for name, text in pages(proxy):
        page = Page(text)
        html = next(a for t, a in page.tags if t == "html")
        assert html.get("lang") == "en", name
        assert page.title.strip(), name
        assert any(t == "meta" and a.get("name") == "viewport" and "width=device-width" in a.get("content", "")
                   for t, a in page.tags), name
        for field in page.inputs:
            if field.get("type") == "hidden":
                continue
            assert field.get("id") in page.labels, (name, field)
            assert field.get("autocomplete"), (name, field)
        assert all(page.buttons), (name, page.buttons)


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def css_rules() -> dict[str, dict[str, str]]:
    css = re.search(r"<style>(.*?)</style>", BASE_TEMPLATE.read_text(), re.S).group(1)
    rules = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        props = dict((k.strip(), v.strip()) for k, v in
                     (p.split(":", 1) for p in body.split(";") if ":" in p))
        for sel in selectors.split(","):
            rules.setdefault(sel.strip(), {}).update(props)
    return rules


def test_every_text_colour_has_aa_contrast_on_its_background():
    rules = css_rules()
    page_bg = rules["main"]["background"]      # text sits in <main>
    checked = 0
    for selector, props in rules.items():
        colour = props.get("color")
        if not colour or not colour.startswith("#"):
            continue
        background = props.get("background", page_bg)
        ratio = contrast(colour, background)
        assert ratio >= 4.5, f"{selector}: {colour} on {background} is {ratio:.2f}:1 (AA needs 4.5)"
        checked += 1
    assert checked >= 5
    # the focus outline must stand out against the page (WCAG 1.4.11: 3:1 for UI components)
    outline = re.search(r"#[0-9a-fA-F]{6}", rules["input:focus"]["outline"]).group(0)
    assert contrast(outline, page_bg) >= 3


@pytest.mark.parametrize("fg,bg,expected", [("#000000", "#ffffff", 21.0), ("#777777", "#ffffff", 4.48)])
def test_the_contrast_formula(fg, bg, expected):
    assert contrast(fg, bg) == pytest.approx(expected, abs=0.01)
