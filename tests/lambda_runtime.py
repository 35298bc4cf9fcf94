"""What the AWS Lambda Python runtime does with a Zappa package, for tests: run this file with an
interpreter outside any virtualenv, isolated (`python3 -I -S lambda_runtime.py TASK_ROOT EVENTS
RESULTS`), so that only TASK_ROOT (the unzipped package, as /var/task) and the standard library can
be imported. Like the runtime, it imports the package's `handler` module once, from TASK_ROOT as the
working directory, then calls `handler.lambda_handler(event, context)` for each event of the JSON
list in EVENTS, and writes the answers (or the function's error, as the runtime reports it) as a
JSON list to RESULTS. Log lines go to stderr, as they would go to CloudWatch.

It runs outside the test suite's interpreter: it imports nothing from the tests or the venv.
"""
import json
import logging
import os
import sys
import time
import traceback
import types


def context(index: int) -> types.SimpleNamespace:
    deadline = time.monotonic() + 30
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "access-es-dev")
    return types.SimpleNamespace(
        aws_request_id=f"00000000-0000-4000-8000-{index:012d}", function_name=name, function_version="$LATEST",
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        memory_limit_in_mb=os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
        log_group_name=f"/aws/lambda/{name}", log_stream_name="test",
        get_remaining_time_in_millis=lambda: int(max(0.0, deadline - time.monotonic()) * 1000),
    )


def main(task_root: str, events_path: str, results_path: str) -> int:
    sys.path.insert(0, task_root)
    os.chdir(task_root)
    # the runtime's own handler on the root logger (Zappa sets the level from the stage's log_level)
    logging.basicConfig(stream=sys.stderr, format="[%(levelname)s] %(name)s %(message)s")
    with open(events_path, encoding="utf-8") as f:
        events = json.load(f)
    import handler  # the zip's handler.py, as `_HANDLER=handler.lambda_handler` names it

    results = []
    for index, event in enumerate(events):
        try:
            results.append({"result": handler.lambda_handler(event, context(index))})
        except Exception as e:  # the runtime's answer to a function error (API Gateway then says 502)
            results.append({"errorType": type(e).__name__, "errorMessage": str(e),
                            "stackTrace": traceback.format_exception(e)})
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
