"""Every page's text is readable: WCAG 2.1 AA contrast (4.5:1, 3:1 for large text), measured
in the browser from the computed colours of each element that shows text, on every page of
every role, signed in, in Persian and in English; and no form control spills out of its
field (long English option texts once pushed selects over their neighbours), and every
control has a label."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Demo, token

# For each element with its own text: its colour, the first opaque background behind it,
# its size and weight; the ratio by WCAG's relative luminance.
MEASURE = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const shown = el.offsetParent !== null || style.position === 'fixed';
    if (style.visibility === 'hidden' || style.display === 'none' || !shown) continue;
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      const text = el.textContent.trim().slice(0, 40);
      out.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)}`);
    }
  }
  return out;
}
"""


# Each form control inside its field's box (1 px of rounding allowed).
SPILLS = """
() => [...document.querySelectorAll('.field')].flatMap(field => {
  const box = field.getBoundingClientRect();
  return [...field.querySelectorAll('input, select, textarea')]
    .filter(c => c.offsetParent !== null)
    .filter(c => {
      const r = c.getBoundingClientRect();
      return r.left < box.left - 1 || r.right > box.right + 1;
    })
    .map(c => `${c.tagName}#${c.id} ${Math.round(c.getBoundingClientRect().width)}px`);
})
"""


# Each visible form control has a label a screen reader says (label[for], a wrapping label,
# aria-label or aria-labelledby); buttons say what they do.
UNLABELLED = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(c => c.offsetParent !== null && c.type !== 'hidden')
  .filter(c => {
    if (c.tagName === 'BUTTON' || c.type === 'submit') return !c.textContent.trim() && !c.value;
    const named = c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
    const label = (c.id && document.querySelector(`label[for="${c.id}"]`)) || c.closest('label');
    return !named && !(label && label.textContent.trim());
  })
  .map(c => `${c.tagName}#${c.id || '?'}[name=${c.name || '?'}]`)
"""


def _sign_in(page: Any, demo: Demo, path: str) -> None:
    roles = {
        "/me": ("holder", "--national-id", demo.national_id),
        "/org": ("verifier",),
        "/registrar": ("registrar", "--institution", "10001"),
        "/audit": ("auditor",),
        "/admin": ("operator",),
    }
    if path in roles:
        page.fill("#token", token(demo, *roles[path]))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("form[action*='/sign-out']")


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_every_page_meets_aa_contrast(demo: Demo, page: Any, lang: str) -> None:
    failures: list[str] = []
    for path in ("/", "/me", "/org", "/registrar", "/audit", "/admin"):
        page.context.clear_cookies()  # signed out: each page's own sign-in first
        page.goto(f"{demo.base}{path}?lang={lang}")
        failures += [f"{path} (sign-in): {f}" for f in page.evaluate(MEASURE)]
        failures += [f"{path} (sign-in): no label: {f}" for f in page.evaluate(UNLABELLED)]
        _sign_in(page, demo, path)
        failures += [f"{path}: {f}" for f in page.evaluate(MEASURE)]
        failures += [f"{path}: spills out of its field: {f}" for f in page.evaluate(SPILLS)]
        failures += [f"{path}: no label: {f}" for f in page.evaluate(UNLABELLED)]
    page.goto(f"{demo.base}/?lang={lang}")
    page.fill("#code", demo.code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    failures += [f"/ (an answer): {f}" for f in page.evaluate(MEASURE)]
    assert not failures, failures
