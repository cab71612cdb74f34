import pytest

from tests.factories import UserFactory


@pytest.fixture
def second_admin(site):
    """Another rules admin: the second pair of eyes."""
    return UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])


@pytest.fixture
def v1(db):
    from cadm.models import RuleSetVersion

    return RuleSetVersion.objects.get(number=1)


@pytest.fixture
def none_active(v1):
    """No version active. Reachable on SQLite, and on PostgreSQL until commit. In a savepoint
    rolled back at the end: Django's test teardown runs PostgreSQL's deferred checks (SET
    CONSTRAINTS ALL IMMEDIATE), and v1 cannot be made active again."""
    from django.db import transaction
    from django.utils import timezone

    from cadm.models import RuleSetVersion

    with transaction.atomic():
        RuleSetVersion.objects.filter(pk=v1.pk).update(state=RuleSetVersion.State.RETIRED,
                                                       retired_at=timezone.now())
        yield
        transaction.set_rollback(True)
