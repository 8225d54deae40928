"""Errors a service raises; views and the API turn them into pages and JSON."""


class ServiceError(Exception):
    status = 400


class ValidationFailed(ServiceError):
    """Field → Chinese message. ``row`` is set by imports."""

    status = 422

    def __init__(self, fields: dict[str, str], message: str = "输入有误，请检查标出的字段。"):
        super().__init__(message)
        self.fields = fields
        self.message = message


class VersionConflict(ServiceError):
    """Someone else saved a newer version; ``current`` is what is stored now."""

    status = 409

    def __init__(self, current, submitted: dict):
        super().__init__("该记录已被他人修改，您的修改未保存。")
        self.current = current
        self.submitted = submitted


class NotFound(ServiceError):
    status = 404

    def __init__(self, what: str = "记录"):
        super().__init__(f"{what}不存在或已删除。")


class Forbidden(ServiceError):
    status = 403

    def __init__(self, message: str = "您没有权限执行此操作。"):
        super().__init__(message)


class PossibleDuplicate(ServiceError):
    """The name is near existing enterprises'; saved only when confirmed (``allow_similar``).
    ``candidates``: dicts with id, name, credit_code, city and score, best first."""

    status = 409

    def __init__(self, candidates: list[dict]):
        names = "、".join(f"“{c['name']}”" for c in candidates)
        super().__init__(f"可能与已有企业重复：{names}。确认不是同一家企业后可仍然保存"
                         f"（allow_similar=true）。")
        self.candidates = candidates
