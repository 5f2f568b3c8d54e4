"""How a benchmark script ends: its table printed, and saved beside its data."""
import json
from pathlib import Path


def save_results(out, name, table, data):
    """Print ``table``; write it to ``<out>/<name>.md`` and ``data`` (anything
    JSON takes) to ``<out>/<name>.json``, making ``out`` if needed."""
    print(table)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(table + "\n")
    (out / f"{name}.json").write_text(json.dumps(data, indent=1))
