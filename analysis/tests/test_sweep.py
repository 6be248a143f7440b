"""load_sweep reads the table of `trainsim sweep` (docs/summary-format.md) with typed figures."""
from __future__ import annotations

import pytest

import trainsim_analysis as ta

HEADER = ("point,platform.gpu.nvlink_bandwidth,cluster.gpus,status,gpus,iteration_time_s,tokens_per_s,mfu,"
          "time_to_train_days,time_to_train_with_failures_days,goodput,energy_mwh,energy_with_failures_mwh,average_it_power_kw,cost_total,cost_with_failures_total,cost_currency,carbon_t,"
          "memory_per_gpu_gib,summary,error")


def write(tmp_path, rows):
    (tmp_path / "sweep.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    return tmp_path


def test_a_sweep_table_has_typed_figures_and_knows_its_axes(tmp_path):
    d = write(tmp_path, [
        "0,600 GB/s,512,ok,512,53.8352,58432.6,0.393751,59.4231,62.1,0.956,559.657,575.0,356.749,802322,830000,USD,216.028,55.4064,"
        "points/point-0000.json,",
        '1,400 GB/s,500,error,,,,,,,,,,,,,,,,,"--set cluster.gpus: error: not a multiple, of 8"',
    ])
    t = ta.load_sweep(d)
    assert t.attrs["axes"] == ["platform.gpu.nvlink_bandwidth", "cluster.gpus"]
    assert t.loc[0, "time_to_train_days"] == pytest.approx(59.4231)
    assert t.loc[0, "platform.gpu.nvlink_bandwidth"] == "600 GB/s"  # axis values stay as written
    assert t.loc[1, "status"] == "error"
    assert "not a multiple, of 8" in t.loc[1, "error"]
    assert t["mfu"].isna().tolist() == [False, True]
    assert t.loc[0, "goodput"] == pytest.approx(0.956)


def test_a_directory_without_a_table_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"sweep\.csv: no sweep table"):
        ta.load_sweep(tmp_path)


def test_a_csv_that_is_not_a_sweep_table_is_refused(tmp_path):
    (tmp_path / "sweep.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a trainsim sweep table"):
        ta.load_sweep(tmp_path)


def test_a_sweep_plot_draws_one_line_per_value_of_the_grouping_axis(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = write(tmp_path, [
        "0,600 GB/s,512,ok,512,53.8,58432,0.39,59.4,62.1,0.956,559.7,575,356.7,802322,830000,USD,216.0,55.4,p0.json,",
        "1,600 GB/s,1024,ok,1024,27.9,112766,0.38,30.8,32.3,0.955,565.0,580,695.1,826690,860000,USD,218.1,55.4,p1.json,",
        "2,400 GB/s,512,ok,512,57.9,54371,0.37,63.9,66.8,0.955,576.4,600,341.9,860242,890000,USD,222.5,55.4,p2.json,",
        "3,400 GB/s,1024,error,,,,,,,,,,,,,,,,,\"bad\"",
    ])
    t = ta.load_sweep(d)
    fig, ax = plt.subplots()
    ta.sweep_plot(t, ax, x="cluster.gpus", y="time_to_train_days", by="platform.gpu.nvlink_bandwidth")
    lines = ax.get_lines()
    assert len(lines) == 2
    assert list(lines[0].get_xdata()) == [512, 1024]
    assert list(lines[1].get_ydata()) == [63.9]  # the failed point is left out
    with pytest.raises(KeyError, match="no column 'nope'"):
        ta.sweep_plot(t, ax, x="cluster.gpus", y="nope")
    plt.close(fig)
