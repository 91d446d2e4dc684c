"""The gallery says on stderr when a figure is drawn from a result that failed or warned,
and a gallery stopped part way keeps what it drew."""

from types import SimpleNamespace

import pytest

from meanfield.gallery import _checked


def test_a_failed_or_warned_result_is_reported_and_a_clean_one_is_not(capsys):
    clean = SimpleNamespace(converged=True, message="converged in 12 iterations")
    assert _checked(clean, "clean") is clean
    failed = SimpleNamespace(success=False, message="no convergence (residual 0.3)")
    _checked(failed, "figure a=1")
    warned = SimpleNamespace(converged=True, message="converged; warning: C still decays")
    _checked(warned, "figure a=2")
    inner = SimpleNamespace(success=True, message="PR/N = 0.2",
                            dmft_message="converged; warning: tau_max is too short")
    _checked(inner, "figure a=3")
    err = capsys.readouterr().err.splitlines()
    assert err == ["gallery: figure a=1: failed: no convergence (residual 0.3)",
                   "gallery: figure a=2: converged; warning: C still decays",
                   "gallery: figure a=3: PR/N = 0.2; converged; warning: tau_max is too short"]


def test_a_gallery_stopped_part_way_keeps_each_figure_drawn_with_its_caption(tmp_path,
                                                                             monkeypatch):
    from meanfield import gallery

    def drawn(path, quick):
        fig, ax = gallery._plt().subplots()
        ax.plot([0, 1])
        gallery._save(fig, path)
        return "caption of the first"

    def stopped(path, quick):
        raise KeyboardInterrupt

    monkeypatch.setattr(gallery, "FIGURES", {"first": drawn, "second": stopped})
    with pytest.raises(KeyboardInterrupt):
        gallery.run_gallery(tmp_path / "gal", quick=True, log=lambda line: None)
    assert (tmp_path / "gal" / "first.png").stat().st_size > 0
    assert "caption of the first" in (tmp_path / "gallery.md").read_text()
    assert sorted(p.name for p in (tmp_path / "gal").iterdir()) == ["first.png"]


def test_the_progress_bar_counts_each_figures_solves_and_names_the_last(tmp_path, monkeypatch,
                                                                        capsys):
    from meanfield import gallery

    class Done:
        success = True
        message = "ok"

    def three_solves(path, quick):
        for a in (1, 2, 3):
            gallery._checked(Done(), f"solve a={a}")
        fig, ax = gallery._plt().subplots()
        gallery._save(fig, path)
        return "caption"

    monkeypatch.setattr(gallery, "FIGURES", {"three": three_solves})
    gallery.run_gallery(tmp_path / "gal", quick=True, log=lambda line: None, progress=True)
    err = capsys.readouterr().err
    assert "gallery: three" in err and "3 solves" in err and "solve a=3" in err
    assert gallery._BAR is None  # the bar is gone with its figure
    gallery.run_gallery(tmp_path / "gal", quick=True, log=lambda line: None)
    assert capsys.readouterr().err == ""  # no bar unless asked
