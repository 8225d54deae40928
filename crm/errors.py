"""Error pages in Chinese, and JSON errors under /api/."""

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.db import get_session
from crm.services.errors import Forbidden, NotFound, ServiceError
from crm.services.records import unique_violation

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
    get_session().rollback()  # a lost race leaves a failed flush behind
    if isinstance(exc, NotFound | Forbidden):
        return error_response(exc.status, str(exc))
    return error_response(exc.status, str(exc), getattr(exc, "fields", None))


@bp.app_errorhandler(StaleDataError)
def _stale(_exc):
    """A record changed between reading and writing it (see RecordMixin's version)."""
    get_session().rollback()
    return error_response(409, "该记录已被他人修改，您的修改未保存，请刷新后重试。")


@bp.app_errorhandler(IntegrityError)
def _integrity(exc: IntegrityError):
    """A unique value taken meanwhile is the user's to fix (the field named); any
    other integrity error stays a 500."""
    get_session().rollback()
    refused = unique_violation(exc)
    if refused is None:
        raise exc
    return error_response(refused.status, "；".join(refused.fields.values()), refused.fields)


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _http_error(exc):
    body, status = error_response(exc.code, MESSAGES.get(exc.code, exc.description))
    response = current_app.make_response((body, status))
    # the exception's own headers: a 405 names the methods that are allowed (Allow,
    # RFC 9110 15.5.6); a 401/413 … may carry theirs
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@bp.app_errorhandler(413)
def _too_large(_exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return error_response(413, f"{MESSAGES[413]}（上限 {limit // (1024 * 1024)} MB），"
                               "请拆分为多个文件后分别上传")


@bp.app_errorhandler(500)
def _internal_error(_exc):
    get_session().rollback()
    return error_response(500)
