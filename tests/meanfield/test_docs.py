"""The generated documentation: references current, equations drawn, pages well formed."""

from pathlib import Path

from meanfield.docsgen import cli_reference, derivation_page, markdown_to_html

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_cli_reference_is_current():
    # docs/cli.md is generated from the argument parsers; a changed command without
    # `make docs` leaves it stale
    assert (DOCS / "cli.md").read_text() == cli_reference(), "run `make docs`"


def test_derivation_page_has_every_part_in_math_blocks():
    page = derivation_page("additive")
    for title in ("Static mean-field theory", "Dynamical mean-field theory",
                  "Kac-Rice topological complexity"):
        assert f"## {title}" in page
    assert page.count("```math") >= 6
    assert page.count(r"\begin{aligned}") == page.count(r"\end{aligned}")


def test_math_blocks_become_svg_and_unsupported_tex_falls_back_to_source():
    md = "# T\n\n```math\n\\begin{aligned}\nq &= \\frac{a}{b} \\\\\nx &= \\left[\\begin{matrix}1\\end{matrix}\\right]\n" \
         "\\end{aligned}\n```\n\nSee [models](models.md) and `echo $HOME $PATH`.\n"
    page = markdown_to_html(md, "T")
    assert page.count("<svg") == 1                       # the supported row
    assert '<pre class="tex">x = \\left[\\begin{matrix}1\\end{matrix}\\right]</pre>' in page
    assert 'href="models.html"' in page                  # links follow the HTML pages
    assert "<code>echo $HOME $PATH</code>" in page         # code is left alone
    assert "```" not in page


def test_dollar_signs_on_pages_without_equations_are_not_math():
    page = markdown_to_html("# P\n\nCosts $5 and $6 here.\n", "P")
    assert "<svg" not in page and "$5 and $6" in page
