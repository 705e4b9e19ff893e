"""Where the files shipped beside the package live."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "storage" / "migrations"
