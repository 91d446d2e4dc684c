"""Shared output of the benchmark scripts: print the result and write it as JSON."""

import json


def emit(result: dict, out: str | None, indent: int = 1) -> None:
    print(json.dumps(result, indent=indent))
    if out:
        with open(out, "w") as fh:
            json.dump(result, fh, indent=indent)
