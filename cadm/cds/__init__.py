"""The HL7 CDS Hooks service (issue 12): discovery, the `patient-view` service and its
feedback endpoint, behind signed JWTs from allow-listed EHRs.

    config.py     the allow-listed issuers (settings.CDS_ISSUERS), their keys and sites
    security.py   the Bearer JWT check (signature, aud, exp, iat, jti replay)
    discovery.py  the service description and its prefetch templates
    prefetch.py   the Patient and Observations of a request: prefetch, or the EHR's server
    matching.py   which of our patients a FHIR Patient is
    cards.py      a flag (stored, or evaluated on the spot) as a card
    reasons.py    override reasons: our codes and the HL7 code system's
    feedback.py   accepted / overridden feedback through the flag services
    unknown.py    the rules run on an EHR's data for a patient we do not hold
    outcomes.py   OperationOutcome error answers
    views.py      the three endpoints (plain Django views: JWT auth, no session, no DRF)
"""
