"""The clients of the page benchmark (bench/run.py starts locust headless with this file).

Every simulated clinician asks, without pause, for one of the paths of BENCH_PATHS (a JSON
list; chosen at random), with the session cookie BENCH_COOKIE. Anything but a 200 is a
failure (a redirect to the login page included). Every response time (ms) and whether it
succeeded is written to BENCH_OUT (JSON) when locust stops, so the percentiles are computed
exactly from all samples.
"""

import json
import os
import random

from locust import FastHttpUser, constant, events, task

PATHS = json.loads(os.environ["BENCH_PATHS"])
COOKIE = os.environ["BENCH_COOKIE"]
SAMPLES: list[tuple[float, bool]] = []


@events.request.add_listener
def _sample(request_type, name, response_time, response_length, exception=None, **kwargs):
    SAMPLES.append((response_time, exception is None))


@events.quitting.add_listener
def _save(environment, **kwargs):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(SAMPLES, out)


class Clinician(FastHttpUser):
    wait_time = constant(0)

    @task
    def page(self):
        with self.client.get(random.choice(PATHS), name="page", headers={"Cookie": COOKIE},
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
