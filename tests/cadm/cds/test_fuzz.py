"""No input gives a 500: arbitrary JSON where the service, the prefetch and the feedback
expect their shapes, each request with a valid token (derandomized: the same examples every
run)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cadm.cds.conftest import FEEDBACK, SERVICE, post, token
from tests.fuzz.strategies import HOSTILE, fuzz_settings

pytestmark = pytest.mark.django_db

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30), st.sampled_from(HOSTILE))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)
resource_types = st.sampled_from(["Patient", "Bundle", "Observation", "Condition",
                                  "OperationOutcome", 5, None])


def resources(kind):
    return st.fixed_dictionaries({"resourceType": kind}, optional={
        "id": st.one_of(st.just("ehr-1"), scalars), "identifier": json_values,
        "entry": st.lists(st.fixed_dictionaries({"resource": json_values}), max_size=3),
        "gender": scalars, "birthDate": scalars, "code": json_values, "status": scalars,
        "valueQuantity": json_values, "effectiveDateTime": scalars, "subject": json_values})


bodies = st.fixed_dictionaries(
    {"hook": st.sampled_from(["patient-view", "order-sign"]),
     "hookInstance": st.one_of(st.just("h-1"), scalars),
     "context": st.one_of(st.just({"patientId": "ehr-1"}), json_values)},
    optional={"prefetch": st.dictionaries(
        st.sampled_from(["patient", "observations", "conditions", "other"]),
        st.one_of(resources(resource_types), json_values), max_size=3),
        "fhirServer": scalars, "fhirAuthorization": json_values})
feedback = st.one_of(json_values, st.fixed_dictionaries({"feedback": st.lists(
    st.fixed_dictionaries({"card": scalars, "outcome": st.sampled_from(
        ["accepted", "overridden", "x"]), "outcomeTimestamp": scalars},
        optional={"overrideReason": json_values}), max_size=3)}))


@fuzz_settings(120)
@given(body=bodies)
def test_the_service_never_answers_500(client, rsa_key, known, body, monkeypatch):
    monkeypatch.setattr("cadm.cds.prefetch.http_get_json",
                        lambda url, **kw: {"resourceType": "Bundle", "entry": []})
    response = post(client, SERVICE, body, token(rsa_key, SERVICE))
    assert response.status_code in (200, 400, 403, 412), response.content


@fuzz_settings(80)
@given(body=feedback)
def test_feedback_never_answers_500(client, rsa_key, known, ehr_account, body):
    response = post(client, FEEDBACK, body, token(rsa_key, FEEDBACK))
    assert response.status_code in (200, 400), response.content

