"""The README's scenario example is a valid scenario (documentation that runs)."""

import re
from pathlib import Path

from skyshield.model.loader import parse_scenario

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_scenario_example_validates():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    sc = parse_scenario(block, file="README.md")
    assert sc.name == "my-night"
    assert sc.rules["POL"].max_depth_km == 150


def test_readme_first_block_is_the_setup():
    first = re.search(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    lines = [ln for ln in first.splitlines() if ln.strip()]
    assert lines == ["pip install -e . && skyshield simulate",
                     "pip install -e '.[test]' && python -m pytest"]
