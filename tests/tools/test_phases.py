"""tools/phases.py: each phase's time and exit status, and the table `make test` ends with."""

from __future__ import annotations

import sys

import phases


def test_run_records_the_time_and_passes_the_exit_status_on(tmp_path):
    file = tmp_path / "phases.tsv"
    assert phases.run(file, "quick", [sys.executable, "-c", "pass"]) == 0
    assert phases.run(file, "broken", [sys.executable, "-c", "import sys; sys.exit(3)"]) == 3
    rows = [line.split("\t") for line in file.read_text().splitlines()]
    assert [(r[0], r[2]) for r in rows] == [("quick", "0"), ("broken", "3")]
    assert all(0 <= float(r[1]) < 60 for r in rows)


def test_report_lists_each_phase_its_result_and_the_total(tmp_path, capsys):
    file = tmp_path / "phases.tsv"
    file.write_text("book build\t80.5\t0\nnbval chapters/\t20.0\t1\n")
    assert phases.report(file) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[1].split() == ["book", "build", "80.5", "ok"]
    assert lines[2].split()[:4] == ["nbval", "chapters/", "20.0", "FAILED"]
    assert lines[-1].split() == ["total", "100.5"]


def test_the_command_line(tmp_path):
    file = tmp_path / "phases.tsv"
    assert phases.main(["run", str(file), "x", "--", sys.executable, "-c", "pass"]) == 0
    assert phases.main(["run", str(file), "x"]) == 2  # no command: usage
