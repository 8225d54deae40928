"""zhaoshang export / import through the CLI runner."""

from io_helpers import xlsx_bytes
from openpyxl import load_workbook
from sqlmodel import func, select

from crm.db import session_scope
from crm.models import Enterprise

ROWS = [
    ["公司名称", "城市", "投资额"],
    ["命令行甲公司", "长春", "1亿"],
    ["命令行乙公司", "火星", None],
    ["命令行丙公司", "延边州", None],
]


def _count(app):
    with app.app_context(), session_scope() as s:
        return s.exec(select(func.count()).select_from(Enterprise)).one()


def test_import_dry_run_then_real_then_again(app, runner, make_user, tmp_path):
    make_user("admin", username="boss")
    good = xlsx_bytes([ROWS[0], ROWS[1], ROWS[3]], tmp_path / "good.xlsx")
    assert good
    before = _count(app)
    dry = runner.invoke(args=["import", "enterprises", str(tmp_path / "good.xlsx"), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试运行" in dry.output and "可导入 2 行" in dry.output
    assert "未识别的列" in dry.output and "投资额" in dry.output
    assert _count(app) == before
    real = runner.invoke(args=["import", "enterprises", str(tmp_path / "good.xlsx")])
    assert real.exit_code == 0 and "已导入 2 行" in real.output
    assert _count(app) == before + 2
    again = runner.invoke(args=["import", "enterprises", str(tmp_path / "good.xlsx")])
    assert again.exit_code == 0 and "已存在 2 行" in again.output
    assert _count(app) == before + 2


def test_import_with_rejected_rows_exits_non_zero(app, runner, make_user, tmp_path):
    make_user("staff", username="clerk")
    rows = [["企业名称", "是否重点"], ["命令行丁公司", "是"], ["命令行戊公司", "也许"]]
    xlsx_bytes(rows, tmp_path / "bad.xlsx")
    out = tmp_path / "status.xlsx"
    result = runner.invoke(args=["import", "enterprises", str(tmp_path / "bad.xlsx"),
                                 "--user", "clerk", "--status-out", str(out)])
    assert result.exit_code == 1
    assert "第 3 行 命令行戊公司：有错误，未导入。是否重点：" in result.output
    assert "有错误 1 行" in result.output
    ws = load_workbook(out).active
    assert ws["C3"].value == "有错误，未导入" and ws["C2"].value == "已导入"
    missing = runner.invoke(args=["import", "enterprises", str(tmp_path / "bad.xlsx"),
                                  "--user", "nobody"])
    assert missing.exit_code != 0 and "nobody" in missing.output


def test_import_gb18030_csv(app, runner, make_user, tmp_path):
    make_user("admin", username="boss")
    path = tmp_path / "p.csv"
    path.write_bytes("项目名称,投资企业,落地市（州）,总投资\n命令行项目,命令行企业,长春市,2亿\n"
                     .encode("gb18030"))
    result = runner.invoke(args=["import", "projects", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入 1 行" in result.output


def test_export_cli(app, runner, make_user, tmp_path):
    make_user("admin", username="boss")
    xlsx_bytes(ROWS, tmp_path / "in.xlsx")
    runner.invoke(args=["import", "enterprises", str(tmp_path / "in.xlsx")])
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "enterprises", "-o", str(out), "--city-code", "长春",
                                 "--q", "命令行"])
    assert result.exit_code == 0, result.output
    assert "1 行" in result.output
    ws = load_workbook(out).active
    assert [r[0] for r in ws.iter_rows(min_row=3, values_only=True)] == ["命令行甲公司"]
    csv_out = tmp_path / "p.csv"
    result = runner.invoke(args=["export", "projects", "--format", "csv", "-o", str(csv_out),
                                 "--stage", "lead"])
    assert result.exit_code == 0 and csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = runner.invoke(args=["export", "enterprises", "-o", str(out), "--city-code", "火星"])
    assert bad.exit_code != 0


def test_import_prints_place_warnings(app, runner, make_user, tmp_path):
    make_user("admin", username="boss")
    xlsx_bytes([["企业名称", "城市"], ["命令行铁西公司", "铁西区"]], tmp_path / "w.xlsx")
    result = runner.invoke(args=["import", "enterprises", str(tmp_path / "w.xlsx")])
    assert result.exit_code == 0, result.output
    assert "第 2 行 命令行铁西公司：已导入。提示：城市：“铁西区”有多处" in result.output
