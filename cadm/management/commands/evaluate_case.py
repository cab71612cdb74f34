"""python manage.py evaluate_case FILE [FILE ...]: the case-file contract (case-format.md).

By default it uses rule-set version 1 as shipped in the code: no database, nothing written.
"""

import json
import sys

from django.core.management.base import BaseCommand

from cadm.casefiles import CaseFileInvalid, case_read, case_validate
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS


class Command(BaseCommand):
    help = "Evaluate case files and print one JSON result per file (exit 2 on an invalid file)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--active", action="store_true",
                           help="use the active rule-set version stored in the database")
        group.add_argument("--rule-version", type=int, metavar="N",
                           help="use stored rule-set version N")

    def handle(self, *args, files, active, rule_version, **options):
        version, params = self._rule_set(active, rule_version)
        results, problems = [], []
        for path in files:
            try:
                case = case_read(path)
                facts, as_of = case_validate(case, rule_params=params, rule_set=version)
            except CaseFileInvalid as exc:
                problems.append(f"{path}: invalid case file\n{exc}")
                continue
            evaluation = evaluate(facts, params, as_of, version=version, validated=True)
            results.append({"case_id": case["case_id"], **evaluation.as_dict()})
        if problems:
            self.stderr.write("\n".join(problems))
            sys.exit(2)
        output = results[0] if len(files) == 1 else results
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))

    def _rule_set(self, active: bool, number: int | None) -> tuple[int, dict]:
        if not (active or number):
            return 1, dict(DEFAULTS)
        from cadm.selectors.rulesets import ruleset_get

        ruleset = ruleset_get(active=active, number=number)
        return ruleset.number, ruleset.params
