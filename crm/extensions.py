"""Extensions created unbound here and bound in create_app."""

from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
# With permanent sessions "strong" only marks a changed client non-fresh; the binding
# to user agent + address is enforced by the server-side session (crm.services.sessions).
login_manager.session_protection = "strong"

csrf = CSRFProtect()
bootstrap = Bootstrap5()
