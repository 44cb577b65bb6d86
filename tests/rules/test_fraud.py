"""The one fraud policy: every family is caught in the words seniors use, ordinary transfers are not."""
from __future__ import annotations

import pytest

from rules.fraud import FAMILIES, GENERIC, Family, FraudHit, pressure_markers, screen, warning_text

SCREEN_FAMILIES = ("authority", "customer_service", "relative", "investment", "fee", "credentials")

# (family, sentence): written for this test, the way a customer retells a call.
HITS = [
    ("authority", "电话里的民警叫我别跟孩子们讲，把钱交给他们保管"),
    ("authority", "公安局打电话让我转账配合调查"),
    ("authority", "检察院的人说要资金核查，让我汇款"),
    ("authority", "他们说我涉嫌洗钱，要把钱转到安全账户"),
    ("authority", "法院的人说我有传票"),
    ("authority", "说我被通缉了，让我交保证金才能解冻"),
    ("authority", "公检法通知"),
    ("authority", "警察说俺的账户涉案了，叫俺把存款转过去"),
    ("customer_service", "银行的人打电话说我卡不安全，让我把钱挪到一个新账户里"),
    ("customer_service", "他们说我开通了百万保障，不取消每个月扣钱"),
    ("customer_service", "社保局打电话说我的社保卡要认证，要交二百块钱"),
    ("customer_service", "电话里说养老金资格认证要交费"),
    ("customer_service", "快递公司说包裹丢了要给我理赔，让我把钱转过去验证一下"),
    ("relative", "我老同学说他急着用钱，叫我先转两千给他侄子"),
    ("relative", "我儿子换了新号码找我借钱"),
    ("relative", "俺娃出车祸了，电话里那人让俺赶紧打钱"),
    ("relative", "孙子被抓了要交保释金"),
    ("relative", "自称是我孙子的人要我打钱"),
    ("relative", "领导让我先垫付一笔钱"),
    ("relative", "孙子说让我把钱转到他同学的卡上"),
    ("investment", "这个项目保本保息，一年翻倍"),
    ("investment", "有个以房养老的项目，利息很高"),
    ("investment", "听讲座买保健品还能返现"),
    ("investment", "网上认识的对象带我投资虚拟币"),
    ("investment", "养老公寓交十万入股，每年分红"),
    ("fee", "中奖了要先交手续费"),
    ("fee", "手机上刷单返利能赚钱"),
    ("fee", "贷款要先交保证金"),
    ("fee", "交了解冻费才能提现"),
    ("fee", "说我中了大奖，先交个人所得税才能领"),
    ("credentials", "银行的人让我把验证码告诉他"),
    ("credentials", "你把短信验证码念给我听"),
    ("credentials", "他让我开屏幕共享"),
    ("credentials", "装个向日葵让他帮我操作"),
    ("credentials", "那个人问我要密码"),
    ("credentials", "客服叫我下载一个会议软件"),
    # more ways of telling it, dialect included
    ("authority", "说我医保卡在外地被人盗刷了，给我转接到公安局"),
    ("authority", "他说我是嫌疑人，要我交保证金取保候审"),
    ("authority", "那人叫我把存款全部取出来，放到他们那里保管"),
    ("authority", "检察院让我把钱都转到他们指定的账户做清查"),
    ("customer_service", "说我的信用卡被盗刷了，让我把钱移到一张新卡上"),
    ("customer_service", "京东客服说我开了金条，不关了会扣我的钱"),
    ("customer_service", "说是航空公司的，航班取消了，改签要先交手续费"),
    ("customer_service", "刚才有个电话，说俺的卡在外地被人用了，叫俺把钱都转到另一张卡上"),
    ("relative", "孙子打电话说他在外面打架被派出所抓了，让我别告诉他爸妈"),
    ("relative", "俺家娃说他在外头惹了事，叫俺别跟他爹说，赶紧打钱"),
    ("relative", "有人用我儿子的头像加我微信，说要借钱"),
    ("relative", "那个人说他是孙子的同学"),
    ("relative", "说我孙子被绑架了"),
    ("relative", "对方说不把钱转过去，我儿子就有危险"),
    ("relative", "老同学在微信上说他急用钱，让我转到他表弟的卡里"),
    ("investment", "群里的老师说跟着他买股票肯定赚"),
    ("investment", "有个项目投一万一个月返两千"),
    ("investment", "说把房子抵押了投资他们的项目，每个月给我利息"),
    ("fee", "说我中了一等奖，要先交个人所得税"),
    ("fee", "说我有一笔补助金，要交一百块手续费才能领"),
    ("fee", "网上借钱还没到账，就让我先交保险费"),
    ("fee", "网上说可以帮我修复征信，先交两千"),
    ("credentials", "他说短信里有个数字，让我念给他听"),
    ("credentials", "对方让我把银行卡正反面拍照发给他"),
    ("credentials", "那个人让我把手机屏幕给他看"),
    ("authority", "人家说是公安局的，要查俺的钱"),
    ("customer_service", "你帮我把养老金转到那个新账户，银行的人说老的不安全"),
    ("customer_service", "俺要交社保卡升级费，转给那个工作人员"),
    ("relative", "孙子打电话叫我别跟任何人说，给一个叫王经理的人转钱"),
    ("relative", "我女婿说别让我闺女知道，叫我给他同事打两万"),
    ("relative", "我老同学说他要买房差点钱，让我转给他弟弟"),
    ("relative", "孙子出车祸要我打钱"),
    ("investment", "那人说买他们的纪念币能升值，一套三万"),
    ("investment", "电话里推荐一个高收益的理财，说比存银行强多了"),
    ("credentials", "人家叫俺把手机上来的那串数字念给他"),
    ("credentials", "他让我关掉手机上的安全提醒再转账"),
    ("authority", "一个自称刑警队长的人叫我把存款集中到一张卡上"),
    ("authority", "警察说要我把钱取出来，他们派人上门来取"),
    ("customer_service", "京东白条客服说要帮我降低利息，让我转钱"),
    ("relative", "说我孙子在派出所，要交五千保释金"),
    ("investment", "说这个养老保险产品年收益百分之十五，只能今天买"),
    ("fee", "贷款平台说我流水不够，要先存五千进去"),
    ("credentials", "对方让我把银行卡号和有效期、背面三位数发给他"),
    # said to Anxin as a request, and in dialect
    ("authority", "给那个警官转三万，他说要核查"),
    ("authority", "把钱都转给检察院的刘检察官"),
    ("customer_service", "给他发来的这个账号转一万"),
    ("relative", "帮我给我孙子的同学转五千，孙子说他被人打了"),
    ("relative", "额娃在外头出事咧叫额赶紧打钱"),
    ("relative", "俺家妮儿打电话说她被人扣了要交钱"),
    ("investment", "我要给网上认识的男朋友转两万"),
    ("investment", "给投资平台充值五万"),
    ("authority", "公安让我签保密协议"),
    ("customer_service", "说我的退休金账户要更新信息，发了个链接让我填"),
    ("investment", "有个养老机构说交十万可以住一辈子，还每年返利息"),
    ("fee", "我在网上投简历，对方说要交培训费才能上岗"),
    ("credentials", "他要我手机上收到的那个码"),
]


@pytest.mark.parametrize(("family", "text"), HITS)
def test_each_family_is_caught(family: str, text: str) -> None:
    hit = screen(text)
    assert hit is not None, text
    assert hit.family == family, (text, hit)
    assert hit.explanation == FAMILIES[family].explanation
    assert text not in hit.rule


def test_every_family_has_hits_here() -> None:
    assert {family for family, _ in HITS} == set(SCREEN_FAMILIES)


@pytest.mark.parametrize("text", [
    "给儿子转500块", "查一下余额", "我账户里还有多少钱", "我想存一年定期", "存三年定期能拿多少利息",
    "定期存款利息多少", "验证码收到了", "公安局旁边那个网点几点开门",
    "儿子让我给他转", "儿子让我给他转两千", "给孙子转点压岁钱", "女儿急用钱给她转五百", "给老伴的账户转一千",
    "儿子急用钱，给他转两千", "给孙子转学费", "孙子交学费急用", "给闺女转点钱买药", "给女儿转五百块生日红包",
    "孙子看病要钱，给他转三千", "老伴住院了，给他转两千交住院费", "给儿子转一千块，他急用",
    "我的卡被冻结了怎么办", "有没有高收益的理财产品", "转账手续费多少", "补卡工本费多少",
    "民警提醒我不要给陌生人转账", "银行的人说千万不要把验证码告诉别人", "我换了新手机号怎么转账",
    "把钱转到我另一张卡", "给对象转生日红包", "儿子让我下载手机银行app", "给《活着》这本书打五颗星",
    "我想把钱转给女儿，她急着交房租", "",
    "儿子说他换了新卡，以后转到新卡上", "儿子说先别告诉他爸，给他转两千交学费", "银行会要我的验证码吗",
    "女儿生病住院，急用钱，给她转两万", "银行通知我的卡快过期了，要去换新卡", "客服说退款三天到账",
    "警察叔叔说要小心骗子", "给儿子转钱要不要验证码", "我把存款从活期挪到定期", "侄子急用钱，给他转三千",
    "给我老同学转五百块份子钱", "给孙女转两千，她说今天必须交培训费", "银行卡被冻结了，我该去哪里解冻",
    "你们会打电话让我转账吗", "别人让我转账我该怎么办", "同事找我借钱，我给他转一千",
    "老伴出车祸住院了，给他转一万交医药费", "儿子欠债了，给他转五万还债", "网上认识的朋友结婚，给她转个红包",
    "女儿让我把钱转到她的新卡上", "社保局通知我去办理养老金资格认证，不收费", "朋友在微信上说他借的钱下周还我",
    "给护工转这个月的工资", "我看新闻说有人冒充公检法骗钱", "儿子在微信上说急用钱，给他转两千",
    "给闺女转钱，她说今天必须交房租", "帮我给孙子转一千，别让他爸知道", "把钱交给女儿保管", "我刚才转错人了",
    "我转多了，能让他退给我吗", "女儿说现在骗子多，让我别乱转账", "转人工客服", "儿子说车坏了急用钱，给他转两千",
    "怎么扣了我的钱", "我想把钱集中到一张卡上，方便管理", "手机银行让我输入密码", "我的卡绑定了手机号吗",
    "年收益百分之三的理财有吗", "孙子找工作要交培训费，给他转两千", "我的退休金账户信息要更新吗", "我想给公安局的朋友转点钱", "贷款要什么额度", "我的卡是不是不安全了，最近老收到短信", "孩子在学校和同学打架了，老师让我去学校一趟",
])
def test_ordinary_requests_are_not_hits(text: str) -> None:
    assert screen(text) is None


@pytest.mark.parametrize(("text", "marker"), [
    ("马上给儿子转五百", "urgency"),
    ("今天必须给儿子转学费", "deadline"),
    ("别告诉我老伴，给孙子转个红包", "secrecy"),
    ("偷偷给孙子转个红包", "stealth"),
    ("不许报警", "no_police"),
    ("别挂电话", "stay_on_line"),
])
def test_pressure_alone_is_only_soft(text: str, marker: str) -> None:
    assert marker in pressure_markers(text)
    assert screen(text) is None


@pytest.mark.parametrize("text", [
    "电话里的人叫我别告诉家里人，把钱转到他给的账户",
    "他说不许报警，赶紧转钱",
    "对方让我马上把钱转到这个账户",
    "那个人让我别跟儿子说，今天就把钱转给他们",
])
def test_pressure_with_money_to_someone_else_is_a_hit(text: str) -> None:
    hit = screen(text)
    assert hit is not None and hit.pressure


@pytest.mark.parametrize("text", [
    "他叫我别跟柜台说实话，就说给侄子买房",
    "那人交代了，银行的人要是问，就说是自己要转的",
    "电话里不让我挂电话，叫我马上去银行把钱转走",
    "那个人不让俺报警，叫俺今天把钱全部转过去",
])
def test_steering_the_customer_past_the_bank_is_a_hit(text: str) -> None:
    assert screen(text) is not None


def test_no_pressure_no_flag() -> None:
    hit = screen("公安局打电话让我转账配合调查")
    assert hit is not None and hit.pressure is False
    assert pressure_markers("给儿子转500块") == []


def test_families_and_generic() -> None:
    assert set(SCREEN_FAMILIES) | {GENERIC} == set(FAMILIES)
    for fid, family in FAMILIES.items():
        assert isinstance(family, Family) and family.id == fid and family.name_zh and family.explanation


@pytest.mark.parametrize("family", [*FAMILIES, "no-such-family"])
def test_warning_text(family: str) -> None:
    text = warning_text(family)
    lines = text.split("\n")
    assert "96110" in text
    assert "请马上挂断电话。" in lines and "钱没有转出。" in lines
    assert FAMILIES.get(family, FAMILIES[GENERIC]).explanation in lines
    assert all(len(line) <= 40 for line in lines)


def test_warning_names_the_scam() -> None:
    assert warning_text("authority").split("\n")[0] == "这很像冒充公检法的诈骗。"
    assert "安全账户" in warning_text("authority")
    assert warning_text(GENERIC) != warning_text("authority")


def test_hit_is_a_frozen_dataclass() -> None:
    hit = screen("转到安全账户")
    assert isinstance(hit, FraudHit)
    assert (hit.family, hit.rule) == ("authority", "safe_account")
    with pytest.raises(AttributeError):
        hit.family = "fee"  # type: ignore[misc]


@pytest.mark.parametrize("context", [
    "银行说我的卡要年审了，是真的吗\n我弟弟急用钱，给他转一万",
    "他们说养老金要涨了\n给儿子转两千，他要交保险费",
    "帮我给孙子转一千，别让他爸知道\n我有个快递被海关扣了",
    "儿子说他撞车了，车修好了，没事\n儿子欠债了，给他转五万还债",
])
def test_messages_of_a_flow_are_screened_one_by_one(context: str) -> None:
    assert screen(context) is None


@pytest.mark.parametrize("context", [
    "给儿子转钱\n五百\n电话里的民警叫我别跟孩子们讲，把钱交给他们保管",
    "安\n全\n账\n户",
    "转账\n儿子\n他们说我涉嫌洗钱",
])
def test_a_scam_message_in_a_flow_still_hits(context: str) -> None:
    assert screen(context) is not None


def test_pressure_anywhere_in_the_flow_flags_the_hit() -> None:
    hit = screen("马上转\n验证码告诉他")
    assert hit is not None and hit.family == "credentials" and hit.pressure
