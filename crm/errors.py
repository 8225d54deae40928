"""Error pages in Chinese, and JSON errors under /api/."""

from flask import Blueprint, current_app, jsonify, render_template, request

from crm.db import get_session
from crm.services.errors import Forbidden, NotFound, ServiceError

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "数据冲突",
    413: "上传的文件过大",
    422: "输入有误",
    500: "服务器内部错误",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, fields: dict | None = None):
    message = message or MESSAGES.get(status, "出错了")
    if wants_json():
        body = {"error": message}
        if fields is not None:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


@bp.app_errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    if isinstance(exc, NotFound | Forbidden):
        return error_response(exc.status, str(exc))
    return error_response(exc.status, str(exc), getattr(exc, "fields", None))


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _http_error(exc):
    return error_response(exc.code, MESSAGES.get(exc.code, exc.description))


@bp.app_errorhandler(413)
def _too_large(_exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return error_response(413, f"{MESSAGES[413]}（上限 {limit // (1024 * 1024)} MB），"
                               "请拆分为多个文件后分别上传")


@bp.app_errorhandler(500)
def _internal_error(_exc):
    get_session().rollback()
    return error_response(500)
