"""A search started outside `if __name__ == "__main__":`, refused before a trial process reruns the script.

Each trial process imports the script that started the search again
(`genreclf.tuning.trial_startup`), so every line of it outside that guard
runs there once more. An unguarded `tune()` is refused in the trial process,
but only after everything above the call (reading data, a
`genreclf.train(...)`) ran again there. `check_guarded` reads the script in
the search's own process instead, before any trial process starts: when the
call is certain to run again in a trial process, it refuses at once and names
the script's unguarded line.

Certain means: the script's module body reaches the call in a straight line.
The statement of the script that runs is a plain one (an expression, an
assignment, an import), or such a statement in a `with` block; in each function on the way (the script's or
another's) that statement and every one before it are plain. No `if`, loop,
`try`, `match`, `and`/`or` or conditional expression on the way, where a
trial process could go another way, and no frame without readable source.
Anything else is left to the trial process's own refusal (`check_not_in_trial_process`),
a call made while the script imports another module included (the import
machinery's frames have no source to read).
(What it cannot see: a script that binds the name it calls to something else
in a trial process, e.g. `search = tune if main_process else print`.)
"""

import ast
import contextlib
import contextvars
import inspect
import linecache
import sys

from genreclf.tuning.trial_startup import ScriptRerunError
from genreclf.tuning.trial_startup import trial_process_log

# True inside `checked_once`: this search's script was read once already.
_CHECKED = contextvars.ContextVar("genreclf_script_checked", default=False)

# The libraries whose frames end the script's part of the stack.
_LIBRARIES = ("genreclf", "keras_tuner")
# Statements after which a function always goes on to the next one (unless it
# raises, which would fail a trial process's start anyway).
_PLAIN = (
    ast.Expr,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.Import,
    ast.ImportFrom,
    ast.Pass,
    ast.Delete,
    ast.Global,
    ast.Nonlocal,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)
# Statements that run the call they hold whenever they run.
_CALLING = (
    ast.Expr,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.Return,
    ast.Import,
    ast.ImportFrom,
)
_WITH = (ast.With, ast.AsyncWith)
# Expressions that may skip a call of theirs (a comprehension's loop may be
# empty; Python 3.12 runs comprehensions in the enclosing frame).
_BRANCHING = (
    ast.IfExp,
    ast.BoolOp,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Lambda,
)


def unguarded_line():
    """Where the script runs the current call outside `if __name__ == "__main__":`, or None.

    Returns:
        `(path, line)` of the script's module-level statement that reaches
        this call in a straight line (see the module doc), which a trial
        process would run again; None when the call is guarded, when it
        cannot tell, or when no script is imported again (a notebook,
        `python -c`, `python -m package`).

    Example:

    >>> unguarded_line() is None  # a doctest runs in no script's module body
    True
    """
    main = sys.modules.get("__main__")
    if trial_process_log() is not None or not _imported_again(main):
        return None
    frames = _script_frames(main)
    try:
        sources = {}
        for frame in frames or ():
            code = frame.f_code
            if code.co_filename not in sources:
                sources[code.co_filename] = _parse(code.co_filename, frame.f_globals)
            tree = sources[code.co_filename]
            if tree is None:
                return None
            if code.co_name == "<module>":
                body, strict = tree.body, False
            else:
                function = _function(tree, code)
                if function is None:
                    return None
                body, strict = function.body, True
            if not _reached(body, frame.f_lineno, strict):
                return None
        return (frames[0].f_code.co_filename, frames[0].f_lineno) if frames else None
    finally:
        del frames


def check_guarded(what="tune()"):
    """Raises `ScriptRerunError` if the script runs `what` unguarded (`unguarded_line`).

    Called by `tune()` (`checked_once`) and before genreclf's tuner starts its
    first trial process: the refusal comes before a trial process runs the
    script again. Inside a `checked_once` block, the search's script was read
    already and this returns at once.

    Example:

    >>> check_guarded()  # no script calls it here: nothing to say
    """
    if _CHECKED.get():
        return
    where = unguarded_line()
    if where is None:
        return
    path, line = where
    raise ScriptRerunError(
        f"{what} would run again in every trial process: guard the call with "
        f"`if __name__ == '__main__':` ({path}, line {line} runs it unguarded). Each trial "
        "process imports the script that starts the search again, as Python's "
        "multiprocessing does, and runs every line of it outside that guard: there this "
        "call would start a search inside each trial, after everything above it (reading "
        "data, a `genreclf.train(...)`) ran once more. Put the script's work in a function "
        "and call it under `if __name__ == '__main__':` (see README, Tuning)."
    )


def _imported_again(main):
    """Whether a trial process imports `main` again (as `multiprocessing.spawn` decides)."""
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if name is not None:  # `python -m name`
        return not (name == "__main__" or name.endswith(".__main__"))
    return getattr(main, "__file__", None) is not None


def _script_frames(main):
    """The frames from the script's module body to the call into genreclf (or KerasTuner)."""
    stack = []
    frame = inspect.currentframe()
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    stack.reverse()  # the outermost first
    try:
        module = vars(main)
        starts = [
            i
            for i, f in enumerate(stack)
            if f.f_globals is module and f.f_code.co_name == "<module>"
        ]
        if not starts:
            return None
        frames = []
        for frame in stack[starts[0] :]:
            if frames and str(frame.f_globals.get("__name__")).split(".")[0] in _LIBRARIES:
                return frames
            frames.append(frame)
        return None
    finally:
        del stack, frame


def _parse(path, module_globals):
    lines = linecache.getlines(path, module_globals)
    if not lines:
        return None
    try:
        return ast.parse("".join(lines), path)
    except (SyntaxError, ValueError):
        return None


def _function(tree, code):
    """The definition of the function whose code is `code`, or None."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == code.co_name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if code.co_firstlineno in (first, node.lineno):
                return node
    return None


def _reached(body, line, strict):
    """Whether `body` reaches `line` in a straight line (every statement before plain if `strict`)."""
    for statement in body:
        if statement.end_lineno < line:
            if strict and not _plain(statement):
                return False
            continue
        if statement.lineno > line:
            return False
        if isinstance(statement, _WITH) and line >= statement.body[0].lineno:
            return not _branches(statement.items) and _reached(statement.body, line, strict)
        return isinstance(statement, _CALLING + _WITH) and not _branches(statement)
    return False


def _plain(statement):
    if isinstance(statement, _WITH):
        return all(_plain(inner) for inner in statement.body)
    return isinstance(statement, _PLAIN)


def _branches(node):
    nodes = node if isinstance(node, list) else [node]
    return any(isinstance(n, _BRANCHING) for item in nodes for n in ast.walk(item))


@contextlib.contextmanager
def checked_once(what="tune()"):
    """Checks the script once for the search run inside the block (`check_guarded`).

    `tune()` runs its search in this block, so the tuner it builds does not
    read the script a second time before its first trial process; a tuner of
    one's own, outside any such block, still checks. The record is a context
    variable: it ends with the block, and another thread's search is not told.

    Example:

    >>> with checked_once("tune()"):
    ...     check_guarded("genreclf's tuner.search()")  # read once already: returns at once
    """
    check_guarded(what)
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)
