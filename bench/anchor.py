"""What a Python user writes for gpucloud's per-call benchmark: one
requests.Session (keep-alive, TLS session kept), the same POST, the answer
decoded with the standard json module (through Response.json()).

    python3 bench/anchor.py URL CA_FILE N     (the key in VAST_API_KEY)

Prints seconds=<the N timed calls>; one untimed call first opens the
connection, as the other contenders do.
"""
import os
import sys
import time

import requests


def main():
    url, ca_file, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + os.environ["VAST_API_KEY"]
    session.headers["Accept"] = "application/json"

    def call():
        r = session.post(url + "/get_endpoint_workers/", json={"id": 101}, timeout=60,
                         # per call: REQUESTS_CA_BUNDLE in the environment
                         # would override a Session.verify
                         verify=ca_file)
        r.raise_for_status()
        workers = r.json()["workers"]
        assert workers
        return workers

    call()
    t0 = time.monotonic()
    for _ in range(n):
        call()
    print("seconds=%.6f" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
