"""Derives the op list of a TF Text wheel (how `tf_text_*.txt` here were made).

    # exact, for a TF Text build that loads into the installed TensorFlow:
    python export/op_lists/derive_tf_text_ops.py --registry SITE/tensorflow_text
    # for an older wheel (unzipped) whose libraries cannot load:
    python export/op_lists/derive_tf_text_ops.py --strings UNZIPPED/tensorflow_text

`--strings` lists the names that are strings in the op libraries and are called
by the package's Python wrappers (`gen_<lib>.<snake_case name>`): a lower bound
with no false positives on 2.20.1 (37 of its 38 ops; see tf_text_2.12.1.txt).
"""

import argparse
import glob
import os
import re
import sys


def libraries(root):
    return sorted(
        glob.glob(os.path.join(root, "python", "ops", "_*.so"))
        + glob.glob(os.path.join(root, "python", "metrics", "_*.so"))
    )


def snake_case(name):
    """TensorFlow's Python op-wrapper name for an op (`TFText>RoundRobinTrim` →
    `tf_text_round_robin_trim`)."""
    name = name.replace(">", "_")
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name).lower()


def from_registry(root):
    for name in ("keras", "tf_keras"):
        sys.modules[name] = None  # not needed, and slow to import
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.client import pywrap_tf_session as c_api

    names = set()
    for library in libraries(root):
        ops = op_def_pb2.OpList.FromString(c_api.TF_GetOpList(c_api.TF_LoadLibrary(library)))
        names.update(op.name for op in ops.op)
    return names


def from_strings(root):
    source = ""
    for path in glob.glob(os.path.join(root, "**", "*.py"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            source += f.read()
    called = set(re.findall(r"gen_\w+\s*\.\s*(\w+)", source))
    names = set()
    for library in libraries(root):
        with open(library, "rb") as f:
            for match in re.finditer(rb"[\x20-\x7e]{3,}", f.read()):
                text = match.group().decode()
                if (
                    re.fullmatch(r"(TFText>)?[A-Z][A-Za-z0-9]*", text)
                    and snake_case(text) in called
                ):
                    names.add(text)
    return names


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("root", help="the tensorflow_text package folder")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--registry", action="store_true")
    mode.add_argument("--strings", action="store_true")
    args = parser.parse_args()
    names = from_registry(args.root) if args.registry else from_strings(args.root)
    print("\n".join(sorted(names)))
