"""Fuzzing the command line (hypothesis), in process for speed.

The contract (README, ``meanfield/cli/main.py``): bad input gives a non-zero exit status
and exactly one line on stderr, ``meanfield <command>: error: ...`` (argparse's usage
errors: exit status 2, and ``meanfield: error: ...`` when the top-level parser rejects
an unrecognised argument), never a traceback; a valid run's JSON has no NaN or inf
(``emit_json`` refuses them) and says whether it converged.

Every generated argument list here fails before any computation (argument parsing or
parameter validation), except the valid-but-extreme ``fixed-points`` points, which cost
about a second each. Options are passed as ``--opt=VALUE`` so that a generated value
starting with ``-`` (``-h``, ``-5``) is read as the value, not as another option.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meanfield.cli.main import main

GATED = ("g_h", "beta_h", "alpha_z", "beta_z", "alpha_r", "beta_r", "tau_z", "tau_r")
POSITIVE = ("g_h", "tau_z", "tau_r")        # domain x > 0
NONNEGATIVE = ("alpha_z", "alpha_r")        # domain x >= 0

#: Commands that take --set, with the arguments each needs besides it. Invalid --set
#: input must stop every one of them before it computes anything.
COMMANDS = {
    "derive": [], "fixed-points": [], "spectrum": [], "dmft": [], "complexity": [],
    "dimension": [], "simulate": ["--N=5", "--T=1"], "lyapunov": ["--N=5", "--T=1", "--k=1"],
    "chaos-onset": ["--from=2", "--to=1"],
    "phase-diagram": ["--x=g_h=1:2:3", "--y=alpha_r=0:1:2"],
}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    """Where phase-diagram may write (it never gets that far here)."""
    return tmp_path_factory.mktemp("fuzz")


def run(argv):
    """(exit status, stdout, stderr) of ``meanfield argv`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(cmd, code, err, fragment=None):
    """Non-zero exit, one stderr line ``meanfield CMD: error: ...``, naming ``fragment``."""
    assert code not in (0, None), f"accepted: {err!r}"
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    prefixes = (f"meanfield {cmd}: error: ",) + (("meanfield: error: ",) if code == 2 else ())
    assert err.startswith(prefixes), err
    if fragment is not None:
        assert fragment in err, (fragment, err)


def _parses_as(kind, text: str) -> bool:
    """Whether ``kind(text)`` (float or int) accepts ``text``."""
    try:
        kind(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ values
small_text = st.text(max_size=12)
not_a_number = small_text.filter(lambda s: s.strip() and not _parses_as(float, s))
non_finite_text = st.sampled_from(["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400",
                                   "-1e400"])
non_finite = st.one_of(non_finite_text, st.just("1" + "0" * 400))  # float() -> inf
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
negative = st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False)
name_chars = string.ascii_letters + string.digits + "_"
unknown_name = st.text(alphabet=name_chars, min_size=1, max_size=10).filter(
    lambda s: s not in GATED)


def _set_case(kind, name, value):
    """(--set item, fragment the error must contain) for one kind of bad --set."""
    if kind == "no_equals":
        return value, "NAME=VALUE"
    if kind == "empty_name":
        return f"={value}", "NAME=VALUE"
    if kind == "empty_value":
        return f"{name}=", "NAME=VALUE"
    if kind == "unknown":
        return f"{name}={value}", f"no parameter {name!r}"
    if kind == "not_a_number":
        return f"{name}={value}", "is not a number"
    if kind == "non_finite":
        return f"{name}={value}", name
    return f"{name}={value!r}", f"{name} >"  # out of the domain x > 0 or x >= 0


bad_set = st.one_of(
    st.builds(_set_case, st.just("no_equals"), st.just(""),
              small_text.filter(lambda s: "=" not in s)),
    st.builds(_set_case, st.just("empty_name"), st.just(""), small_text),
    st.builds(_set_case, st.just("empty_value"), st.sampled_from(GATED), st.just("")),
    st.builds(_set_case, st.just("unknown"), unknown_name, st.just("1")),
    st.builds(_set_case, st.just("not_a_number"), st.sampled_from(GATED), not_a_number),
    st.builds(_set_case, st.just("non_finite"), st.sampled_from(GATED), non_finite),
    st.builds(_set_case, st.just("domain"), st.sampled_from(POSITIVE),
              st.floats(max_value=0.0, allow_nan=False, allow_infinity=False)),
    st.builds(_set_case, st.just("domain"), st.sampled_from(NONNEGATIVE), negative),
)


@settings(max_examples=60)
@given(cmd=st.sampled_from(sorted(COMMANDS)), case=bad_set,
       good=st.lists(st.sampled_from(["beta_h=0.5", "alpha_r=2", "beta_z=-1"]), max_size=2,
                     unique=True),
       first=st.booleans())
def test_bad_set_is_one_line_naming_it(out_dir, cmd, case, good, first):
    item, fragment = case
    sets = [f"--set={g}" for g in good if g.partition("=")[0] != item.partition("=")[0].strip()]
    sets = [f"--set={item}"] + sets if first else sets + [f"--set={item}"]
    extra = COMMANDS[cmd] + ([f"--out={out_dir / 'pd'}"] if cmd == "phase-diagram" else [])
    code, out, err = run([cmd, *sets, *extra])
    assert_one_line_error(cmd, code, err, fragment)
    assert out == ""


def test_a_parameter_given_twice_is_refused():
    code, _, err = run(["fixed-points", "--set=g_h=1", "--set=g_h=2"])
    assert_one_line_error("fixed-points", code, err, "given twice")


# ------------------------------------------------------------------ typed options
#: Options by type, per command (the type functions of meanfield/cli/_common.py).
POSITIVE_INT = {"simulate": ["--N"], "lyapunov": ["--N", "--k"], "spectrum": ["--points"],
                "dmft": ["--nodes", "--samples", "--replicas"], "complexity": ["--nodes"],
                "dimension": ["--samples"],
                "chaos-onset": ["--nodes", "--max-iter", "--max-solves"]}
NONNEGATIVE_INT = {"simulate": ["--seed"], "dmft": ["--seed"], "dimension": ["--seed"],
                   "lyapunov": ["--seed", "--state-seed", "--basis-seed"]}
POSITIVE_FLOAT = {"simulate": ["--T", "--dt"], "lyapunov": ["--T", "--dt", "--renorm-every"],
                  "dmft": ["--tau-max", "--dtau", "--damping", "--T"],
                  "dimension": ["--tau-max", "--dtau", "--T"],
                  "chaos-onset": ["--step", "--min-step", "--tau-max", "--dtau"]}
NONNEGATIVE_FLOAT = {"simulate": ["--transient"], "lyapunov": ["--transient"],
                     "dmft": ["--burn"]}
PLAIN_INT = {"spectrum": ["--branch"], "phase-diagram": ["--chaos", "--complexity"]}


def _pairs(table):
    return [(cmd, opt) for cmd, opts in table.items() for opt in opts]


bad_positive_int = st.one_of(not_a_number, non_finite_text, st.just("0"),
                             st.integers(max_value=0).map(str),
                             finite.filter(lambda x: not float(x).is_integer()).map(repr),
                             st.sampled_from(["1e3", "2.0", "0x10", "1/2"]))
bad_nonnegative_int = st.one_of(not_a_number, st.integers(max_value=-1).map(str),
                                st.sampled_from(["1.5", "1e3", "-0.5"]))
bad_positive_float = st.one_of(not_a_number, non_finite, st.just("0"), st.just("-0.0"),
                               negative.map(repr))
bad_nonnegative_float = st.one_of(not_a_number, non_finite, negative.map(repr))
bad_int = st.one_of(not_a_number.filter(lambda s: not _parses_as(int, s)),
                    st.sampled_from(["1.5", "1e3", "nan"]))


def _required(cmd, out_dir):
    return COMMANDS.get(cmd, []) + ([f"--out={out_dir / 'pd'}"] if cmd == "phase-diagram"
                                    else [])


@settings(max_examples=80)
@given(data=st.data())
def test_bad_typed_option_is_a_usage_error(out_dir, data):
    table, values = data.draw(st.sampled_from([
        (POSITIVE_INT, bad_positive_int), (NONNEGATIVE_INT, bad_nonnegative_int),
        (POSITIVE_FLOAT, bad_positive_float), (NONNEGATIVE_FLOAT, bad_nonnegative_float),
        (PLAIN_INT, bad_int)]))
    cmd, opt = data.draw(st.sampled_from(_pairs(table)))
    value = data.draw(values)
    code, out, err = run([cmd, *_required(cmd, out_dir), f"{opt}={value}"])
    # argparse reads the option (the last occurrence wins over _required's)
    assert_one_line_error(cmd, code, err, f"argument {opt}")
    assert code == 2 and out == ""


@pytest.mark.parametrize("argv, fragment", [
    (["simulate", "--N=5", "--T=10", "--transient=10"], "--transient"),
    (["lyapunov", "--N=3", "--k=10", "--T=1"], "exceeds"),
    (["dmft", "--damping=1.5"], "(0, 1]"),
    (["dmft", "--tau-max=3", "--dtau=0.2"], "20 dtau"),
    (["chaos-onset", "--from=nan", "--to=1"], "finite"),
    (["chaos-onset", "--from=2", "--to=inf"], "finite"),
    (["chaos-onset", "--from=2", "--to=2"], "differ"),
    (["chaos-onset", "--vary=nope", "--from=2", "--to=1"], "no parameter 'nope'"),
    (["chaos-onset", "--from=2", "--to=1", "--set=g_h=2"], "varied parameter"),
    (["phase-diagram", "--x=g_h=1:2:3"], "--plane X,Y or both"),
    (["phase-diagram", "--x=g_h=1:2:3", "--y=g_h=1:2:3"], "both vary 'g_h'"),
    (["phase-diagram", "--x=g_h=1:2:3", "--y=alpha_r=0:1:3", "--chaos=-1"], "--chaos"),
    (["phase-diagram", "--plane=g_h"], "--plane"),
    (["simulate", "--set=tau_z=1e-3", "--N=5", "--T=1"], "RK4 stability limit"),
    (["simulate", "--N=5", "--T=1", "--dt=1e-300"], "max_steps"),
    (["simulate", "--N=5", "--T=1e308"], "max_steps"),
    (["simulate", "--N=10000000"], "GiB"),
    (["lyapunov", "--N=5", "--k=1", "--dt=5"], "RK4 stability limit"),
    (["lyapunov", "--N=5", "--k=1", "--T=1e308"], "steps exceed"),
    (["dmft", "--plot=/nonexistent-folder/C.png"], "does not exist"),
    (["dmft", "--plot=C.unknown-format"], "unknown figure format"),
    (["spectrum", "--plot=/nonexistent-folder/s.png"], "does not exist"),
    (["models", "x" * 300], "unknown model"),
])
def test_relational_and_resource_checks_fail_fast(out_dir, argv, fragment):
    """Checks made after parsing (relations between options, step counts, memory,
    output paths): one line, before any long computation."""
    cmd = argv[0]
    extra = [f"--out={out_dir / 'pd'}"] if cmd == "phase-diagram" else []
    code, out, err = run([*argv, *extra])
    assert_one_line_error(cmd, code, err, fragment)


# ------------------------------------------------------------------ grids
AXIS_NAMES = ("g_h", "alpha_r", "beta_h")


def _axis_case(kind, name, a, b, n, junk):
    """(axis text, fragment of the error) for one kind of malformed NAME=START:STOP:COUNT."""
    if kind == "reversed":
        return f"{name}={max(a, b)}:{min(a, b)}:{n}", "START < STOP"
    if kind == "count":
        return f"{name}={min(a, b)}:{max(a, b) + 1}:{junk}", "COUNT"
    if kind == "parts":  # 1, 2 or 4 parts instead of 3
        return f"{name}=" + ":".join([str(a), str(b), str(n), str(n)][:(1, 2, 4)[junk - 1]]), \
            "START:STOP:COUNT"
    if kind == "no_equals":
        return f"{name}{a}:{b}:{n}", "START:STOP:COUNT"
    if kind == "non_finite":
        return f"{name}={junk}:{b}:{n}", "START < STOP"
    if kind == "unknown":
        return f"{name}_x=1:2:3", "no parameter"
    return f"{name}={a}:{b}:{n}", "START:STOP:COUNT"  # kind "text": junk numbers


bad_axis = st.one_of(
    st.builds(_axis_case, st.just("reversed"), st.sampled_from(AXIS_NAMES),
              st.floats(0.1, 5), st.floats(0.1, 5), st.integers(2, 5), st.just(0)),
    st.builds(_axis_case, st.just("count"), st.sampled_from(AXIS_NAMES), st.floats(0.1, 5),
              st.floats(0.1, 5), st.just(0),
              st.one_of(st.integers(max_value=1), st.integers(10_001, 10**30))),
    st.builds(_axis_case, st.just("parts"), st.sampled_from(AXIS_NAMES), st.floats(0.1, 1),
              st.floats(2, 5), st.integers(2, 5), st.integers(1, 3)),
    st.builds(_axis_case, st.just("no_equals"), st.sampled_from(AXIS_NAMES),
              st.floats(0.1, 1), st.floats(2, 5), st.integers(2, 5), st.just(0)),
    st.builds(_axis_case, st.just("non_finite"), st.sampled_from(AXIS_NAMES),
              st.just(0), st.floats(2, 5), st.integers(2, 5),
              st.sampled_from(["nan", "inf", "-inf", "1e400"])),
    st.builds(_axis_case, st.just("unknown"), st.sampled_from(AXIS_NAMES), st.just(0),
              st.just(0), st.just(0), st.just(0)),
    st.builds(lambda a, b, n: (f"g_h={a}:{b}:{n}", "START:STOP:COUNT"),
              not_a_number.filter(lambda s: ":" not in s), st.just("2"), st.just("3")),
    st.builds(lambda n: (f"g_h=1:2:{n}", "START:STOP:COUNT"),
              st.sampled_from(["2.5", "1e3", "three", "", " "])),
)


@settings(max_examples=60)
@given(case=bad_axis, which=st.sampled_from(["--x", "--y"]))
def test_malformed_grid_axis(out_dir, case, which):
    axis, fragment = case
    good = "alpha_z=0:1:2"
    x, y = (axis, good) if which == "--x" else (good, axis)
    code, out, err = run(["phase-diagram", f"--x={x}", f"--y={y}",
                          f"--out={out_dir / 'pd'}"])
    assert_one_line_error("phase-diagram", code, err, fragment)


def test_grid_outside_the_domain_names_it(out_dir):
    code, _, err = run(["phase-diagram", "--x=g_h=-1:2:3", "--y=alpha_r=0:1:2",
                        f"--out={out_dir / 'pd'}"])
    assert_one_line_error("phase-diagram", code, err, "g_h > 0")


# ------------------------------------------------------------------ token soup
VOCAB = ["--set", "--set=g_h=2", "--set=beta_h=-50", "--set=alpha_r=1000", "--model",
         "gated", "additive", "nope", "--json", "--latex", "--part", "dmft", "spectrum",
         "--dmft", "--N", "3", "-1", "0", "nan", "--help=x", "--x", "g_h=3:1:0", "=", ":",
         "--", "-", "\n", "\x00", "é", "--nodes", "--version=1", "1e400"]


@settings(max_examples=50)
@given(cmd=st.sampled_from(["models", "derive", "fixed-points", "frobnicate", "--json"]),
       tokens=st.lists(st.one_of(st.sampled_from(VOCAB), small_text), max_size=5))
def test_random_argument_lists_keep_the_contract(cmd, tokens):
    """Any argument list: a clean success or one error line (a cheap command only)."""
    code, out, err = run([cmd, *tokens])
    if code == 0:  # including --help (and its abbreviations such as --h)
        assert out and err == ""
        if "--json" in tokens and cmd == "fixed-points" and not out.startswith("usage"):
            _assert_finite_json(json.loads(out), nullable=("bulk_edge",))
    else:
        name = cmd if cmd in ("models", "derive", "fixed-points") else None
        assert "Traceback" not in err
        assert err.endswith("\n") and err.count("\n") == 1, err
        assert err.startswith(f"meanfield {name}: error: " if name else "meanfield: error: ") \
            or (code == 2 and err.startswith("meanfield: error: ")), err


# ------------------------------------------------------------------ valid but extreme
def _assert_finite_json(obj, path="", nullable=()):
    """Every number in ``obj`` finite; ``None`` only at a key listed in ``nullable``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            _assert_finite_json(v, f"{path}.{k}", nullable)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _assert_finite_json(v, f"{path}[{i}]", nullable)
    elif obj is None:
        assert path.rsplit(".", 1)[-1] in nullable, f"null at {path}"
    elif isinstance(obj, float):
        assert math.isfinite(obj), f"{obj} at {path}"


extreme_point = st.fixed_dictionaries({
    "g_h": st.sampled_from([1e-3, 0.5, 3.0, 50.0]),
    "alpha_z": st.sampled_from([0.0, 1e3]),
    "alpha_r": st.sampled_from([0.0, 10.0, 1e3]),
    "beta_h": st.sampled_from([-50.0, 0.0, 50.0]),
    "beta_r": st.sampled_from([-50.0, 0.0, 50.0]),
    "beta_z": st.sampled_from([-50.0, 50.0]),
    "tau_r": st.sampled_from([1e-3, 1e3]),
})


@settings(max_examples=10)
@given(point=extreme_point)
def test_fixed_points_at_extreme_parameters_is_finite_json(point):
    """alpha up to 1e3, |beta| up to 50, g_h 1e-3..50, tau 1e-3..1e3: finite JSON (only
    bulk_edge may be null: documented, the bulk does not reach the real axis) and a
    success flag with a message (about a second per point)."""
    code, out, err = run(["fixed-points", "--json", *(f"--set={k}={v!r}"
                                                      for k, v in point.items())])
    assert code == 0, err
    data = json.loads(out)
    _assert_finite_json(data, nullable=("bulk_edge",))
    assert isinstance(data["success"], bool) and data["message"]
    assert data["branches"], "no branch at all"
    for b in data["branches"]:  # variances and the Perron root of M(0) are >= 0
        assert all(v >= 0 for v in b["variance"].values()) and b["stability"] >= 0
