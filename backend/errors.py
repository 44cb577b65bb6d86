"""Every outcome the backend can refuse with, listed once: `ErrorCode` (code, HTTP status, Chinese message).

A refusal is an `AppError` carrying one of these codes and a plain Chinese sentence (the code's own, or a more
precise one for the case, e.g. how much is left of today's limit). Clients act on the code, never on the text;
existing codes keep their names. Validation errors become 422 VALIDATION_ERROR (INVALID_AMOUNT when the bad
field is an amount); anything unexpected becomes a bare 500 INTERNAL_ERROR, logged here and never shown with
its stack trace.
"""
from __future__ import annotations

import logging
import sqlite3
from enum import Enum, unique

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("backend.errors")
# SQLSTATE classes of a database that cannot take the statement now: 08 connection exception, 57 operator
# intervention (shutdown, cannot connect now); and 25006, a demoted primary's read-only transaction.
DB_UNAVAILABLE_SQLSTATES = {"08", "57"}
DB_RETRY_AFTER_S = 2


@unique
class ErrorCode(Enum):
    """(HTTP status, default message). @unique: two outcomes can never silently share one entry."""

    BAD_REQUEST = (400, "请求有误，请检查后再试。")
    UNAUTHORIZED = (401, "请先登录，或登录已过期，请重新登录。")
    BAD_CREDENTIALS = (401, "手机号或密码不对，请再试一次。")
    FORBIDDEN = (403, "您没有权限做这件事。")
    NOT_FOUND = (404, "没有找到您要的内容。")
    METHOD_NOT_ALLOWED = (405, "不支持这种操作。")
    NOT_ACCEPTABLE = (406, "不支持这种格式。")
    IDEMPOTENCY_KEY_REUSED = (409, "这个请求编号已经用在另一笔不同的业务上了，请重新发起。")
    INVALID_STATE = (409, "这笔业务现在不能这样操作。")
    # A pending or held record whose time ran out: nothing moved, the customer starts again.
    EXPIRED = (409, "这笔业务等得太久，已经失效了，钱没有动。如果还需要，请重新办理。")
    # Staff tried to approve a transfer of a customer who came under a fraud cooling-off after it was held.
    SCAM_RISK_REVIEW = (409, "这位客户刚被提醒可能遇到了诈骗，请先打电话和客户本人核实，再决定是否批准。")
    PAYEE_EXISTS = (409, "这个账号已经在您的收款人里了。")
    # Delayed arrival (issue 12): only a scheduled transfer (not yet arrived) can be taken back.
    NOT_REVOCABLE = (409, "这笔钱已经到了对方账户，不能撤回了。需要的话，可以请银行工作人员帮您。")
    TOO_LARGE = (413, "内容太长了。")
    UNSUPPORTED_MEDIA_TYPE = (415, "请用 JSON 格式发送。")
    VALIDATION_ERROR = (422, "填写的内容有误，请检查后再试。")
    INVALID_AMOUNT = (422, "金额不对：请写成大于零、最多两位小数的数字，例如 \"500.00\"。")
    INSUFFICIENT_FUNDS = (422, "账户余额不够，这笔钱没有转出。")
    PER_TRANSFER_LIMIT = (422, "超过了单笔转账限额，这笔钱没有转出。")
    DAILY_LIMIT = (422, "超过了今天的累计转账限额，这笔钱没有转出。")
    SCAM_SUSPECTED = (422, "请注意：这很像诈骗，这笔钱没有转出。请挂断电话，拨打 96110 反诈专线或找家人商量。")
    ACCOUNT_NOT_ALLOWED = (422, "这个账户不能这样用。")
    INVALID_PRODUCT = (422, "活期不用开存单，请选一个定期产品，比如一年定期。")
    BELOW_MINIMUM = (422, "金额低于起存金额。")
    # Real-time or 2-hour arrival to a payee saved less than 30 days ago: it arrives the next day.
    ARRIVAL_MODE_NOT_ALLOWED = (422, "这位收款人是最近才添加的，为了安全，转给他的钱要次日到账，到账前还能撤回。")
    # Partial early withdrawal (部分提前支取, issue 11): once per deposit, the rest stays a deposit.
    PARTIAL_ALREADY_USED = (422, "这张存单已经部分提前支取过一次了，不能再部分支取；可以把剩下的全部取出。")
    REMAINDER_TOO_SMALL = (422, "取了这笔之后，存单里剩下的钱低于起存金额，不能这样部分支取；可以少取一点，或者全部取出。")
    AMOUNT_NOT_LESS_THAN_PRINCIPAL = (422, "这已经是整张存单的钱了，请选择全部提前支取。")
    # Everyday services (issue 12): bill payment and pension payroll.
    UNKNOWN_BILL_ACCOUNT = (422, "这个户号没有查到，请对一下缴费单上的户号。")
    BILL_ACCOUNT_EXISTS = (409, "这个户号已经保存过了。")
    NO_BILL_DUE = (409, "这个户号现在没有要交的费用。")
    BILL_ALREADY_PAID = (409, "这期账单已经交过了，不会重复扣钱。")
    BILL_AMOUNT_MISMATCH = (422, "要按账单上的金额交费。")
    TOPUP_AMOUNT = (422, "话费一次可以充 10 元到 500 元。")
    TOPUP_ON_HOLD = (422, "为了您的安全，这段时间不能给手机充值；交水费、电费、燃气费不受影响。有疑问请到柜台。")
    PAYROLL_BATCH_MISMATCH = (409, "这个代发批次号已经用过，内容却不一样，没有入账。请换一个批次号。")
    BILLER_UNAVAILABLE = (503, "缴费单位的系统暂时连不上，请稍后再试，您的钱没有动。")
    LOCKED = (423, "密码错误次数太多，暂时锁定了，请稍后再试。")
    RATE_LIMITED = (429, "尝试太频繁了，请稍后再试。")
    INTERNAL_ERROR = (500, "系统出了点问题，请稍后再试，您的钱没有动。")
    BUSY = (503, "系统繁忙，请稍后再试，您的钱没有动。")
    # The database is failing over or unreachable (issue 13). Not "your money did not move": a commit cut off
    # mid-way may have landed; retrying with the same Idempotency-Key completes it once (Retry-After header).
    UNAVAILABLE = (503, "系统正在切换，请过几秒用同一笔业务再试一次，不会重复扣钱。")

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message

    def error(self, message: str | None = None) -> AppError:
        """The refusal, with a sentence more precise than the default when the case has one."""
        return AppError(self.status, self.name, message or self.message)


class AppError(Exception):
    """A refusal. Prefer `ErrorCode.X.error(...)`; the three-argument form stays for existing callers, and its
    code must be one of ErrorCode (tests/backend/test_errors.py checks every code the backend raises)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str = "记录") -> AppError:
    return ErrorCode.NOT_FOUND.error(f"没有找到这条{what}。")


def body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


# Framework-level HTTP errors (unknown path, wrong method, ...) answer with the code of their status.
_HTTP_CODES = {
    code.status: code for code in (
        ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND,
        ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.NOT_ACCEPTABLE, ErrorCode.TOO_LARGE, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    )
}

AMOUNT_FIELDS = {"amount"}


def _is_amount_error(exc: RequestValidationError) -> bool:
    return any(
        len(err.get("loc", ())) >= 2 and err["loc"][0] == "body" and err["loc"][1] in AMOUNT_FIELDS
        for err in exc.errors()
    )


def _answer(error: AppError) -> JSONResponse:
    return JSONResponse(body(error.code, error.message), status_code=error.status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return _answer(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        if _is_amount_error(exc):
            return _answer(ErrorCode.INVALID_AMOUNT.error())
        fields = sorted({str(err["loc"][-1]) for err in exc.errors() if err.get("loc")})
        hint = f"（{', '.join(fields)}）" if fields else ""
        return _answer(ErrorCode.VALIDATION_ERROR.error(f"填写的内容有误{hint}，请检查后再试。"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        return JSONResponse(body(code.name, code.message), status_code=status, headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def _db_busy(_: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc.orig, sqlite3.OperationalError):  # SQLite's write lock: nothing was written
            log.warning("database busy: %s", type(exc.orig).__name__)
            return _answer(ErrorCode.BUSY.error())
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        if isinstance(exc, OperationalError) or exc.connection_invalidated or sqlstate == "25006" or (
                sqlstate[:2] in DB_UNAVAILABLE_SQLSTATES):
            # PostgreSQL gone or failing over (issue 13): the outcome of a commit in flight is unknown, so the
            # client retries with the same Idempotency-Key, which completes it or finds it done.
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            return JSONResponse(body(ErrorCode.UNAVAILABLE.name, ErrorCode.UNAVAILABLE.message),
                                status_code=ErrorCode.UNAVAILABLE.status,
                                headers={"Retry-After": str(DB_RETRY_AFTER_S)})
        log.error("unexpected database error: %s", type(exc.orig).__name__, exc_info=exc)
        return _answer(ErrorCode.INTERNAL_ERROR.error())

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return _answer(ErrorCode.INTERNAL_ERROR.error())
