from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码")])
    submit = SubmitField("登录")


class ChangePasswordForm(FlaskForm):
    old_password = PasswordField("原密码", validators=[DataRequired(message="请输入原密码")])
    new_password = PasswordField("新密码", validators=[DataRequired(message="请输入新密码")])
    confirm = PasswordField("确认新密码", validators=[
        EqualTo("new_password", message="两次输入的新密码不一致")])
    submit = SubmitField("修改密码")


class ActionForm(FlaskForm):
    """Only the CSRF token: for one-click POST buttons (revoke a token)."""
