from fangkong.core.management.periodic import PeriodicTaskCommand


class Command(PeriodicTaskCommand):
    help = "Delete the files of background exports past their time, and stray export files."
    task_path = "fangkong.core.tasks.purge_exports"

    def run_now(self) -> str:
        from fangkong.core.services.exports import purge_exports

        return f"expired={purge_exports()}"
