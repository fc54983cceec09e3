from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tiaodu.core.demo import demo_password, load_demo
from tiaodu.regions.models import Region
from tiaodu.regions.services import load_regions


class Command(BaseCommand):
    help = "演示环境:迁移数据库、加载重庆区划与演示数据,并列出演示账号"

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_refused: 生产环境(TIAODU_ENV=production)不能加载演示数据")
        call_command("migrate", interactive=False, verbosity=0)
        if not Region.objects.filter(code="500152").exists():
            result = load_regions(["50"])
            self.stdout.write(f"已加载重庆市区划:{result}")
        accounts = load_demo()
        # Monitoring figures for all 38 county units (not part of load_demo(): the test suite's
        # shared database stays free of them, so monitoring tests control their own figures).
        from tiaodu.investment.demo import load_investment_demo
        from tiaodu.monitoring.demo import load_monitoring_demo
        from tiaodu.reporting.demo import load_reporting_demo
        from tiaodu.targets.demo import load_targets_demo

        load_monitoring_demo()
        load_targets_demo()
        load_reporting_demo()
        # The investment pipelines of 潼南区 2022 and 大渡口区 2020 (a few seconds; not part of
        # load_demo() either, so that the suite's investment tests start from an empty pipeline).
        load_investment_demo()
        # 潼南区's 2022 safety campaign and accident register, loaded through the safety imports.
        from tiaodu.safety.demo import demo_accounts, load_safety_demo

        load_safety_demo()
        # 潼南区's 2022 春风行动 (fairs on market days, job buses, outcomes) and 大渡口区's 2020 labour
        # needs as vacancies, loaded through the employment imports and services.
        from tiaodu.employment.demo import demo_accounts as employment_accounts
        from tiaodu.employment.demo import load_employment_demo

        load_employment_demo()
        self.stdout.write("演示账号(密码相同):")
        for account in accounts:
            self.stdout.write(f"  {account.username:<8} {account.role:<11} {account.where}")
        shown = {account.username for account in accounts}
        more = [*demo_accounts(), *((a.username, a.role, a.where) for a in employment_accounts())]
        for username, role, where in more:
            if username not in shown:
                shown.add(username)
                self.stdout.write(f"  {username:<8} {role:<11} {where}")
        self.stdout.write(f"演示密码:{demo_password()}")
