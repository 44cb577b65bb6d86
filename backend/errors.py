"""One error type for every refusal: a 4xx with a stable code and a plain Chinese message.

Validation errors become 422 VALIDATION_ERROR (INVALID_AMOUNT when the bad field is an amount); anything
unexpected becomes a bare 500 INTERNAL_ERROR, logged here and never shown with its stack trace.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("backend.errors")


class AppError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str = "记录") -> AppError:
    return AppError(404, "NOT_FOUND", f"没有找到这条{what}。")


def body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


_HTTP_CODES = {
    400: ("BAD_REQUEST", "请求有误，请检查后再试。"),
    401: ("UNAUTHORIZED", "请先登录。"),
    403: ("FORBIDDEN", "您没有权限做这件事。"),
    404: ("NOT_FOUND", "没有找到您要的内容。"),
    405: ("METHOD_NOT_ALLOWED", "不支持这种操作。"),
    406: ("NOT_ACCEPTABLE", "不支持这种格式。"),
    413: ("TOO_LARGE", "内容太长了。"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "请用 JSON 格式发送。"),
}

AMOUNT_FIELDS = {"amount"}


def _is_amount_error(exc: RequestValidationError) -> bool:
    return any(
        len(err.get("loc", ())) >= 2 and err["loc"][0] == "body" and err["loc"][1] in AMOUNT_FIELDS
        for err in exc.errors()
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(body(exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        if _is_amount_error(exc):
            return JSONResponse(
                body("INVALID_AMOUNT", "金额不对：请写成大于零、最多两位小数的数字，例如 \"500.00\"。"),
                status_code=422,
            )
        fields = sorted({str(err["loc"][-1]) for err in exc.errors() if err.get("loc")})
        hint = f"（{', '.join(fields)}）" if fields else ""
        return JSONResponse(body("VALIDATION_ERROR", f"填写的内容有误{hint}，请检查后再试。"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("BAD_REQUEST", "请求有误，请检查后再试。"))
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        return JSONResponse(body(code, message), status_code=status, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _db_busy(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database busy or unavailable: %s", type(exc.orig).__name__)
        return JSONResponse(body("BUSY", "系统繁忙，请稍后再试，您的钱没有动。"), status_code=503)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return JSONResponse(body("INTERNAL_ERROR", "系统出了点问题，请稍后再试，您的钱没有动。"), status_code=500)
