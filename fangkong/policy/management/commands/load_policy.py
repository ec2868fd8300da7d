from django.core.management.base import BaseCommand, CommandError

from fangkong.core import audit
from fangkong.core.errors import DomainError
from fangkong.policy.loader import load_rule_set, parse_rule_set, read_file


class Command(BaseCommand):
    help = (
        "Load control rule sets from JSON files (the format of fangkong/policy/policy_data/). "
        "Each file is checked whole; a bad file loads nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="rule set JSON files")
        parser.add_argument(
            "--check", action="store_true", help="validate only, do not write anything"
        )

    def handle(self, *args, files, check, **opts):
        failed = False
        for path in files:
            try:
                data = read_file(path)
                if check:
                    spec = parse_rule_set(data)
                    self.stdout.write(f"{path}: {spec.code} is valid ({len(spec.rules)} rules)")
                    continue
                rule_set = load_rule_set(data)
            except DomainError as exc:
                failed = True
                self.stderr.write(f"{path}: not loaded")
                for field, messages in exc.fields.items():
                    for m in messages:
                        self.stderr.write(f"  {field}: {m}")
                if not exc.fields:
                    self.stderr.write(f"  {exc.message}")
                continue
            audit.record(
                audit.Action.IMPORT,
                rule_set,
                by=None,
                after={"file": str(path)},
                detail="load_policy",
            )
            self.stdout.write(
                f"{path}: loaded {rule_set.code} ({rule_set.rules.count()} rules, "
                f"{rule_set.effective_from} to {rule_set.effective_to or 'open'})"
            )
        if failed:
            raise CommandError("some rule sets were not loaded")
