"""`python -m app.secretkey`: create the instance folder's secret key once (used by `make run`)."""

import os
from pathlib import Path

from app.config import PROJECT_ROOT, ensure_secret_key_file

if __name__ == "__main__":
    print(ensure_secret_key_file(Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))))
