"""The reviewer's actions on a flag, by name, for the doors that take the action from a URL
(the flag page, the API): each takes the typed input its door parsed (cadm.inputs.flags)."""

from __future__ import annotations

from django.utils import timezone

from . import classification, flags

ACTIONS = {
    "acknowledge": lambda actor, flag, data: flags.flag_acknowledge(
        actor=actor, flag=flag, data=data),
    "dismiss": lambda actor, flag, data: flags.flag_dismiss(actor=actor, flag=flag, data=data),
    "snooze": lambda actor, flag, data: flags.flag_snooze(actor=actor, flag=flag, data=data,
                                                          today=timezone.localdate()),
    "comment": lambda actor, flag, data: flags.flag_comment(actor=actor, flag=flag, data=data),
    "accept": lambda actor, flag, data: classification.reclassification_accept(
        actor=actor, flag=flag, data=data),
    "reject": lambda actor, flag, data: classification.reclassification_reject(
        actor=actor, flag=flag, data=data),
}


def flag_action_run(action: str, *, actor, flag, data):
    """Run one of ACTIONS (KeyError for another name: the doors offer only these)."""
    return ACTIONS[action](actor, flag, data)
