"""README's quickstart and the examples run as written."""
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_quickstart():
    """The code block under README's "## Quickstart"."""
    readme = (ROOT / "README.md").read_text()
    return re.search(r"## Quickstart\s+```python\n(.*?)```", readme, re.S).group(1)


def docs_module(name):
    """A helper script of docs/ (not a package), imported as a module."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "docs"))


def test_readme_quickstart_runs(capsys):
    code = readme_quickstart()
    exec(compile(code, "README.md", "exec"), {})
    accuracy = float(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0.8 < accuracy <= 1.0


def test_readme_shows_the_main_jobs_table():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"it prints, in [^:]*:\n\n```\n(.*?)```", readme, re.S).group(1)
    assert len(re.findall(r"^[ADW]->[ADW] +0\.\d{3} +[01]\.\d{3} ", block, re.M)) == 6
    assert re.search(r"^mean +0\.\d{3} +0\.\d{3} ", block, re.M)


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_runs(example, tmp_path):
    # The examples import the package from this checkout, installed or not.
    # MPLBACKEND: the examples call plt.show(), which would wait for a window
    # to be closed on a machine with a display.
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / example)],
                            capture_output=True, text=True, timeout=600, env=env,
                            cwd=tmp_path)  # figures land in a scratch folder
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout or "R^2" in result.stdout


def test_main_job_prints_target_accuracy_table(capsys):
    from sk_dann.__main__ import main

    main(["--max-epochs", "2"])
    out = capsys.readouterr().out
    assert "source-only" in out and "DANN" in out
    assert len(re.findall(r"^[ADW]->[ADW] ", out, re.M)) == 6


def test_user_guide_bad_input_table_is_what_the_code_does():
    assert docs_module("bad_input_table").table() in (ROOT / "docs" / "user_guide.md").read_text()


def test_landing_page_shows_the_readme_figure_and_quickstart():
    readme = (ROOT / "README.md").read_text()
    index = (ROOT / "docs" / "index.md").read_text()
    assert f"```python\n{readme_quickstart()}```" in index  # the code README's test runs
    assert "](docs/_static/feature_space.png)" in readme
    assert "```{figure} _static/feature_space.png" in index
    assert (ROOT / "docs" / "_static" / "feature_space.png").stat().st_size > 10_000
    # The figure opens the page: nothing but the title and one paragraph before it.
    assert index.index("feature_space.png") < index.index("## ")


def test_image_check_finds_a_missing_image_and_passes_present_ones(tmp_path, capsys):
    check_images = docs_module("check_images")
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a b.png").write_bytes(b"png")
    (tmp_path / "gallery").mkdir()
    (tmp_path / "index.html").write_text(
        '<img src="_images/a%20b.png"><img src="https://example.org/x.png">'
        '<img src="data:image/png;base64,AAAA">')
    (tmp_path / "gallery" / "page.html").write_text(
        '<p><img alt="ok" src="../_images/a b.png?v=1#top" '
        'srcset="../_images/a%20b.png 1x, ../_images/gone@2x.png 2x"></p>'
        '<img src="images/thumb.png">'
        '<picture><source srcset="data:image/png;base64,AA,BB 1x, /_images/a%20b.png 2x">'
        '<img src="../../outside.png"></picture><img src="">')
    (tmp_path.parent / "outside.png").write_bytes(b"png")  # there, but not in the site
    broken, external = check_images.broken_images(tmp_path)
    assert broken == [("gallery/page.html", "../_images/gone@2x.png"),
                      ("gallery/page.html", "images/thumb.png"),
                      ("gallery/page.html", "../../outside.png"),
                      ("gallery/page.html", "")]
    assert external == 1
    assert check_images.main([str(tmp_path)]) == 1
    assert "4 broken image links" in capsys.readouterr().out
    (tmp_path / "gallery" / "page.html").write_text('<img src="../_images/a b.png">')
    assert check_images.main([str(tmp_path)]) == 0


def test_image_check_says_when_there_is_no_site(tmp_path, capsys):
    assert docs_module("check_images").main([str(tmp_path / "nowhere")]) == 2
    assert "make docs" in capsys.readouterr().out


def test_screenshots_never_write_into_a_folder_holding_other_files(tmp_path):
    screenshots = docs_module("screenshots")
    screenshots.check_output_folder(tmp_path / "new")  # a new folder: fine
    (tmp_path / "landing.png").write_bytes(b"an earlier run's")
    screenshots.check_output_folder(tmp_path)  # only its own screenshots: replaced
    (tmp_path / "holiday.png").write_bytes(b"a user's")
    with pytest.raises(SystemExit, match=r"holds other files \(holiday.png\)"):
        screenshots.check_output_folder(tmp_path)
    with pytest.raises(SystemExit, match="is a file, not a folder"):
        screenshots.check_output_folder(tmp_path / "holiday.png")
