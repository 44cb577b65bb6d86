"""The one fraud policy, rule half: which scam a message sounds like, and what to tell the customer.

Used on every customer message by the dialogue (actions and the NLU component) and by the backend on every
transfer's note, context and payee, so both sides give the same answer on the same sentence.

The families and their cues follow what the public anti-fraud campaigns (公安部 / 国家反诈中心, the 96110 hotline)
tell seniors to look out for. Precision matters as much as recall: a hit stops the money flow and starts a 24-hour
cooling-off, so the rules are combinations (who is asking + what they ask for, within a short window) rather than
bare keywords. A relative of the customer asking for money directly (儿子让我给他转, 女儿急用钱) is ordinary;
a third person's account, a new number, an accident or arrest story, or secrecy is what makes it a scam.
Secrecy and urgency markers alone are only a soft signal (`pressure_markers`); together with money moving to a
stranger, a third party or a new account they are a hit.

Every pattern runs on `rules.text.normalize(text)`: simplified, lower case, no spaces, punctuation or zero-width
characters, so the windows below (".{0,N}") count characters of the words only.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rules.text import normalize

__all__ = [
    "FAMILIES",
    "GENERIC",
    "Family",
    "FraudHit",
    "pressure_markers",
    "screen",
    "warning_text",
]


@dataclass(frozen=True)
class Family:
    id: str
    name_zh: str
    # The one plain rule that unmasks this kind of scam, said to the customer.
    explanation: str


@dataclass(frozen=True)
class FraudHit:
    family: str
    # The name of the pattern that fired (for audit and tests), never the customer's words.
    rule: str
    explanation: str
    # A secrecy/urgency marker was present too.
    pressure: bool


GENERIC = "generic"

FAMILIES: dict[str, Family] = {
    f.id: f
    for f in (
        Family("authority", "冒充公检法", "公检法不会让您把钱转到'安全账户'。"),
        Family("customer_service", "冒充银行或客服", "银行和客服不会让您把钱挪到新账户，也不会让您交认证费。"),
        Family("relative", "冒充亲友或领导", "亲友要钱，先打他原来的号码问清楚，不要把钱转给别人。"),
        Family("investment", "假投资、假养老项目", "保本又高回报的投资，都是骗局。"),
        Family("fee", "中奖、刷单或贷款要先交钱", "要您先交钱的中奖、返利和贷款，都是骗局。"),
        Family("credentials", "骗验证码和密码", "验证码和密码谁都不能给，也不要让别人看您的手机屏幕。"),
        # Only the classifier fired: no rule says which kind, so the wording is the general one.
        Family(GENERIC, "诈骗", "不管对方是谁，都不要把钱转给您不认识的人。"),
    )
}

_HANG_UP = "请马上挂断电话。"
_NOTHING_MOVED = "钱没有转出。"
_HOTLINE = "拿不准就打96110反诈专线，或者找家人商量。"


def warning_text(family: str) -> str:
    """The customer-facing stop, in short sentences separated by "\\n": which scam it looks like, the one rule,
    hang up, nothing moved, 96110. An unknown family id gets the generic wording."""
    fam = FAMILIES.get(family, FAMILIES[GENERIC])
    lead = "这听起来像诈骗。" if fam.id == GENERIC else f"这很像{fam.name_zh}的诈骗。"
    return "\n".join((lead, fam.explanation, _HANG_UP, _NOTHING_MOVED, _HOTLINE))


# --- vocabulary (regex fragments on normalised text) -------------------------------------------------------

_ME = r"(?:我们|俺们|咱们|我|俺|咱|偶|人家)"
# Someone asks the customer to do something: 他让我, 民警叫我, 要俺, 逼咱.
_REQ = rf"(?:让|叫|喊|逼|催|要求|非要|非让|教|指导|要){_ME}"
# Reported speech and the channels a script arrives on: 他说, 电话里, 打电话来, 微信上, 短信.
_SAID = r"(?:说|讲|告诉|通知|打电话|打来|来电|电话|短信|微信|视频|qq|发消息|留言)"
_REPORT = rf"(?:{_REQ}|{_SAID})"
# Money moving (the customer's side of a script).
_MOVE = (
    r"(?:转|汇|打钱|打款|打给|打到|打过去|交给|交钱|交到|上交|缴|挪|存到|存进|存入|放到|取出|取钱|取现|提现"
    r"|付|保管|送钱|拿钱|移到|移进|移走|转移)"
)
# An amount said the way people say it: 五万块, 两千元, 3000块.
_AMOUNT = r"(?:[0-9零一二三四五六七八九十两百千万几]+(?:块|元|万|千))"
# Codes by any name: 验证码, 短信里的数字, 收到的六位数, 手机上的码.
_CODE = (
    r"(?:验证码|校验码|动态码|确认码|短信码|动态密码|短信.{0,4}(?:数字|码)|收到的?(?:那个|这个)?(?:数字|码|六位数|四位数)"
    r"|[四六]位数|手机上的?码)"
)
# What a scheme promises.
_RETURN = (
    r"(?:高回报|高收益|高额|高息|高利息|日息|翻倍|翻番|翻一番|翻几倍|返现|返钱|分红|零风险|无风险|回报率"
    r"|(?:每个?月|每年|每天)都?(?:给|返|分|拿)(?:我|你|您|俺)?(?:利息|分红|回报|收益|钱))"
)
# Someone asking for money.
_ASK_MONEY = (
    rf"(?:借钱|借点|借|要钱|急用|急着用|着急用|急需|用钱|缺钱|周转|打钱|汇钱|拿钱|垫付|垫钱|{_REQ}.{{0,8}}(?:转|汇|打|交|付))"
)
# Impostor authorities.
_AUTH = (
    r"(?:公安|警察|民警|警官|警方|刑警|刑侦|派出所|检察|法院|法官|公检法|国安|国家安全|安全局|办案|专案组"
    r"|纪委|监察委|司法|经侦|网警|禁毒|海关|反诈中心)"
)
# Impostor customer service of banks, payment platforms, shops, couriers, social security.
_CS = (
    r"(?:客服|银行的?(?:人|工作人员|经理|职员|员工|柜员)|银行(?:打电话|来电|打来|说|通知)|工作人员|支付宝|微信支付"
    r"|财付通|京东|淘宝|拼多多|抖音|快手|美团|快递|顺丰|物流|医保局|社保局|社保中心|人社局|医保中心|运营商"
    r"|移动公司|电信|联通|航空公司|保险公司|银联)"
)
# The customer's family (dialect included: 娃, 伢, 崽, 幺儿, 闺女).
_REL = (
    r"(?:儿子|女儿|闺女|姑娘|孙子|孙女|外孙|孙儿|娃|孩子|孩儿|小孩|伢|崽|幺儿|儿媳|媳妇|女婿|侄子|侄女|外甥"
    r"|亲戚|老表|表哥|表弟|表姐|表妹|堂哥|堂弟|弟弟|妹妹|哥哥|姐姐|兄弟|老伴)"
)
# Friends, colleagues and bosses (the 冒充熟人/领导 scripts).
_FRIEND = (
    r"(?:老同学|同学|老朋友|朋友|老战友|战友|老乡|同乡|老同事|同事|领导|老板|上司|厂长|校长|老师|班主任|村长"
    r"|书记|主任|邻居|熟人|发小|哥们)"
)
_BOSS = r"(?:领导|老领导|老板|上司|厂长|校长|书记|主任|局长|处长|董事长|总经理)"
# A third person behind "him": 他侄子, 他朋友, 她同学 (money for the requester's own family is not this).
_THIRD = (
    r"(?:侄子|侄女|外甥|朋友|同学|同事|老板|领导|老师|律师|医生|秘书|助理|司机|哥们|兄弟|表弟|表哥|亲戚|老乡"
    r"|对象|女朋友|男朋友|合伙人|客户|会计|财务|战友|室友|师傅|中间人|担保人|代理|经纪人)"
)
# An account that is not one of the customer's saved payees.
_NEW_ACCT = (
    r"(?:新|另一个|另外一个|另一张|另外一张|别的|指定的?|他们的|他们给的|他给的|她给的|对方给的|对方的|给我的|发来的"
    r"|发给我的|陌生的?|一个)的?(?:账户|账号|卡号|银行卡|卡)"
)
_STRANGER = (
    rf"(?:{_NEW_ACCT}|(?:这个|那个|对方的?|他们的?)(?:账户|账号|卡号)|别人|外人|陌生人|第三方|第三人|对方|他们"
    rf"|那个人|这个人|中间人|(?:他|她)的?{_THIRD})"
)
# Words that turn a sentence into advice rather than a script ("千万不要把验证码告诉别人").
_NEGATION = re.compile(r"不要|别|不能|不可|千万|不会|勿|莫|不许|不准|从不|绝不|防止|谨防|小心|提醒")
# A recounted warning from the real police or bank ("民警提醒我不要给陌生人转账").
_ADVICE = re.compile(r"提醒|防骗|防诈|反诈宣传|骗子|小心|注意防范|宣传")


def _c(source: str) -> re.Pattern[str]:
    # 帐 is a standard simplified variant of 账 that the converter keeps (帐户), so every 账 matches both.
    return re.compile(source.replace("账", "[账帐]"))


# --- pressure markers ----------------------------------------------------------------------------------------

_NOT = r"(?:别|不要|不能|不许|不准|不让|莫|千万别|千万不要|不可以)"
_PRESSURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("secrecy", _c(
        rf"{_NOT}(?:告诉|说给|讲给|透露|声张|外传|让.{{0,8}}知道|跟.{{0,8}}(?:说|讲|提|商量)|和.{{0,8}}(?:说|讲|提|商量)"
        rf"|给.{{0,6}}(?:说|讲))|保密|瞒着|秘密|一个人去|单独去")),
    ("no_police", _c(rf"{_NOT}报警|报警.{{0,4}}(?:没用|就)|{_NOT}(?:去|找|问)?(?:银行|柜台|派出所|警察)")),
    ("stay_on_line", _c(rf"{_NOT}挂(?:电话|断)?|保持通话|一直通话|开免提")),
    ("deadline", _c(
        r"今天(?:必须|之内|内|就得|一定要)|必须今天|(?:\d+|一|两|半|几|二十四|十二)个?(?:小时|分钟)之?内|限时"
        r"|过期作废|来不及|否则|不然就|要不然|再不.{0,4}就|最后期限")),
    ("urgency", _c(r"马上|立刻|立即|赶紧|赶快|快点|尽快|火速|十万火急|等不及")),
    ("stealth", _c(r"偷偷|悄悄")),
)
# The markers that mean someone wants the customer isolated (stronger than hurry).
_ISOLATING = frozenset({"secrecy", "no_police", "stay_on_line"})


def _markers(norm: str) -> list[str]:
    return [name for name, pattern in _PRESSURE if pattern.search(norm)]


def pressure_markers(text: str) -> list[str]:
    """The secrecy/urgency markers in `text`, as stable ids in a fixed order: "secrecy" (别告诉家里人, 保密),
    "no_police" (不许报警), "stay_on_line" (别挂电话), "deadline" (今天必须, 否则), "urgency" (马上, 赶紧),
    "stealth" (偷偷). Alone they are a soft signal, never a hit."""
    return _markers(normalize(text))


# --- the rules ------------------------------------------------------------------------------------------------

# A rule's family None means "whoever is talking": the actor cues in the text decide (see _actor_family).
@dataclass(frozen=True)
class _Rule:
    name: str
    family: str | None
    test: Callable[[str], bool]
    # The family when `family` is None and no actor cue decides.
    default: str = "fee"


def _has(source: str, *, guard: bool = False, unless: re.Pattern[str] | None = None) -> Callable[[str], bool]:
    """A test that `source` occurs in the normalised text; with `guard`, an occurrence right after a negation
    (不要, 千万别, 不会, within 4 characters before it) does not count; with `unless`, a text matching it never hits."""
    pattern = _c(source)

    def test(norm: str) -> bool:
        if unless is not None and unless.search(norm):
            return False
        for match in pattern.finditer(norm):
            if not guard or not _NEGATION.search(norm, max(0, match.start() - 4), match.start()):
                return True
        return False

    return test


_AUTH_RE = _c(_AUTH)
# A text that names one of the customer's family and no impostor role.
_KIN_ONLY = _c(rf"^(?!.*(?:{_AUTH}|{_CS}|电话里|电话那头|那个人|陌生)).*{_REL}")
_CS_RE = _c(_CS)
_KIN_RE = _c(rf"(?:{_REL}|{_FRIEND}|{_BOSS})")


def _actor_family(norm: str, default: str) -> str:
    """Which impostor is talking, for rules that fire on the request itself (money to a new account, secrecy)."""
    if _AUTH_RE.search(norm):
        return "authority"
    if _CS_RE.search(norm):
        return "customer_service"
    if _KIN_RE.search(norm):
        return "relative"
    return default


_RULES: tuple[_Rule, ...] = (
    # -- authority: 安全账户, 资金核查, 洗钱, 通缉, "the police told me to transfer" ------------------------------
    _Rule("safe_account", "authority", _has(
        r"(?:安全|监管|清查|核查|保密|审查|验资|国家|公证|专案)(?:账户|账号)|安全卡|国家专用|资金监管")),
    # "Move it somewhere safe": whoever says it (a fake bank as often as a fake policeman).
    _Rule("safe_place", None, _has(rf"{_MOVE}.{{0,8}}(?:安全|监管)的(?:账户|账号|卡|地方)"), "authority"),
    # "Hand the cash to us for safekeeping".
    _Rule("custody", None, _has(
        r"(?:交给|放到|放在|存到|存在|转给|给|交到)(?:他们|他|她|对方|警察|民警|国家|政府|那边)(?:那里|那儿|那)?(?:保管|代管|看管"
        r"|监管)|取出.{0,20}(?:保管|代管)", guard=True), "authority"),
    # Customers say "公检法" only when retelling what a caller claimed to be; a call "transferred to the police",
    # a uniform on a video call or a warrant shown in a chat are the same script.
    _Rule("authority_named", "authority", _has(
        rf"公检法|冒充(?:警察|公安|民警|法院|检察)|转接.{{0,6}}{_AUTH}|{_AUTH}.{{0,6}}转接|警服|警官证|警号|秘密侦查"
        rf"|(?:宾馆|酒店|旅馆)开(?:个|间)?房|(?:有人|有个人|一个人|那个人|那人|对方|他|她|他们)(?:打电话)?(?:说|自称|称)"
        rf"(?:他|她|他们|自己)?(?:是)?.{{0,6}}{_AUTH}.{{0,25}}(?:账户|账号|卡|钱|存款|资金|身份证|问题|查|犯|案|嫌疑)",
        guard=True)),
    _Rule("fund_check", "authority", _has(
        r"资金(?:核查|清查|审查|调查|清白)|(?:核查|清查|审查|调查)(?:你|我|您|俺)?的?(?:资金|存款|账户|财产|资产|钱)"
        r"|证明(?:你|我|您|俺)?的?清白|(?:配合|接受|协助)(?:警方|公安|我们|他们)?的?(?:调查|侦查|审查|办案)"
        r"|(?:钱|资金|存款)(?:不干净|来路不明)|验(?:一下|一验)?(?:资金|存款)|验资")),
    _Rule("laundering_threat", "authority", _has(
        r"(?<!反)洗钱|通缉(?!犯)|(?:逮捕|拘捕|冻结|拘留)令|传票|涉嫌.{0,10}(?:案|犯罪|诈骗|贩毒|非法|违法|走私)|涉案"
        r"|(?:案件|案子).{0,10}(?:牵连|涉及|有关|嫌疑)|嫌疑人|取保候审|刑事案件"
        r"|(?:说|讲)(?:我|俺|你|您)(?:犯了?事|犯罪|犯法|违法|有案底)", guard=True)),
    _Rule("authority_transfer", "authority", _has(
        rf"{_AUTH}.{{0,8}}{_REPORT}.{{0,30}}{_MOVE}|(?:转|汇|交|打|付|存)(?:钱|款|账)?(?:给|到|进)了?.{{0,2}}{_AUTH}",
        unless=_ADVICE)),
    _Rule("freeze_threat", "authority", _has(
        rf"(?:冻结|查封|封存|坐牢|判刑|抓(?:你|我|您|俺|人)|拘留|逮捕|立案|起诉|黑名单).{{0,30}}(?:{_REQ}|必须).{{0,15}}{_MOVE}"
        rf"|{_MOVE}.{{0,20}}(?:否则|不然|要不然|要不).{{0,10}}(?:冻结|查封|坐牢|抓|拘留|逮捕|起诉|判刑)")),
    # -- credentials: codes, PINs, screen sharing, remote control -------------------------------------------
    _Rule("remote_control", "credentials", _has(
        r"屏幕共享|共享屏幕|屏幕分享|分享屏幕|共享桌面|开共享|远程控制|远程协助|远程操作|远程桌面|向日葵|todesk"
        r"|teamviewer|anydesk|quicksupport|腾讯会议|zoom|钉钉会议|飞书会议|会议软件|会议app|会议号|云视讯"
        r"|(?:视频)?会议.{0,10}(?:共享|屏幕|教我|教俺|操作|指导)|远程(?:帮|操作|弄|看|控制|指导|教)"
        r"|看我的?(?:手机)?屏幕|屏幕.{0,6}(?:给他|给她|给他们|给对方|给人|让他|让她)看", guard=True)),
    _Rule("code_request", "credentials", _has(
        rf"{_CODE}.{{0,8}}(?:告诉|给他|给她|给他们|给对方|发给|发他|念|报给|说给|读给|说一下|说出来|输入到|填到|截图|拍照)"
        rf"|(?:告诉|发给|念给|报给|说给|读给)(?:他|她|他们|对方|人家|那个人|那人|客服).{{0,6}}{_CODE}"
        rf"|(?:问我要|跟我要|向我要|找我要|(?<!会)要我的|要了我的|问我).{{0,6}}{_CODE}|验证码是?\d{{4,8}}", guard=True)),
    _Rule("pin_request", "credentials", _has(
        r"(?:密码|pin|口令).{0,6}(?:告诉|给他|给她|给他们|给对方|发给|发他|念给|报给|说给|读给|填到|填进|输入到|截图|拍照)"
        r"|(?:告诉|发给|念给|报给|说给|读给)(?:他|她|他们|对方|人家|那个人|那人|客服).{0,6}(?:密码|pin)"
        r"|(?:问我要|跟我要|向我要|找我要|(?<!会)要我的|要了我的|问我|问俺|让我说|叫我说|让我报|叫我报|让我念|叫我念).{0,12}"
        r"(?:密码|pin|卡号)"
        r"|(?:银行卡|卡|身份证|存折).{0,6}(?:正反面|拍照|拍个照|拍张照|照片|拍下来).{0,8}(?:发给|发他|给他|给她|给对方|传给)"
        r"|(?:扫|点|打开).{0,8}(?:二维码|码|链接|网址|网页).{0,15}(?:输|填|登录|录入).{0,4}(?:密码|卡号|验证码|身份证)",
        guard=True)),
    _Rule("app_download", "credentials", _has(
        rf"(?:{_REQ}|{_SAID}|{_CS}).{{0,15}}(?:下载|安装|装)(?:一个|个)?.{{0,8}}(?:软件|app|应用|程序|插件|会议|apk)"
        r"|点(?:开)?.{0,4}链接.{0,10}(?:填|输|登录|卡号|密码|验证码)",
        unless=re.compile(r"手机银行|银行app|银行的app|官方"))),
    # -- customer service: unsafe card, refunds and claims, 百万保障, card/social-security "upgrades" -------------
    _Rule("card_unsafe", "customer_service", _has(
        rf"(?:卡|账户|账号|存款|资金|钱)(?:有|不)?.{{0,4}}(?:不安全|有风险|风险|被盗|盗刷|泄露|泄漏|有问题|异常|被人用|被冒用"
        rf"|被监控|中毒|被人盯上|被盯上|被黑|被攻击).{{0,20}}(?:{_REQ}|必须|得|要).{{0,20}}{_MOVE}"
        rf"|(?:{_CS}|{_SAID}).{{0,20}}(?:冻结|停用|作废|锁定|被锁|注销|降级).{{0,20}}(?:{_REQ}|必须|得|要).{{0,10}}{_MOVE}",
        # a loan "frozen because of a typo" is the fee script (loan_fee)
        unless=re.compile("贷款|借款|额度|网贷|放款"))),
    _Rule("refund_claim", "customer_service", _has(
        rf"(?:{_CS}|{_SAID}).{{0,15}}(?:退款|退费|理赔|赔偿|赔付|补偿|退还|返还|退保|退货|赔你|赔您|赔我|快递丢|包裹丢|丢件"
        rf"|质量问题|保单|能退|可以退|退给|退我|退你|退您|航班取消|改签|退票).{{0,30}}(?:{_MOVE}|验证码|借|贷|备用金|保证金|手续费|扫码|二维码|链接"
        rf"|下载|屏幕|共享|花呗|借呗|额度|卡号|密码|操作|按他说|照他说|加.{{0,2}}(?:微信|qq|好友))")),
    _Rule("protection_cancel", "customer_service", _has(
        rf"百万保障|(?:{_CS}|{_SAID}|{_REQ}).{{0,20}}(?:(?:保障|会员|vip|分期|代理|贷款|借款|网贷|学生贷|校园贷|白条|金条"
        rf"|花呗|借呗).{{0,4}}(?:取消|关闭|注销)|(?:取消|关闭|注销).{{0,6}}(?:保障|会员|vip|校园贷|学生贷|网贷|借款|贷款"
        rf"|白条|代理|分期)|(?:不取消|不关闭|不关|不注销|影响).{{0,6}}(?:征信|扣))")),
    _Rule("card_upgrade", "customer_service", _has(
        rf"(?:{_CS}|{_SAID}|{_REQ}|有人|那个人).{{0,15}}(?:银行卡|储蓄卡|信用卡|卡|社保|医保|养老金|养老保险|退休金|高龄补贴"
        rf"|补贴|补助|账户|u盾|网银|etc|手机银行|号码|手机号).{{0,4}}(?:升级|认证|年审|资格|激活|过期|到期|失效|作废|停用|停机"
        rf"|实名|降级|审核|验证|领取|发放|申领).{{0,20}}(?:交|缴|费|转|汇|付|验证码|链接|下载|扫码|二维码|卡号|密码)")),
    _Rule("parcel_trouble", None, _has(
        rf"(?:快递|包裹|邮件|邮包).{{0,15}}(?:违规|违禁|毒品|护照|查出|扣押|海关|扣了|被扣).{{0,25}}(?:交|罚款|{_MOVE}|{_AUTH}"
        rf"|转接|配合)"), "customer_service"),
    _Rule("service_account", "customer_service", _has(
        rf"{_CS}.{{0,10}}{_REPORT}.{{0,30}}{_MOVE}.{{0,10}}(?:{_NEW_ACCT}|(?:这个|那个)(?:账户|账号|卡号|卡))")),
    # -- relatives, friends, bosses: new number, accident/arrest, third person's account, urgent loan ----------
    _Rule("new_number", "relative", _has(
        rf"(?:(?:换了?|新)(?:了|个|的|一个)?(?:手机)?(?:号码|号|微信|qq|手机号|电话)|(?:号码|手机号|电话号|微信|qq)"
        rf"(?:换了|改了|丢了|被盗|不用了|停机|坏了)|(?:手机|电话)(?:丢了|坏了|掉了|摔坏|掉水里)|用(?:他|她)?(?:同学|朋友|别人|同事)"
        rf"的(?:手机|电话)|头像|加(?:我|俺)的?新?(?:微信|qq|好友)).{{0,30}}{_ASK_MONEY}")),
    _Rule("impersonated_relative", "relative", _has(
        rf"(?:冒充|自称|假装|假冒)(?:是)?(?:你|我|您|俺)?的?{_REL}|猜猜?(?:我|他|她)是谁"
        rf"|(?:有人|有个人|一个人|那个人|那人|对方|陌生人|电话里|电话那头|一个男的|一个女的)(?:打电话)?(?:说|自称|称)(?:他|她|自己)?是"
        rf"(?:你|我|您|俺)?的?{_REL}|绑架|被绑|绑走|赎金|撕票"
        rf"|{_REL}的?(?:老师|同学|朋友|医生|领导|同事|班主任|辅导员|室友).{{0,6}}{_SAID}.{{0,25}}(?:{_MOVE}|{_ASK_MONEY}"
        rf"|费)")),
    _Rule("relative_in_trouble", "relative", _has(
        rf"(?:出车祸|车祸|撞了人|撞人|撞伤|撞车|被抓|抓起来|抓走|被拘|拘留|关起来|进局子|被打|打架|打伤|伤了人|绑架|被绑"
        rf"|绑走|出了?事|惹了?事|犯了?事|闯了?祸|嫖娼|赌博|赌钱|欠债|欠了钱|欠人钱|欠了网贷|被扣|扣了|扣押|扣下|私了|保释|取保|赎金"
        rf"|打了人|打人|伤人"
        rf"|抢救).{{0,30}}(?:{_MOVE}|{_ASK_MONEY}|交|钱|医药费|手术费|赔偿|赔钱|押金|保证金|保释金|罚款|罚金|{_AMOUNT})",
        guard=True)),
    _Rule("third_party_account", "relative", _has(
        rf"{_MOVE}.{{0,10}}(?:给|到|进|入)?(?:他|她|他们|她们|对方)(?:的|家)?{_THIRD}"
        rf"|(?:给|到)(?:他|她|他们|她们|对方)(?:的|家)?{_THIRD}.{{0,10}}{_MOVE}"
        rf"|{_REQ}.{{0,15}}{_MOVE}.{{0,8}}(?:给|到|进)?(?:别人|外人|陌生人|第三方|第三人|中间人)", guard=True)),
    # A "teacher" collecting money into a personal account or QR code (冒充老师收费).
    _Rule("teacher_fee", "relative", _has(
        rf"(?:老师|班主任|辅导员|校长).{{0,8}}(?:{_REQ}|{_SAID}|群里).{{0,20}}{_MOVE}.{{0,6}}(?:他|她|个人|二维码|收款码)", guard=True)),
    # "Pay or your son gets hurt".
    _Rule("harm_threat", None, _has(
        r"(?:不|没)(?:把钱)?(?:转|打|给|交|还|拿钱|打钱)(?:过去|钱|的话)?.{0,8}(?:就|会|要)?.{0,4}(?:有危险|出事|撕票|没命|打断|弄死"
        r"|砍|好看|坐牢|被抓)"), "relative"),
    # A friend or colleague asking through a chat or a call (the impostor's channel), urgently.
    _Rule("friend_urgent", "relative", _has(
        rf"{_FRIEND}.{{0,8}}(?:微信|qq|短信|打电话|发消息|来电|视频|网上|电话).{{0,25}}(?:急用|急着用|着急用|急需|出事|出了事"
        rf"|马上|立刻|赶紧|周转|垫付|垫钱|借钱|借点钱|借.{{0,6}}钱)")),
    _Rule("boss_request", "relative", _has(
        rf"{_BOSS}.{{0,8}}(?:{_REQ}|{_SAID}).{{0,25}}(?:转|汇|打钱|打款|垫|付|借)", guard=True)),
    # -- investment, pension projects, health products, crypto, romance ------------------------------------
    _Rule("guaranteed_return", "investment", _has(
        r"保本保息|保本保收益|保本高息|稳赚|包赚|只赚不赔|躺赚|稳赢|必赚|以房养老|原始股|拉人头|发展下线|内幕消息|荐股|带单"
        r"|喊单|(?:炒股|股票|投资|理财|炒币|赚钱)群|(?:老师|导师)带(?:我|俺|咱|着)?.{0,4}(?:炒|投|赚|买)"
        r"|(?:肯定|一定|保证|绝对|稳)(?:能)?(?:赚|挣|赢|涨|翻倍)"
        r"|(?:房子|房产|房本|房产证).{0,6}抵押.{0,20}(?:投资|项目|理财|养老|利息|回报|分红)", guard=True)),
    _Rule("high_return", "investment", _has(
        rf"{_RETURN}.{{0,20}}(?:投资|项目|平台|入股|认购|群|老师|导师|app|软件|网站|公司|基金会|合作社|他们|对方)"
        rf"|(?:投资|项目|平台|入股|认购|群|老师|导师|app|软件|网站|公司|合作社).{{0,20}}{_RETURN}"
        rf"|(?:投|投资|入股|认购|加盟).{{0,8}}(?:每个?月|一个月|每年|一年|每天|一天|每周).{{0,4}}(?:返|分红|分|赚|拿|给)"
        rf".{{0,3}}(?:{_AMOUNT}|百分之|\d+%)", guard=True)),
    _Rule("pension_project", "investment", _has(
        rf"(?:养老项目|养老公寓|养老院床位|养老基金|养老服务中心|康养|旅居养老|养老社区|养老产业).{{0,20}}(?:投资|入股|认购|预存|预交"
        rf"|会员|交钱|{_MOVE}|返|分红|利息|回报)|(?:投资|入股|认购).{{0,10}}养老"
        rf"|养老院.{{0,10}}(?:预存|预交|利息|分红|投资|入股|返|回报|会员卡)", guard=True)),
    _Rule("health_product", "investment", _has(
        r"(?:保健品|保健食品|理疗仪|磁疗|药酒|神药|特效药|床垫|净水器|产品).{0,20}(?:返现|返钱|返利|返本|分红|投资|入股|讲座|包治"
        r"|根治|治病|专家|免费体检|免费领|会员)|包治百病|(?:包治|根治).{0,10}(?:交|付|转|钱)|健康讲座", guard=True)),
    _Rule("crypto", "investment", _has(
        r"(?:虚拟币|虚拟货币|数字货币|加密货币|比特币|usdt|泰达币|以太坊|狗狗币|币圈|炒币|挖矿|矿机|区块链|数字藏品|nft|元宇宙)"
        r".{0,15}(?:投|买|转|充|赚|收益|平台|项目|老师|群|交|钱|汇|提现|回报|涨)"
        r"|(?:投|买|转|充|赚).{0,10}(?:虚拟币|虚拟货币|数字货币|加密货币|比特币|usdt|泰达币|以太坊|币圈|炒币|矿机|数字藏品)",
        guard=True)),
    _Rule("romance", "investment", _has(
        rf"(?:网友|网上认识|网上交的|网恋|婚恋|交友|相亲网|直播间|主播|微信上认识|抖音上认识|网上的?(?:对象|男朋友|女朋友))"
        rf".{{0,30}}(?:投资|平台|博彩|彩票|稳赚|带我|赚钱|充值|充钱|{_MOVE}|借|打钱|急用|彩礼|网站|黄金|门路)")),
    _Rule("gambling_platform", "investment", _has(
        rf"(?:博彩|彩票平台|时时彩|百家乐|赌博网站|网赌|赌球).{{0,20}}(?:{_MOVE}|充值|赚|投|平台)", guard=True)),
    # -- fees: prizes, 刷单返利, unfreezing, loan deposits, tax before a payout, subsidies -----------------------
    _Rule("prize_fee", "fee", _has(
        r"(?:中奖|中了.{0,6}?(?:奖|车|汽车|手机|电脑|金条|礼品|礼包)|抽中|获奖|得奖|幸运观众|幸运用户|领奖|兑奖|奖品|大奖)"
        r".{0,25}(?:先交|交|缴|税|手续费|保证金|公证费|邮费|运费|激活费|费用|先付|先转|打钱|验证码)", guard=True)),
    _Rule("order_brushing", "fee", _has(
        r"刷单|刷信誉|刷好评|刷流水|刷销量|做任务.{0,8}(?:返|赚|佣金|提现)|(?:点赞|关注|评论).{0,6}(?:赚|返|佣金|任务)|返利|返佣"
        r"|垫付.{0,10}(?:任务|返|佣金|提现)|兼职.{0,10}(?:垫付|返|佣金|刷|日结|打字员)|佣金.{0,10}(?:先|垫|交|转)"
        r"|(?:再做|做完).{0,4}(?:单|任务).{0,10}(?:本金|提现|提出)", guard=True)),
    _Rule("unfreeze_fee", None, _has(
        r"解冻(?:费|金|资金|款)|(?:交|缴|付|转|汇)(?:了|点|一笔|些)?(?:钱|费|费用|保证金|手续费).{0,6}(?:才能|才可以|就能"
        r"|就可以|能|好)解冻|解冻.{0,8}(?:交|缴|付|转|汇|费|钱)|激活费|提现费|出款费|通道费|认证费|验资费|征信修复",
        guard=True)),
    _Rule("loan_fee", "fee", _has(
        r"(?:贷款|借款|网贷|放款|下款|放贷|额度|提现|借钱|借的钱|网上借).{0,15}(?:保证金|验资|解冻|会员费|包装费|刷流水|认证费"
        r"|押金|先交|先转|先付|先打|征信修复|证明还款能力|保险费)"
        r"|(?:保证金|验资|押金|解冻费|刷流水|还款能力).{0,10}(?:贷款|放款|下款|借款|额度)"
        r"|(?:贷款|借款|额度).{0,10}(?:填错|写错|冻结)|(?:卡号|银行卡).{0,4}(?:填错|写错)", guard=True)),
    _Rule("credit_repair", "fee", _has(r"(?:修复|消除|洗白|处理|删除)(?:不良)?征信|征信(?:修复|洗白)|消除逾期", guard=True)),
    _Rule("deposit_fee", None, _has(
        r"(?:交|缴|付|转|打|汇|存|先|要)(?:点|一笔|些|了)?保证金|保证金.{0,8}(?:才能|才可以|解冻|放款|贷款|提现|退还|返还"
        r"|退回)", guard=True)),
    _Rule("tax_first", "fee", _has(
        rf"(?:先交|先缴|要交|要缴|先付)(?:个人所得|所得|个)?税|退税.{{0,20}}(?:{_REQ}|链接|验证码|卡号|密码|操作|扫码|下载)"
        rf"|{_SAID}.{{0,10}}退税", guard=True)),
    # Money asked for before money is paid out: 补贴, 补助, 中奖, 放款 "after a small fee".
    _Rule("pay_first", "fee", _has(
        r"(?:补贴|补助|补偿金|救济金|扶贫款|慰问金|高龄津贴|红利|福利|奖励金).{0,20}(?:先交|要交|交.{0,6}费|手续费|工本费|保证金"
        r"|激活费|认证费)|(?:交|付|转)(?:了|一笔|点)?.{0,8}(?:钱|费).{0,6}才能(?:领|拿到|提现|提出|到账|放款|下款|发货|发放|兑奖"
        r"|领取)|(?:交|付|转).{0,10}(?:费|钱).{0,15}(?:能|就能|可以|才能)(?:领|拿|得|返).{0,8}(?:补贴|补助|养老金|分红|返利|奖励)",
        guard=True)),
    # -- whoever is asking: money to a new account on someone's say-so ---------------------------------------
    _Rule("new_account", None, _has(rf"{_REQ}.{{0,25}}{_MOVE}.{{0,10}}{_NEW_ACCT}", guard=True), "customer_service"),
    # Only reported (他说…转到新卡): not when a relative of the customer is the one telling about his own new card.
    _Rule("new_account_said", None, _has(rf"{_SAID}.{{0,25}}{_MOVE}.{{0,10}}{_NEW_ACCT}", guard=True, unless=_KIN_ONLY),
          "customer_service"),
)

_MOVE_RE = _c(_MOVE)
_MONEY_ASK_RE = _c(rf"(?:{_MOVE}|{_ASK_MONEY})")
_TOLD_RE = _c(rf"(?:{_REQ}|{_SAID}|他们|对方|那个人)")
_SECRECY_RE = dict(_PRESSURE)["secrecy"]
_TO_STRANGER_RE = _c(rf"{_MOVE}.{{0,15}}{_STRANGER}|{_STRANGER}.{{0,10}}{_MOVE}")
# A relative "in trouble" who wants it kept from the family: the money demand usually comes in the next call.
_TROUBLE_RE = _c(
    r"车祸|撞了人|撞人|被抓|抓起来|抓走|被拘|拘留|关起来|进局子|打架|打了人|绑架|被绑|绑走|出了?事|惹了?事|犯了?事|闯了?祸|嫖娼"
    r"|赌博|欠债"
    r"|欠了网贷|扣押|私了|保释|取保|住院|受伤")


def _pressure_rule(norm: str, markers: list[str]) -> tuple[str, str] | None:
    """A secrecy/urgency marker together with money going to someone else (or with a relative's trouble story
    to be kept secret): (rule name, family), or None."""
    if not markers:
        return None
    if "no_police" in markers and _MONEY_ASK_RE.search(norm):
        return "no_police_money", _actor_family(norm, "authority")
    # Someone else asked for the secrecy (他让我别告诉…): look for the asker outside the marker's own words (告诉).
    told = _TOLD_RE.search(_SECRECY_RE.sub("", norm)) is not None
    if "secrecy" in markers and told and _TROUBLE_RE.search(norm) and _KIN_RE.search(norm):
        return "secret_trouble", "relative"
    # Secrecy asked by someone who is not the customer's family (a grandson asking grandma to keep quiet about
    # his tuition money is ordinary; 电话里的人 asking is not), or with the money going to someone else.
    if "secrecy" in markers and _MOVE_RE.search(norm) and (told and not _KIN_ONLY.search(norm)):
        return "secret_transfer", _actor_family(norm, "authority")
    if _TO_STRANGER_RE.search(norm):
        return "pressure_to_stranger", _actor_family(norm, "authority")
    return None


def screen(text: str) -> FraudHit | None:
    """The scam family that `text` sounds like, or None. Normalises the text itself (raw customer text is fine);
    the first matching rule wins, most specific families first, then the pressure combinations."""
    norm = normalize(text)
    if not norm:
        return None
    markers = _markers(norm)
    for rule in _RULES:
        if rule.test(norm):
            family = rule.family or _actor_family(norm, rule.default)
            return FraudHit(family, rule.name, FAMILIES[family].explanation, bool(markers))
    combined = _pressure_rule(norm, markers)
    if combined is not None:
        # Secrecy is the hallmark of the 公检法 scripts ("秘密侦查，不许告诉任何人"), so that is the default voice.
        name, family = combined
        return FraudHit(family, name, FAMILIES[family].explanation, True)
    return None
