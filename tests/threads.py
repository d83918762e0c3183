"""Running test code in threads released together, each on its own database connection."""

import threading

from django.db import connection


def at_once(calls, *, exceptions_as_results: bool = False) -> list:
    """Run each call in a thread of its own, released together; their results, in the
    calls' order. A call that raises fails the test, or with `exceptions_as_results`
    its exception stands in its result."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # reported below, in the test's thread
            if exceptions_as_results:
                results[index] = error
            else:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results
