"""Admin forms: new user, password reset, the 一事一议 line, and a CSRF-only form
for the small POST buttons (enable / disable)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from crm import rules
from crm.formfields import AmountField


class UserCreateForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入用户名"),
                                              Length(max=60, message="用户名最长60位")])
    display_name = StringField("姓名", validators=[Optional(), Length(max=60)])
    role = SelectField("角色", choices=[SelectChoice(k, v) for k, v in rules.ROLES.items()])
    city_code = SelectField("所属市（州）", choices=[], validate_choice=False,
                            description="仅市（州）用户需要")
    password = PasswordField("初始密码", validators=[DataRequired(message="请输入初始密码")])
    confirm = PasswordField("确认密码",
                            validators=[EqualTo("password", message="两次输入的密码不一致")])
    submit = SubmitField("新建用户")


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("新密码", validators=[DataRequired(message="请输入新密码")])
    confirm = PasswordField("确认新密码",
                            validators=[EqualTo("new_password", message="两次输入的新密码不一致")])
    submit = SubmitField("重置密码")


class CaseByCaseLineForm(FlaskForm):
    line_wan = AmountField("一事一议标准（万元）",
                           validators=[DataRequired(message="请输入金额（万元）")],
                           description="计划投资额达到此金额（含本数）的项目按一事一议办理；"
                                       "默认 100000 万元（10亿元）。")
    submit = SubmitField("保存")


class ActionForm(FlaskForm):
    """Only the CSRF token: for one-click POST buttons."""
