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
_HOTLINE = "拿不准就打反诈热线96110，或者找家人商量。"


def warning_text(family: str) -> str:
    """The customer-facing stop, in short sentences separated by "\\n": which scam it looks like, the one rule,
    hang up, nothing moved, 96110. An unknown family id gets the generic wording."""
    fam = FAMILIES.get(family, FAMILIES[GENERIC])
    lead = "这听起来像诈骗。" if fam.id == GENERIC else f"这很像{fam.name_zh}的诈骗。"
    return "\n".join((lead, fam.explanation, _HANG_UP, _NOTHING_MOVED, _HOTLINE))


# --- vocabulary ----------------------------------------------------------------------------------------------
# Regex fragments on normalised text. Patterns below name them as <NAME> (expanded by _c), so quantifiers such
# as .{0,20} stay plain regex.

_V: dict[str, str] = {}
# 额 (Shaanxi/Gansu) and 阿拉 (Shanghai) are "I" too; 额度 is not.
_V["ME"] = r"(?:我们|俺们|咱们|我|俺|咱|偶|人家|阿拉|额(?![度外]))"
# Someone asks the customer to do something: 他让我, 民警叫我, 要俺, 逼咱.
_V["REQ"] = r"(?:让|叫|喊|逼|催|要求|非要|非让|教|指导|要)<ME>"
# Reported speech and the channels a script arrives on: 他说, 电话里, 打电话来, 微信上, 短信.
# Not the customer's own words to Anxin (我说的是…, 你听我说, 我跟你讲) and not 电话银行.
_V["SAID"] = (
    r"(?:(?<![我你])(?<!我跟你)(?<!我和你)(?<!我给你)(?<!我对你)(?<!听我)(?<!我是)(?<!我刚才)(?<!我刚)(?:说|讲)(?!错|清楚)"
    r"|告诉|通知|打电话|打来|来电|电话(?!银行|费)|短信|微信|视频|qq|发消息|留言)"
)
_V["REPORT"] = r"(?:<REQ>|<SAID>)"
# Money moving (the customer's side of a script).
_V["MOVE"] = (
    r"(?:转|汇|打钱|打款|打给|打到|打过去|打过来|打(?=[0-9零一二三四五六七八九十两百千万几]+(?:块|元|万|千))|交给|交钱|交到"
    r"|上交|缴|挪|存到|存进|存入|放到|取出|取钱|取现|提现"
    r"|付|保管|送钱|拿钱|移到|移进|移走|转移)"
)
# An amount said the way people say it: 五万块, 两千元, 3000块.
_V["AMOUNT"] = r"(?:[0-9零一二三四五六七八九十两百千万几]+(?:块|元|万|千))"
# Paying something: a move, or 交 with an amount or a fee.
_V["PAY"] = r"(?:<MOVE>|(?:交|缴)(?:了|个|点|一笔)?(?:<AMOUNT>|钱|罚款|保证金|.{0,4}费))"
# Codes by any name: 验证码, 短信里的数字, 收到的六位数, 手机上来的那串数字, 转账的那个码.
_V["CODE"] = (
    r"(?:验证码|校验码|动态码|确认码|短信码|动态密码|付款码|短信.{0,4}(?:数字|码)|收到的?(?:那个|这个)?(?:数字|码|六位数|四位数)"
    r"|[四六]位数|手机上的?码|二维码|收款码|(?:那串|一串|那几个)(?:数字|数|号|字)|(?:的|那个|这个)码(?=告诉|给|念|报|发|说))"
)
# What a scheme promises.
_V["RETURN"] = (
    r"(?:高回报|高收益|高额|高息|高利息|日息|翻倍|翻番|翻一番|翻几倍|返现|返钱|分红|零风险|无风险|回报率|升值|保值"
    r"|(?:每个?月|每年|每天)都?(?:给|返|分|拿)(?:我|你|您|俺)?(?:利息|分红|回报|收益|钱))"
)
# Someone asking for money.
_V["ASK_MONEY"] = (
    r"(?:借钱|借点|借|要钱|要<AMOUNT>|急用|急着用|着急用|急需|用钱|缺钱|周转|打钱|汇钱|拿钱|垫付|垫钱"
    r"|<REQ>.{0,8}(?:转|汇|打|交|付))"
)
# Impostor authorities.
# Asking to borrow (借的钱 and 借给 are something else).
_V["BORROW"] = r"(?:(?:找|跟|向|问)(?:我|俺)借|借(?:点|些|一下|我点?|俺点?)?钱(?!给)|借(?:我|俺)?<AMOUNT>)"
_V["AUTH"] = (
    r"(?:公安|警察|民警|警官|警方|刑警|交警|刑侦|派出所|检察|法院|法官|公检法|国安|国家安全|安全局|办案|专案组"
    r"|纪委|监察委|司法|经侦|网警|禁毒|海关|反诈中心|反洗钱中心)"
)
# Impostor customer service of banks, payment platforms, shops, couriers, social security.
_V["CS"] = (
    r"(?:客服|银行的?(?:人|工作人员|经理|职员|员工|柜员)|银行(?:打电话|来电|打来|说|通知)|工作人员|支付宝|微信支付"
    r"|财付通|京东|淘宝|拼多多|抖音|快手|美团|快递|顺丰|物流|医保局|社保局|社保中心|人社局|医保中心|养老保险中心|运营商"
    r"|移动公司|电信|联通|航空公司|保险公司|银联|是.{0,4}银行的)"
)
# The customer's family (dialect included: 娃, 伢, 崽, 幺儿, 闺女).
_V["REL"] = (
    r"(?:儿子|女儿|闺女|姑娘|丫头|妮儿|妮子|孙子|孙女|外孙|孙儿|娃|孩子|孩儿|小孩|伢|崽|幺儿|儿媳|媳妇|女婿|侄子|侄女|外甥"
    r"|亲戚|老表|表哥|表弟|表姐|表妹|堂哥|堂弟|弟弟|妹妹|哥哥|姐姐|兄弟|老伴)"
)
# Friends, colleagues and bosses (the 冒充熟人/领导 scripts).
_V["FRIEND"] = (
    r"(?:老同学|同学|老朋友|朋友|老战友|战友|老乡|同乡|老同事|同事|领导|老板|上司|厂长|校长|老师|班主任|村长"
    r"|书记|主任|邻居|老邻居|熟人|发小|哥们|老姐妹|姐妹|老伙计|牌友|老哥)"
)
_V["BOSS"] = r"(?:领导|老领导|老板|上司|厂长|校长|书记|主任|局长|处长|董事长|总经理)"
# A third person behind "him": 他侄子, 他朋友, 她同学 (money for the requester's own family is not this).
_V["THIRD"] = (
    r"(?:侄子|侄女|外甥|朋友|同学|同事|老板|领导|老师|律师|医生|秘书|助理|司机|哥们|兄弟|表弟|表哥|亲戚|老乡"
    r"|对象|女朋友|男朋友|合伙人|客户|会计|财务|战友|室友|师傅|中间人|担保人|代理|经纪人|供应商|中介|护工)"
)
# Persons a stranger has money paid to: 给一个医生, 给那个中介, 给一个姓刘的.
_V["PAYEE_X"] = r"(?:中介|供应商|护工|律师|担保人|中间人|经纪人|放贷的)"
# Staff someone is told to pay personally.
_V["STAFF"] = r"(?:工作人员|客服|经理|理财经理|柜员|专员|警官|民警|警察|法官|检察官)"
# An account that is not one of the customer's saved payees ("my own new card" is not one).
_V["NEW_ACCT"] = (
    r"(?<![我俺他她])(?<!我的)(?<!俺的)(?<!他的)(?<!她的)(?<!自己)(?<!自己的)"
    r"(?:(?<![子儿女伴妇婿姐哥弟妹妈爸孙]的)新(?:开|办|换)?的?|另一个|另外一个|另一张|另外一张|别的|指定的?|他们|他们给的|他给的|她给的|对方给的|对方|给我的"
    r"|发来的|发给我的|发过来的|陌生的?|一个|对公|公司的?)的?(?:这个|那个)?"
    r"(?:账户|账号|卡号|银行卡|卡|户头)"
)
_V["STRANGER"] = (
    r"(?:<NEW_ACCT>|(?:这个|那个|对方的?|他们的?)(?:账户|账号|卡号|户头)|别人|外人|陌生人|第三方|第三人|对方|他们"
    r"|那个人|这个人|中间人|(?:他|她)的?<THIRD>)"
)
# Someone who is not the customer's family (他 alone is decided elsewhere).
_V["ASKER"] = r"(?:他们|对方|那个人|那人|有人|人家|电话里|电话那头|打电话的|陌生|那边|<AUTH>|<CS>)"
_V["TROUBLE"] = (
    r"撞了人|撞人|撞伤|被抓|被人抓|抓起来|抓走|被拘|拘留|关起来|进局子|打伤|伤了人|打了人|打人|伤人|绑架|被绑(?!定)|绑走|嫖娼|赌钱"
    r"|欠了网贷|被扣|被.{0,4}扣了|扣住|扣押|扣下|私了|保释|取保|赎金|传销|被骗进"
)
_V["MISHAP"] = (
    r"车祸|撞车|被车撞|被撞|被打|打架|出了?事|惹了?事|犯了?事|犯了?错|闯了?祸|赌博|欠债|欠了钱|欠人钱|手术室|抢救|重症"
)
_V["NOT"] = r"(?:别|不要|不能|不许|不准|不让|莫|千万别|千万不要|不可以)"

_TOKEN = re.compile(r"<([A-Z_]+)>")


def _expand(source: str) -> str:
    while _TOKEN.search(source):
        source = _TOKEN.sub(lambda m: _V[m.group(1)], source)
    return source


def _c(source: str) -> re.Pattern[str]:
    # 帐 is a standard simplified variant of 账 that the converter keeps (帐户), so every 账 matches both.
    return re.compile(_expand(source).replace("账", "[账帐]"))


# Words that turn a sentence into advice rather than a script ("千万不要把验证码告诉别人").
_NEGATION = re.compile(r"不要(?!动)|别(?![人动的])|不能|不可|千万|不会|勿|莫|不许|不准|从不|绝不|防止|谨防|小心|提醒")
# A recounted warning from the real police or bank ("民警提醒我不要给陌生人转账").
_ADVICE = re.compile(r"提醒|防骗|防诈|反诈宣传|骗子|小心|注意防范|宣传")
# Talking about scams in general (看新闻说有人冒充公检法) rather than retelling one's own call.
_NEWS = re.compile(r"新闻|电视上|骗子|骗钱|骗人|宣传|防诈|反诈|听说有人")


# --- pressure markers ----------------------------------------------------------------------------------------

_PRESSURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("secrecy", _c(
        r"<NOT><ME>?(?:(?:告诉|说给|讲给)(?:.{0,2}(?:<REL>|家里人|家人|任何人|别人|老伴|家里)们?)?|透露|声张|外传|让.{0,8}知道|跟.{0,8}(?:说|讲|提|商量)|和.{0,8}(?:说|讲|提|商量)"
        r"|给.{0,6}(?:说|讲|打电话))|保密|瞒着|秘密|一个人去|单独去|没人的地方|传出去|别让任何人|不让任何人"
        r"|(?:要是|如果)?(?:我)?跟家里人商量|连.{0,6}(?:也|都)(?:不能|不要|别|不许)(?:说|讲|告诉)")),
    ("no_police", _c(r"<NOT><ME>?报警|报警.{0,4}(?:没用|就)|<NOT><ME>?(?:去|找|问)?(?:派出所|警察)")),
    ("stay_on_line", _c(
        r"<NOT><ME>?挂(?:电话|断)?|保持通话|一直通话|开免提|一直听着|挂了电话就|调成静音|静音|谁的电话都(?:别|不要|不能)接"
        r"|(?:别|不要|不能)接(?:别人的?)?电话")),
    ("threat", _c(
        r"(?:不然|否则|要不|要不然|不转|不交).{0,8}(?:担责任|负责任|坐牢|抓|冻|拿不回来|没了|作废|犯法|法律责任|认罪"
        r"|有危险|没命)|负法律责任|后果自负|就当.{0,4}认罪|钱就(?:全)?(?:冻|没|拿不回来)")),
    ("deadline", _c(
        r"今天(?:必须|之内|内|就得|一定要|就)|必须今天|(?:\d+|一|两|半|几|二十四|十二)个?(?:小时|分钟)之?内|限时"
        r"|过期作废|来不及|过了今天|之前必须|再不.{0,4}就|最后期限")),
    ("urgency", _c(r"马上|立刻|立即|赶紧|赶快|快点|尽快|火速|十万火急|等不及|一直催|一个劲地?催")),
    ("stealth", _c(r"偷偷|悄悄")),
)


def _markers(norm: str) -> list[str]:
    return [name for name, pattern in _PRESSURE if pattern.search(norm)]


def pressure_markers(text: str) -> list[str]:
    """The secrecy/urgency markers in `text`, as stable ids in a fixed order: "secrecy" (别告诉家里人, 保密),
    "no_police" (不许报警), "stay_on_line" (别挂电话, 静音), "threat" (不然就冻结),
    "deadline" (今天必须, 限时), "urgency" (马上, 赶紧), "stealth" (偷偷). Alone they are a soft signal, never a hit."""
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


def _has(source: str, *, guard: bool = False, unless: re.Pattern[str] | None = None,
         kin_told: bool = False) -> Callable[[str], bool]:
    """A test that `source` occurs in the normalised text; with `guard`, an occurrence right after a negation
    (不要, 千万别, 不会, within 4 characters before it) does not count; with `unless`, a text matching it never hits;
    with `kin_told`, a story that only the customer's own family tells ("女儿说她的新卡已经验证好了，给她转两百")
    never hits: an impostor of that family (a service, an authority, a stranger) must be in it."""
    pattern = _c(source)

    def test(norm: str) -> bool:
        if unless is not None and unless.search(norm):
            return False
        if kin_told and _KIN_ONLY.search(norm) and "费" not in norm:
            return False
        for match in pattern.finditer(norm):
            if not guard or not _NEGATION.search(norm, max(0, match.start() - 4), match.start()):
                return True
        return False

    return test


def _both(first: Callable[[str], bool], second: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda norm: first(norm) and second(norm)


_AUTH_RE = _c("<AUTH>")
_CS_RE = _c("<CS>")
_KIN_RE = _c("(?:<REL>|<FRIEND>|<BOSS>)")
# A text that names one of the customer's family and nobody who could be an impostor.
_KIN_ONLY = _c(r"^(?!.*<ASKER>).*<REL>")


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
    _Rule("safe_place", None, _has(r"<MOVE>.{0,8}(?:安全|监管)的.{0,2}(?:账户|账号|卡|地方)"), "authority"),
    # "Hand the cash to us for safekeeping".
    _Rule("custody", None, _has(
        r"(?:交给|放到|放在|存到|存在|转给|给|交到)(?:他们|他|她|对方|警察|民警|国家|政府|那边)(?:那里|那儿|那)?(?:保管|代管|看管"
        r"|监管)|取出.{0,20}(?:保管|代管)", guard=True), "authority"),
    # Customers say "公检法" only when retelling what a caller claimed to be; a call "transferred to the police",
    # a uniform on a video call or a warrant shown in a chat are the same script.
    _Rule("authority_named", "authority", _has(
        r"公检法|冒充(?:警察|公安|民警|法院|检察)|转接.{0,6}<AUTH>|<AUTH>.{0,6}转接|警服|警官证|警号|秘密侦查"
        r"|(?:宾馆|酒店|旅馆)开(?:个|间)?房|<AUTH>.{0,4}的(?:账号|账户|卡号|银行卡|卡)"
        r"|(?:有人|有个人|一个人|那个人|那人|对方|他|她|他们|人家|电话里|电话那头|打电话的)(?:打电话)?(?:说|自称|称)"
        r"(?:他|她|他们|自己)?(?:是)?.{0,6}<AUTH>.{0,25}(?:账户|账号|卡|钱|存款|资金|身份证|问题|查|犯|案|嫌疑)",
        guard=True, unless=_NEWS)),
    _Rule("fund_check", "authority", _has(
        r"资金(?:核查|清查|审查|调查|清白)|(?:核查|清查|审查|调查)(?:你|我|您|俺)?的?(?:资金|存款|账户|财产|资产|钱)"
        r"|证明(?:你|我|您|俺)?的?清白|(?:<REQ>|<SAID>|<AUTH>).{0,15}集中到(?:一张|一个)(?:卡|账户)|透支.{0,10}(?:报案|立案|报警)"
        r"|(?:网址|链接|网站).{0,10}(?:案子|案件|通缉|逮捕)|(?:上门|派人).{0,6}(?:来)?(?:取|拿|收)(?:钱|现金|存款)"
        r"|(?:配合|接受|协助)(?:警方|公安|我们|他们)?的?(?:调查|侦查|审查|办案)"
        r"|(?:钱|资金|存款)(?:不干净|来路不明)|验(?:一下|一验)?(?:资金|存款)|验资")),
    _Rule("laundering_threat", "authority", _has(
        r"(?<!反)洗钱|洗黑钱|通缉(?!犯)|(?:逮捕|拘捕|冻结|拘留)令|传票|涉嫌.{0,10}(?:案|犯罪|诈骗|贩毒|非法|违法|走私)|涉案"
        r"|(?:案件|案子).{0,10}(?:牵连|涉及|有关|嫌疑)|(?:卷入|牵涉|牵扯|涉及)(?:到)?.{0,6}(?:案|犯罪|洗钱|诈骗)|保密协议|嫌疑人|取保候审|刑事案件|诉讼费|强制执行|保全费"
        r"|(?:说|讲)(?:我|俺|你|您)(?:犯了?事|犯罪|犯法|违法|有案底)", guard=True)),
    _Rule("authority_transfer", "authority", _has(
        r"<AUTH>.{0,8}<REPORT>.{0,30}<PAY>|(?:转|汇|交|打|付|存)(?:钱|款|账)?(?:给|到|进)了?.{0,2}<AUTH>"
        r"|(?:给|往|向)(?:那个|这个|那位)?<AUTH>(?!的|局的|旁边|附近|门口|对面).{0,8}<MOVE>",
        unless=_ADVICE)),
    _Rule("freeze_threat", "authority", _has(
        r"(?:冻结|查封|封存|坐牢|判刑|抓(?:你|我|您|俺|人)|拘留|逮捕|立案|起诉|黑名单).{0,30}(?:<REQ>|必须).{0,15}<MOVE>"
        r"|<PAY>.{0,20}(?:否则|不然|要不然|要不).{0,10}(?:冻结|查封|坐牢|抓|拘留|逮捕|起诉|判刑)")),
    # -- credentials: codes, PINs, screen sharing, remote control -------------------------------------------
    _Rule("remote_control", "credentials", _has(
        r"屏幕共享|共享屏幕|屏幕分享|分享屏幕|共享桌面|开共享|远程控制|远程协助|远程操作|远程桌面|向日葵|todesk"
        r"|teamviewer|anydesk|quicksupport|腾讯会议|zoom|钉钉会议|飞书会议|会议软件|会议app|会议号|云视讯"
        r"|(?:视频)?会议.{0,10}(?:共享|屏幕|教我|教俺|操作|指导)|远程(?:帮|操作|弄|看|控制|指导|教)"
        r"|看我的?(?:手机)?屏幕|屏幕.{0,6}(?:给他|给她|给他们|给对方|给人|让他|让她)看"
        r"|手机(?:就)?自己(?:在)?(?:动|操作|转)|(?:他|她|对方|他们|人家)(?:在)?那边(?:来|帮我|帮俺|给我|替我)?(?:操作|弄|转|控制)"
        r"|按(?:他|她|对方)说的(?:点|按|操作)|(?:关掉|关闭|关了)(?:手机上?的?)?(?:安全|提醒|防护|反诈|风险)", guard=True)),
    _Rule("code_request", "credentials", _has(
        r"<CODE>.{0,8}(?:告诉|给他|给她|给他们|给对方|发给|发他|发过去|念|报给|说给|读给|说一下|说出来|输入到|填到|截图|拍照)"
        r"|(?:告诉|发给|念给|报给|说给|读给)(?:他|她|他们|对方|人家|那个人|那人|客服).{0,6}<CODE>"
        r"|(?:问我要|跟我要|向我要|找我要|(?<!会)要(?:我|俺)的?|要了(?:我|俺)的|问我).{0,6}<CODE>|验证码是?\d{4,8}"
        r"|(?:念|读|报)(?:一下|一遍)?.{0,4}<CODE>"
        r"|短信(?:转发|截图|拍照)|转发.{0,4}短信", guard=True)),
    _Rule("pin_request", "credentials", _has(
        r"(?:密码|pin|口令).{0,6}(?:告诉|给|发给|发他|念给|报给|说给|读给|填到|填进|输入到|截图|拍照)(?:了)?(?:那个|这个)?"
        r"(?:他|她|他们|对方|人家|那人|客服|工作人员|警察|民警|经理|专员)"
        r"|(?:告诉|发给|念给|报给|说给|读给)(?:他|她|他们|对方|人家|那个人|那人|客服).{0,6}(?:密码|pin)"
        r"|(?:问我要|跟我要|向我要|找我要|(?<!会)要(?:我|俺)的|要了(?:我|俺)的|问我|问俺|让我说|叫我说|让我报|叫我报|让我念|叫我念)"
        r".{0,12}(?:密码|pin|卡号)|(?:密码|pin)(?:改成|换成|设成|设置成).{0,6}(?:他|她|他们|对方)"
        r"|(?:银行卡|卡|身份证|存折).{0,6}(?:正反面|拍照|拍个照|拍张照|照片|拍下来).{0,8}(?:发给|发他|给他|给她|给对方|传给)"
        r"|(?:扫|点|打开).{0,8}(?:二维码|码|链接|网址|网页).{0,15}(?:输|填|登录|录入).{0,4}(?:密码|卡号|验证码|身份证)"
        r"|(?:手机|手机银行|银行卡|u盾|存折|身份证)借给(?:他|她|他们|对方|人家|别人)"
        r"|把手机(?:给|交给)(?:他|她|对方|人家|别人|那个人)|(?:有效期|背面|安全码|cvv).{0,10}(?:发给|告诉|报给|念给)"
        r"|(?:他|她|他们|对方|人家)(?:要)?用(?:我|俺)的(?:手机银行|银行卡|u盾|身份证)"
        r"|(?:刷脸|人脸|扫脸|脸部|面部|眨眼|摇头).{0,10}(?:视频|录像|照片)?.{0,6}(?:发给|发他|录下来|录给)"
        r"|(?:他说的|他给的|他发的)(?:软件|app|链接).{0,6}(?:扫脸|刷脸|人脸)"
        r"|(?:换绑|解绑|绑定)(?:到)?(?:他|她|他们|对方)", guard=True)),
    _Rule("password_typed", "credentials", _has(r"<REQ>.{0,10}输(?:入)?(?:一下|个)?密码", guard=True,
                                             unless=re.compile(r"手机银行|银行app|柜员机|atm|取款机|机器|柜台"))),
    _Rule("app_download", "credentials", _has(
        r"(?:<REQ>|<SAID>|<CS>).{0,15}(?:下载|安装|装)(?:一个|个)?.{0,8}(?:软件|app|应用|程序|插件|会议|apk)"
        r"|点(?:开)?.{0,4}链接.{0,10}(?:填|输|登录|卡号|密码|验证码)",
        unless=re.compile(r"手机银行|银行app|银行的app|官方"))),
    # -- customer service: unsafe card, refunds and claims, 百万保障, card/social-security "upgrades" -------------
    _Rule("card_unsafe", "customer_service", _has(
        r"(?:卡|账户|账号|存款|资金|钱|微信|支付宝|手机)(?:有|不)?.{0,4}(?:不安全|有风险|风险|有危险|被盗|盗刷|泄露|泄漏|有问题"
        r"|出问题|出了问题|异常|被人用|被冒用|被监控|中毒|被人盯上|被盯上|被黑|被攻击).{0,20}(?:<REQ>|必须|得|要).{0,20}"
        r"(?:<MOVE>|换(?:个|一个|张)?(?:账户|卡|地方))"
        r"|(?:<CS>|<SAID>).{0,20}(?:冻结|停用|作废|锁定|被锁|注销|降级).{0,20}(?:<REQ>|必须|得|要).{0,10}<MOVE>",
        # a loan "frozen because of a typo" is the fee script (loan_fee)
        unless=re.compile("贷款|借款|额度|网贷|放款"))),
    _Rule("refund_claim", "customer_service", _has(
        r"(?:<CS>|<SAID>).{0,15}(?:退款|退费|理赔|赔偿|赔付|补偿|退还|返还|退保|退货|赔你|赔您|赔我|快递丢|包裹丢|丢件"
        r"|质量问题|保单|能退|可以退|退给|退我|退你|退您|航班取消|改签|退票|订单.{0,4}(?:问题|异常|失效|冻结))"
        r".{0,30}(?:<MOVE>|验证码|借|贷|备用金|保证金|手续费|扫.{0,2}码|二维码|链接|下载|屏幕|共享|花呗|借呗|额度|卡号|密码"
        r"|操作|按他说|照他说|加.{0,2}(?:微信|qq|好友|群))"
        r"|(?:退款|理赔|赔偿|退钱|赔钱).{0,10}(?:先转|先交|先付|先打|转钱过去|交钱)")),
    _Rule("points_and_rates", "customer_service", _has(
        r"积分.{0,10}(?:兑换|过期|清零).{0,20}(?:链接|下载|填|卡号|密码|验证码|<MOVE>)"
        r"|(?:<CS>|<SAID>|<REQ>).{0,20}(?:降低利息|降息|降低利率|提额|提高额度|解绑).{0,15}(?:<MOVE>|交|验证)"
        r"|征信.{0,6}(?:有问题|不好|有污点|受影响|有记录).{0,20}(?:<MOVE>|交钱|交费)", guard=True)),
    _Rule("protection_cancel", "customer_service", _has(
        r"百万保障|(?:<CS>|<SAID>|<REQ>).{0,20}(?:(?:保障|会员|vip|分期|代理|贷款|借款|网贷|学生贷|校园贷|白条|金条"
        r"|花呗|借呗).{0,15}(?:取消|关闭|关掉|注销)|(?:取消|关闭|关掉|注销).{0,6}(?:保障|会员|vip|校园贷|学生贷|网贷|借款"
        r"|贷款|白条|代理|分期)|(?:不取消|不关闭|不关|不注销|影响).{0,6}(?:征信|扣)"
        r"|(?:会员|保障|服务|保险).{0,10}(?:每个?月|自动)?扣(?:钱|费))")),
    _Rule("card_upgrade", "customer_service", _has(
        r"(?:<CS>|<SAID>|<REQ>|有人|那个人|人家).{0,15}(?:银行卡|储蓄卡|信用卡|卡|社保|医保|养老金|养老保险|退休金|高龄补贴"
        r"|补贴|补助|账户|u盾|网银|etc|手机银行|号码|手机号|电话|保险|保单|会员|套餐|宽带).{0,4}(?:升级|认证|年审|资格|激活"
        r"|过期|到期|失效|作废|停用|停机|实名|降级|审核|验证|领取|发放|申领|核定|重新|调整|补缴|提高|上调|更换|换成|更新)"
        r".{0,20}(?:交|缴|费|转|汇|付|验证码|链接|下载|扫码|二维码|卡号|密码)"
        r"|(?:<CS>|<SAID>|有人|那个人|人家).{0,10}(?:升级|认证|年审|激活|核定|资格认证).{0,20}(?:交|缴|费|转|汇|付|验证码"
        r"|卡号|密码)"
        r"|(?:升级|认证|年审|激活|核定|验证)费"
        r"|(?:社保|医保|养老金|养老保险|退休金).{0,6}(?:认证|升级|年审|激活|核定).{0,8}(?:交钱|交费|先交|收费|费)",
        unless=re.compile("不收费|免费|不要钱|不用交|不花钱|不用花钱"), kin_told=True)),
    _Rule("parcel_trouble", None, _has(
        r"(?:快递|包裹|邮件|邮包).{0,15}(?:违规|违禁|毒品|护照|查出|扣押|海关|扣了|被扣|签不了|无法签收|派送失败|超重)"
        r".{0,25}(?:交|罚款|<MOVE>|<AUTH>|转接|配合)"), "customer_service"),
    _Rule("wrong_payment", "customer_service", _has(
        r"(?:<SAID>|<REQ>|有人|对方|人家).{0,15}(?:多发|发错|转错|打错|误转|错转)了?.{0,25}(?:退|还|转|打)(?:回|给)?"
        r".{0,10}(?:他们|他|她|对方|账户|卡)", guard=True)),
    _Rule("service_account", None, _has(
        r"<CS>.{0,10}<REPORT>.{0,30}<MOVE>.{0,10}(?:<NEW_ACCT>|(?:这个|那个)(?:账户|账号|卡号|卡))"
        r"|(?:转|汇|打)(?:钱|款|账)?(?:给|到)(?:那个|这个|那位)<STAFF>|<MOVE>.{0,6}<STAFF>的(?:个人)?(?:账户|账号|卡)"
        r"|交给(?:那个|这个|那位)?<STAFF>|(?:给|往|向)(?:那个|这个|那位)<STAFF>.{0,8}<MOVE>"
        r"|<MOVE>.{0,8}(?:他|她)?的?个人(?:账户|卡|账号)", guard=True, unless=_ADVICE), "customer_service"),
    # -- relatives, friends, bosses: new number, accident/arrest, third person's account, urgent loan ----------
    _Rule("new_number", "relative", _has(
        r"(?:(?:换了?|新)(?:了|个|的|一个)?(?:手机)?(?:号码|号|微信|qq|手机号|电话)|(?:号码|手机号|电话号|微信|qq)"
        r"(?:换了|改了|丢了|被盗|不用了|停机|坏了)|(?:手机|电话)(?:丢了|坏了|掉了|摔坏|掉水里)|用(?:他|她)?(?:同学|朋友|别人|同事)"
        r"的(?:手机|电话|号)|头像|加(?:我|俺)的?新?(?:微信|qq|好友)).{0,30}<ASK_MONEY>")),
    _Rule("impersonated_relative", "relative", _has(
        r"(?:冒充|自称|假装|假冒)(?:是)?(?:你|我|您|俺)?的?<REL>|猜猜?(?:我|他|她)是谁|绑架|被绑(?!定)|绑走|赎金|赎人|撕票|保释金|取保金"
        r"|(?:有人|有个人|一个人|那个人|那人|对方|陌生人|电话里|电话那头|一个男的|一个女的|人家)(?:打电话)?(?:说|自称|称)"
        r"(?:他|她|自己)?是(?:你|我|您|俺)?.{0,4}<REL>"
        r"|说是(?:你|我|您|俺)的?<REL>|(?:奶奶|爷爷|姥姥|姥爷|外婆|外公)救(?:救)?我"
        r"|<REL>的?(?:老师|同学|朋友|医生|领导|同事|班主任|辅导员|室友).{0,6}<SAID>.{0,25}(?:<MOVE>|<ASK_MONEY>|费)")),
    # Arrest, detention, hurting someone, kidnapping, a "settlement": money for that is the script by itself.
    _Rule("relative_in_trouble", "relative", _has(
        r"(?:<TROUBLE>).{0,30}(?:<MOVE>|<ASK_MONEY>|交|钱|医药费|手术费|赔偿|赔钱|押金|保证金|保释金|罚款|罚金|<AMOUNT>|才能出来"
        r"|放人)", guard=True)),
    # An accident, a debt, "something happened": ordinary when the customer knows it, the script when it is a call
    # or someone else's word (有人打电话说我儿子出车祸了, 孙子说他出事了要钱).
    _Rule("relative_mishap_told", "relative", _both(
        _has(r"(?:<MISHAP>).{0,30}(?:<MOVE>|<ASK_MONEY>|交|医药费|手术费|赔偿|赔钱|押金|罚款|<AMOUNT>)", guard=True),
        _has(r"<SAID>|<REQ>|有人|那个人|那人|对方"))),
    _Rule("third_party_account", "relative", _has(
        r"<MOVE>.{0,10}(?:给|到|进|入)?(?:他|她|他们|她们|对方)(?:的|家)?(?:一个|那个)?<THIRD>"
        r"|(?:给|到)(?:他|她|他们|她们|对方)(?:的|家)?(?:一个|那个)?<THIRD>.{0,10}<MOVE>"
        r"|<REQ>.{0,10}<MOVE>.{0,6}(?:给|到)?(?:那个|一个|某个)?<PAYEE_X>|<MOVE>.{0,6}(?:给|到)?(?:那个|一个|某个)<PAYEE_X>"
        r"|(?:给|到)(?:那个|一个|某个)<PAYEE_X>.{0,8}<MOVE>"
        r"|(?:<MOVE>.{0,4})?(?:给|到)(?:医院的?|学校的?)?(?:一个|某个)(?:医生|叫.{0,6}的|姓.{0,3}的|放贷的)(?:人)?(?:.{0,8}<MOVE>)?"
        r"|<REQ>.{0,15}<MOVE>.{0,8}(?:给|到|进)?(?:别人|外人|陌生人|第三方|第三人|中间人)"
        r"|(?:给|到)(?:他|她)?(?:网上认识的|不认识的|陌生的)(?:一个)?人.{0,6}<MOVE>"
        r"|<MOVE>.{0,10}(?:给|到)?(?:我|俺|你)?的?<REL>的(?:同学|朋友|同事|室友|老板|领导|师傅|哥们)"
        r"|(?:给|到)(?:我|俺|你)?的?<REL>的(?:同学|朋友|同事|室友|老板|领导|师傅|哥们).{0,10}<MOVE>", guard=True)),
    # A friend or boss asking to pay his brother, his in-laws: 老同学让我转给他弟弟.
    _Rule("friend_third_party", "relative", _has(
        r"(?:<FRIEND>|<BOSS>|对方|那个人|那人).{0,30}<MOVE>.{0,10}(?:给|到|进)?(?:他|她)(?:的|家)?(?:弟弟|哥哥|姐姐|妹妹"
        r"|舅舅|叔叔|姑姑|阿姨|小舅子|亲家|表妹|表姐|家人|儿子|女儿|孩子|媳妇|老婆|老公)", guard=True)),
    # A "teacher" collecting money into a personal account or QR code (冒充老师收费).
    _Rule("teacher_fee", "relative", _has(
        r"(?:老师|班主任|辅导员|校长).{0,8}(?:<REQ>|<SAID>|群里).{0,20}<MOVE>.{0,6}(?:他|她|个人|二维码|收款码)", guard=True)),
    # "Pay or your son gets hurt".
    _Rule("harm_threat", None, _has(
        r"(?:不|没)(?:把钱)?(?:转|打|给|交|还|拿钱|打钱)(?:过去|钱|的话)?.{0,8}(?:就|会|要)?.{0,4}(?:有危险|出事|撕票|没命|打断|弄死"
        r"|砍|好看|坐牢|被抓|强制执行)|报警.{0,6}(?:没命|撕票|有危险)"), "relative"),
    # A friend or colleague asking through a chat or a call (the impostor's channel), urgently; or to advance money.
    _Rule("friend_urgent", "relative", _has(
        r"<FRIEND>.{0,8}(?:微信|qq|短信|打电话|发消息|来电|视频|网上|电话).{0,25}(?:急用|急着用|着急用|急需|出事|出了事"
        r"|马上|立刻|赶紧|周转|垫付|垫钱|<BORROW>)|(?:<FRIEND>|<BOSS>).{0,8}<REQ>.{0,10}(?:垫付|垫钱|垫一下)")),
    _Rule("boss_request", "relative", _has(
        r"<BOSS>.{0,8}(?:<REQ>|<SAID>).{0,25}(?:<MOVE>|垫|借)", guard=True)),
    # -- investment, pension projects, health products, crypto, romance ------------------------------------
    _Rule("guaranteed_return", "investment", _has(
        r"保本保息|保本保收益|保本高息|保本.{0,6}<RETURN>|<RETURN>.{0,6}保本|稳赚|包赚|只赚不赔|躺赚|稳赢|必赚|以房养老|原始股|拉人头|拉人进|发展下线|入会费|内幕消息"
        r"|内部产品|内部渠道|内部名额|荐股|带单|喊单|抄底|投资老师|(?:炒股|股票|投资|理财|炒币|赚钱|外汇|期货|黄金)的?群"
        r"|(?:老师|导师)带(?:我|俺|咱|着)?.{0,4}(?:炒|投|赚|买)"
        r"|(?:肯定|一定|保证|绝对|稳)(?:能)?(?:赚|挣|赢|涨|翻倍)|(?:绝对|保证|百分百|肯定)(?:安全|不亏|不会亏|没风险)"
        r"|保证不亏|只涨不跌|赚.{0,2}[一两几]倍"
        r"|(?:比|是)(?:存)?(?:银行|存款|定期)的?.{0,4}(?:高|多|强)(?:好几|几|[0-9一二三四五六七八九十两]+)倍"
        r"|比(?:存)?银行(?:高|强|多)(?:多了|很多|好多|得多)"
        r"|(?:房子|房产|房本|房产证).{0,6}抵押.{0,20}(?:投资|项目|理财|养老|利息|回报|分红)|放贷.{0,10}利息"
        r"|(?:年化|年收益|月收益|收益率|保证|承诺|固定)(?:收益|回报)?(?:百分之)(?:十|[二三四五六七八九]十)"
        r"|(?:年化|年收益|月收益|收益率)(?:收益)?[1-9][0-9]|内部消息"
        r"|(?:治好|治愈|根治|包治).{0,15}(?:<AMOUNT>|一盒|一疗程|交钱|付钱|转钱)", guard=True)),
    _Rule("high_return", "investment", _has(
        r"<RETURN>.{0,20}(?:投资|项目|平台|入股|认购|群|老师|导师|app|软件|网站|公司|基金会|合作社|他们|对方|会员|养生)"
        r"|(?:投资|项目|平台|入股|认购|群|老师|导师|app|软件|网站|公司|合作社|会员|养生).{0,20}<RETURN>"
        r"|(?:投|投资|入股|认购|加盟).{0,10}(?:[0-9一二三四五六七八九十两几半]+个?(?:月|年|天|周)(?:后|以后|之后)?|每个?月|每年"
        r"|每天|每周).{0,4}(?:返|分红|分|赚|拿|给|变成|翻).{0,3}(?:<AMOUNT>|百分之|\d+%)"
        r"|(?:纪念币|邮票|藏品|收藏品|古董|玉石|字画|金币|银币|纪念钞).{0,20}(?:升值|保值|翻|回购|值)", guard=True)),
    _Rule("pension_project", "investment", _has(
        r"(?:养老项目|养老公寓|养老院床位|养老基金|养老服务中心|养老机构|老年公寓|养老中心|康养|旅居养老|养老社区|养老产业).{0,20}(?:投资|入股|认购|预存|预交"
        r"|会员|交钱|<MOVE>|返|分红|利息|回报)|(?:投资|入股|认购).{0,10}养老"
        r"|养老院.{0,10}(?:预存|预交|利息|分红|投资|入股|返|回报|会员卡)", guard=True)),
    _Rule("health_product", "investment", _has(
        r"(?:保健品|保健食品|理疗仪|磁疗|药酒|神药|特效药|床垫|净水器|产品|养生馆|养生).{0,20}(?:返现|返钱|返利|返本|分红|投资"
        r"|入股|讲座|包治|根治|治病|专家|免费体检|免费领|会员)|包治百病|(?:包治|根治).{0,10}(?:交|付|转|钱)|健康讲座",
        guard=True)),
    _Rule("crypto", "investment", _has(
        r"(?:虚拟币|虚拟货币|数字货币|加密货币|比特币|usdt|泰达币|以太坊|狗狗币|币圈|炒币|挖矿|矿机|区块链|数字藏品|nft|元宇宙)"
        r".{0,15}(?:投|买|转|充|赚|收益|平台|项目|老师|群|交|钱|汇|提现|回报|涨)"
        r"|(?:投|买|转|充|赚).{0,10}(?:虚拟币|虚拟货币|数字货币|加密货币|比特币|usdt|泰达币|以太坊|币圈|炒币|矿机|数字藏品)",
        guard=True)),
    _Rule("romance", "investment", _has(
        r"(?:网友|网恋|婚恋|交友|相亲网|直播间|主播|(?:网上|微信|抖音|快手|qq|直播|游戏|群里)(?:上|里)?(?:认识|交的)"
        r"|(?:网上|微信上|抖音上|网络上).{0,8}(?:男的|女的|男人|女人|大哥|大姐|美女|帅哥|对象|男朋友|女朋友)|军官|维和)"
        r".{0,30}(?:投资|平台|博彩|彩票|稳赚|带我|赚钱|充值|充钱|<REQ>.{0,10}<PAY>|借|打钱|急用|彩礼|网站|黄金|门路|门道"
        r"|手续费)")),
    _Rule("online_partner", "investment", _both(
        _has(r"(?:网上|微信|抖音|快手|qq|直播|游戏|群里|网络)(?:上|里)?(?:认识|交)的?(?:一个|那个)?(?:男朋友|女朋友|对象|男的|女的"
             r"|大哥|大姐|老公|老婆|军官|帅哥|美女|男人|女人)|网友|网恋"),
        _has(r"<MOVE>|<BORROW>|打钱"))),
    _Rule("investment_platform", "investment", _has(
        r"(?:投资|理财|炒股|博彩|交易|炒币|期货|外汇)(?:平台|app|网站|软件).{0,10}(?:充值|充钱|<MOVE>)"
        r"|(?:充值|充钱|<MOVE>).{0,8}(?:投资|理财|炒股|博彩|交易|炒币|期货|外汇)(?:平台|app|网站|软件)", guard=True)),
    _Rule("gambling_platform", "investment", _has(
        r"(?:博彩|彩票平台|时时彩|百家乐|赌博网站|网赌|赌球).{0,20}(?:<MOVE>|充值|赚|投|平台)", guard=True)),
    # -- fees: prizes, 刷单返利, unfreezing, loan deposits, tax before a payout, subsidies -----------------------
    _Rule("prize_fee", "fee", _has(
        r"(?:中奖|中了.{0,6}?(?:奖|车|汽车|手机|电脑|金条|礼品|礼包)|抽中|获奖|得奖|幸运观众|幸运用户|领奖|兑奖|奖品|大奖"
        r"|免费领|抢到.{0,10}名额|领鸡蛋)"
        r".{0,25}(?:先交|交|缴|税|手续费|保证金|公证费|邮费|运费|激活费|费用|会员费|先付|先转|打钱|验证码)", guard=True)),
    _Rule("order_brushing", "fee", _has(
        r"刷单|刷信誉|刷好评|刷流水|刷销量|做任务.{0,8}(?:返|赚|佣金|提现)|(?:点赞|关注|评论).{0,6}(?:赚|返|佣金|任务)|返利|返佣"
        r"|垫付.{0,10}(?:任务|返|佣金|提现)|兼职.{0,10}(?:垫付|返|佣金|刷|日结|打字员|押金|先交)|佣金.{0,10}(?:先|垫|交|转)"
        r"|(?:再做|做完).{0,4}(?:单|任务).{0,10}(?:本金|提现|提出)|打字.{0,6}赚钱.{0,10}(?:交|押金)", guard=True)),
    _Rule("unfreeze_fee", None, _has(
        r"解冻(?:费|金|资金|款)|(?:交|缴|付|转|汇)(?:了|点|一笔|些)?(?:钱|费|费用|保证金|手续费).{0,6}(?:才能|才可以|就能"
        r"|就可以|能|好)解冻|解冻.{0,8}(?:交|缴|付|转|汇|费|钱)|激活费|提现费|出款费|通道费|认证费|验资费|征信修复"
        r"|(?:转钱|交钱)解冻", guard=True)),
    _Rule("loan_fee", "fee", _has(
        r"(?:贷款|借款|网贷|放款|下款|放贷|额度|提现|借钱|借的钱|网上借|办信用卡|办卡).{0,15}(?:保证金|验资|解冻|会员费|包装费|刷流水|认证费"
        r"|押金|先交|先转|先付|先打|征信修复|证明还款能力|保险费)"
        r"|(?:保证金|验资|押金|解冻费|刷流水|还款能力).{0,10}(?:贷款|放款|下款|借款|额度)"
        r"|流水不(?:够|足)|(?:贷款|借款|额度).{0,10}(?:填错|写错|冻结)|(?:卡号|银行卡).{0,4}(?:填错|写错|输错|弄错)", guard=True)),
    _Rule("job_fee", "fee", _has(
        r"(?:<SAID>|<REQ>|对方|人家|招聘|中介).{0,20}(?:上岗|入职|工作|招聘|培训|录用|面试).{0,10}(?:先交|交.{0,4}费|押金|保证金"
        r"|服装费|体检费)|(?:培训|服装|入职|工装|押金|体检)费.{0,8}(?:才能|才可以|就能|再)(?:上岗|入职|工作|录用|上班)",
        guard=True)),
    _Rule("credit_repair", "fee", _has(r"(?:修复|消除|洗白|处理|删除)(?:不良)?征信|征信(?:修复|洗白)|消除逾期", guard=True)),
    _Rule("deposit_fee", None, _has(
        r"(?:交|缴|付|转|打|汇|存|先|要).{0,8}保证金|保证金.{0,8}(?:才能|才可以|解冻|放款|贷款|提现|退还|返还|退回)",
        guard=True)),
    _Rule("tax_first", "fee", _has(
        r"(?:先交|先缴|要交|要缴|先付)(?:个人所得|所得|个)?税|退税.{0,20}(?:<REQ>|链接|验证码|卡号|密码|操作|扫码|下载|先交"
        r"|交钱|转钱|手续费)|<SAID>.{0,10}退税", guard=True)),
    # Money asked for before money is paid out: 补贴, 补助, 补发的养老金 "after a small fee".
    _Rule("pay_first", "fee", _has(
        r"(?:补贴|补助|补偿金|救济金|扶贫款|慰问金|高龄津贴|红利|福利|奖励金|补发|养老金|退休金|保险金|理赔款|退保金).{0,20}(?:先交|要交|交.{0,6}费"
        r"|手续费|工本费|保证金|激活费|认证费)|(?:交|付|转)(?:了|一笔|点)?.{0,8}(?:钱|费).{0,6}才能(?:领|拿到|提现|提出|到账"
        r"|放款|下款|发货|发放|兑奖|领取|送)|(?:交|付|转).{0,10}(?:费|钱).{0,15}(?:能|就能|可以|才能)(?:领|拿|得|返).{0,8}"
        r"(?:补贴|补助|养老金|分红|返利|奖励)", guard=True,
        # "养老金到了再帮我交电费": the customer's own household bill is not a fee before a payout.
        unless=re.compile("电费|水费|燃气费|煤气费|话费|物业费|暖气费|取暖费"))),
    # -- whoever is asking ---------------------------------------------------------------------------------
    # Told what to say if the bank asks (银行问就说是给亲戚转的, 别跟柜台说实话): a transfer is being steered.
    _Rule("cover_story", None, _has(
        r"(?:银行|柜台|柜员|工作人员|别人|人家)(?:的人)?(?:要是|如果)?问.{0,8}(?:就说|你就说|就讲|就答)"
        r"|(?:别|不要|不能)(?:跟|和|对)(?:银行|柜台|柜员|工作人员).{0,4}(?:说实话|讲实话|说)|不能说是(?:他|她|他们)(?:让|叫)"),
        "authority"),
    # Money to a new account on someone's say-so.
    _Rule("given_account", None, _has(
        r"<MOVE>.{0,10}(?:他|她|他们|对方|人家|那人|客服|那个人|<STAFF>)(?:给|发|说|指定|提供)(?:的|我的)(?:那个|这个)?新?"
        r"(?:账户|账号|卡号|卡|户头)"
        r"|(?:给|往|向|到)(?:他|她|他们|对方|人家|那人|客服|那个人|<STAFF>)(?:给|发|说|指定|提供)(?:来|过来)?的(?:这个|那个)?"
        r"新?(?:账户|账号|卡号|卡|户头).{0,8}<MOVE>", guard=True), "customer_service"),
    _Rule("new_account", None, _has(r"<REQ>.{0,25}<MOVE>.{0,10}<NEW_ACCT>", guard=True), "customer_service"),
    # Only reported (他说…转到新卡): not when a relative of the customer is the one telling about his own new card.
    _Rule("new_account_said", None, _has(
        r"<SAID>.{0,25}<MOVE>.{0,10}<NEW_ACCT>|<MOVE>.{0,10}<NEW_ACCT>.{0,25}<SAID>", guard=True, unless=_KIN_ONLY),
        "customer_service"),
)

_MONEY_RE = _c("(?:<MOVE>|<ASK_MONEY>)")
_MOVE_RE = _c("<MOVE>")
_ASKER_RE = _c("<ASKER>")
_HE_RE = re.compile("他|她")
_TO_STRANGER_RE = _c(r"<MOVE>.{0,15}<STRANGER>|<STRANGER>.{0,10}<MOVE>")
_STRIP_MARKERS = [pattern for _, pattern in _PRESSURE]
# A relative "in trouble" who wants it kept from the family: the money demand usually comes in the next call.
_TROUBLE_RE = _c(
    r"车祸|撞了人|撞人|被车撞|被抓|被人抓|抓起来|抓走|被拘|拘留|关起来|进局子|打架|打了人|绑架|被绑|绑走|出了?事|惹了?事|犯了?事"
    r"|犯了?错|闯了?祸|嫖娼|赌博|欠债|欠了网贷|扣押|扣住|私了|保释|取保|住院|受伤|传销")


def _pressure_rule(norm: str, markers: list[str]) -> tuple[str, str] | None:
    """A secrecy/urgency marker together with money going to someone else, a stranger asking, or a relative's
    trouble story to be kept secret: (rule name, family), or None. A relative asking for money for himself with
    some hurry (儿子让我马上给他转) is not one."""
    found = set(markers) - {"stealth"}
    if not found:
        return None
    rest = norm
    for pattern in _STRIP_MARKERS:
        rest = pattern.sub("", rest)
    # Who is asking: a stranger by name (对方, 电话里, 民警), or "he" in a story that names no relative at all.
    stranger = _ASKER_RE.search(rest) is not None or (_HE_RE.search(rest) is not None and not _KIN_RE.search(rest))
    money = _MONEY_RE.search(norm) is not None
    to_stranger = _TO_STRANGER_RE.search(norm) is not None
    if "secrecy" in found and _TROUBLE_RE.search(norm) and _KIN_RE.search(norm):
        return "secret_trouble", "relative"
    if not money:
        return None
    if found & {"no_police", "stay_on_line"}:
        return "isolated_transfer", _actor_family(norm, "authority")
    if found & {"secrecy", "threat"} and (stranger or to_stranger):
        return "secret_transfer", _actor_family(norm, "authority")
    if to_stranger:
        return "pressure_to_stranger", _actor_family(norm, "authority")
    return None


def _segments(text: str) -> list[str]:
    """The normalised messages of `text`. Several messages joined by newlines (a flow's context) are screened one
    by one, so words of two messages never join into a pattern that neither holds; fragments shorter than a few
    characters ("安\n全\n账\n户", a slot answer such as "儿子") stay joined to their neighbours."""
    segments: list[str] = []
    for line in text.splitlines():
        norm = normalize(line)
        if not norm:
            continue
        if segments and (len(segments[-1]) < _FRAGMENT or len(norm) < _FRAGMENT):
            segments[-1] += norm
        else:
            segments.append(norm)
    return segments


_FRAGMENT = 5


# "我儿子在公安局上班", "闺女是法院的": where one of the customer's family works, not who is on the phone. The words
# are taken out before the rules read the text, so the family member's own request is judged like any other.
_KIN_WORKPLACE = _c(r"(<REL>)(?:在|是)<AUTH>(?:局|所|院|大队|支队|系统)?(?:上班|工作|当差|任职|的|当.{1,3}?(?=[，,。他她]|$))")


def _screen_one(norm: str) -> FraudHit | None:
    norm = _KIN_WORKPLACE.sub(r"\1", norm)
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


def screen(text: str) -> FraudHit | None:
    """The scam family that `text` sounds like, or None. Normalises the text itself (raw customer text is fine);
    the first matching rule wins, most specific families first, then the pressure combinations. A text of several
    lines is screened line by line (see _segments); `pressure` is set when a marker occurs anywhere in it."""
    if not text:
        return None
    for norm in _segments(text):
        hit = _screen_one(norm)
        if hit is not None:
            if not hit.pressure and pressure_markers(text):
                hit = FraudHit(hit.family, hit.rule, hit.explanation, True)
            return hit
    return None
