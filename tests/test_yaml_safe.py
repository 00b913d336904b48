"""Safe YAML reading: libyaml where PyYAML has it, still safe, same results as the pure-Python
loader; the config's loader keeps dates as text on either."""

from __future__ import annotations

import io

import pytest
import yaml

from indicators import config as config_module
from indicators.yaml_safe import SAFE_LOADER, safe_load

DOCUMENT = """\
name: Hämeenlinna
codes: [109, "082", 1.5, true, null]
nested:
  - {id: a, text: "ä ö å – “quoted”"}
  - id: b
    date: 2026-02-28
"""


def test_the_c_loader_is_used_where_pyyaml_has_it():
    assert SAFE_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def test_results_equal_the_pure_python_safe_loader():
    assert safe_load(DOCUMENT) == yaml.safe_load(DOCUMENT)
    assert safe_load(io.StringIO(DOCUMENT)) == yaml.safe_load(DOCUMENT)


@pytest.mark.parametrize("document", ["!!python/object/apply:os.system ['echo x']",
                                      "x: !!python/name:os.system"])
def test_it_stays_safe(document):
    with pytest.raises(yaml.YAMLError):
        safe_load(document)


def test_the_config_loader_keeps_dates_as_text_and_marks_syntax_errors(tmp_path):
    loader = config_module._ConfigLoader
    assert issubclass(loader, SAFE_LOADER)
    assert yaml.load("d: 2026-02-30", Loader=loader) == {"d": "2026-02-30"}  # noqa: S506
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    with pytest.raises(config_module.ConfigError) as caught:
        config_module._read_yaml(path, tmp_path)
    issue = caught.value.issues[0]
    assert issue.kind == "yaml_syntax" and issue.location.startswith("line ")
