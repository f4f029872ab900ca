#!/usr/bin/env python3
"""Writes the flag table of `python3 -m smg.launch_router` (the router's own argparse, built by
smg.router_args.RouterArgs.add_cli_args exactly as launch_router builds it) as JSON, for
components/sglang/router-args.ts to check the argv it renders.

Usage: python3 scripts/extract-router-args.py > components/sglang/router-args.smg-<version>.json
(run with the Python of a venv that has the pinned smg installed, e.g. .tools/router/bin/python).
"""
import argparse
import importlib.metadata
import json

from smg.router_args import RouterArgs

parser = argparse.ArgumentParser()
RouterArgs.add_cli_args(parser, use_router_prefix=False)

ACTIONS = {
    argparse._StoreAction: "store",
    argparse._StoreTrueAction: "store_true",
    argparse._AppendAction: "append",
    argparse._ExtendAction: "extend",
    argparse._HelpAction: "help",
    argparse.BooleanOptionalAction: "store_true",
}
TYPES = {None: None, str: "str", int: "int", float: "float"}


def type_name(t):
    if t in TYPES:
        return TYPES[t]
    # smg's own converters (_non_negative_int, _parse_int_csv, str.lower, ...): name what they return.
    name = getattr(t, "__name__", "")
    return "int" if name.endswith("int") else "str"


args = []
for a in parser._actions:
    default = None if a.default is argparse.SUPPRESS else a.default
    try:
        json.dumps(default)
    except TypeError:
        default = repr(default)
    args.append({
        "flags": list(a.option_strings),
        "dest": a.dest,
        "type": None if ACTIONS[type(a)] in ("store_true", "help") else type_name(a.type),
        "action": ACTIONS[type(a)],
        "nargs": None if a.nargs in (None, 0) else str(a.nargs),
        "choices": list(a.choices) if a.choices else None,
        "default": default,
    })

version = importlib.metadata.version("smg")
print(json.dumps({
    "package": "smg",
    "version": version,
    "provenance": f"Extracted by scripts/extract-router-args.py from smg=={version} (PyPI wheel smg-{version}-cp38-abi3-manylinux_2_17_x86_64), smg.router_args.RouterArgs.add_cli_args(use_router_prefix=False) as smg/launch_router.py calls it. BooleanOptionalAction flags are listed as store_true with their --no- form; smg's own int converters as int. argparse's allow_abbrev is on.",
    "mutuallyExclusive": [[x.dest for x in g._group_actions] for g in parser._mutually_exclusive_groups],
    "args": args,
}, indent=1))
