"""Forms of the import/export area."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from crm.records import importable

ALLOWED = ["xlsx", "xlsm", "xls", "csv", "txt"]


class UploadForm(FlaskForm):
    kind = SelectField("导入内容", choices=[SelectChoice(k, v) for k, v in importable().items()])
    file = FileField(
        "文件",
        validators=[
            FileRequired("请选择文件"),
            FileAllowed(ALLOWED, "只支持 .xlsx、.xls 和 .csv 文件"),
        ],
        description="Excel（.xlsx、.xls）或 CSV（UTF-8、带 BOM 的 UTF-8、GB18030 均可）；"
        "第一张工作表，表头可以在标题行下面。",
    )


class ConfirmForm(FlaskForm):
    include_similar = BooleanField("疑似重复的行也导入")


class MergeForm(FlaskForm):
    keep_id = IntegerField("保留的企业编号", validators=[DataRequired("请填写编号")])
    drop_id = IntegerField("并入后删除的企业编号", validators=[DataRequired("请填写编号")])
