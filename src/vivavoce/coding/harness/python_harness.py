"""Runs inside the sandbox (Python 3, `-I -S`): loads the candidate's source, calls its entry
function once per test and reports each actual value on the results descriptor.

Reads one JSON object on stdin: {"source", "entry", "tests": [{"index", "args"}]}. Writes JSON
lines to the descriptor named by argv[1]: {"event": "loaded"} or {"event": "load_error"},
then per test {"event": "start", "index"} and {"event": "result", "index", "value" | "error",
"ms"}, then {"event": "done", "max_rss_kb", "cpu_ms"}. Expected values never enter the
sandbox: the worker compares outside.
"""

import asyncio
import inspect
import io
import json
import os
import resource
import sys
import time
import traceback
from typing import Any, TextIO

MAX_VALUE_CHARS = 65536
MAX_ERROR_CHARS = 4000


def emit(channel: TextIO, record: dict[str, Any]) -> None:
    channel.write(json.dumps(record, default=repr) + "\n")
    channel.flush()


def describe(error: BaseException) -> str:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    # Drop the harness's own frames: the candidate sees their code's frames only.
    kept = [line for line in lines if 'File "/sandbox/' not in line]
    return "".join(kept)[-MAX_ERROR_CHARS:]


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "solution", "__builtins__": __builtins__}
    code = compile(source, "solution.py", "exec")
    exec(code, namespace)  # noqa: S102 - the candidate's code, inside the sandbox
    return namespace


def call(function: Any, args: list[Any]) -> Any:
    value = function(*args)
    if inspect.iscoroutine(value):
        value = asyncio.run(value)
    return value


def run_tests(
    channel: TextIO, namespace: dict[str, Any], entry: str, tests: list[dict[str, Any]]
) -> None:
    function = namespace.get(entry)
    for test in tests:
        index = test["index"]
        emit(channel, {"event": "start", "index": index})
        started = time.perf_counter()
        record: dict[str, Any] = {"event": "result", "index": index}
        try:
            if not callable(function):
                raise NameError(f"name {entry!r} is not defined as a function")
            value = call(function, test["args"])
            encoded = json.dumps(value, default=repr)
            if len(encoded) > MAX_VALUE_CHARS:
                raise ValueError(f"the returned value is over {MAX_VALUE_CHARS} characters")
            record["value"] = json.loads(encoded)
        except BaseException as error:
            record["error"] = describe(error)
        record["ms"] = round((time.perf_counter() - started) * 1000, 3)
        emit(channel, record)


def main() -> None:
    channel = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdin = io.StringIO("")
    try:
        namespace = load(request["source"])
    except BaseException as error:
        emit(channel, {"event": "load_error", "error": describe(error)})
        namespace = None
    if namespace is not None:
        emit(channel, {"event": "loaded"})
        run_tests(channel, namespace, request["entry"], request["tests"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    emit(channel, {"event": "done", "max_rss_kb": usage.ru_maxrss, "cpu_ms": round(cpu_ms, 3)})
    sys.stdout.flush()
    os._exit(0)  # no atexit hooks of the candidate's


main()
