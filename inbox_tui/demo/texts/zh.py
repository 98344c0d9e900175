"""简体中文：在英国和中国的顾客；客服用英文回复（并说明原因）。"""

from __future__ import annotations

from inbox_tui.demo.texts import Language, Scenario

LATE = Scenario(
    key="late",
    subjects=("订单 {order} 还没有收到", "请问我的包裹到哪里了？", "物流一直没有更新"),
    openers=(
        "您好，\n\n我在{days}天前下了订单 {order}，买的是 {product}，到现在还没有收到。物流信息显示“运输中”，"
        "已经一个星期没有更新了。麻烦帮我查一下，谢谢！",
        "你好，我的订单 {order} 原定上周五送达，但是到现在都没有消息。这是送给朋友的生日礼物，比较着急。\n"
        "物流链接：{tracking}",
    ),
    follow_ups=("谢谢回复。不过今天物流状态还是没有变化，我需要继续等吗？",),
    angry_subjects=("紧急：订单 {order} 还没到！！",),
    angry_openers=(
        "我已经等了{days}天了，发了两封邮件都没有人回复！订单 {order}，付的是加急运费，到现在什么都没有。"
        "今天之内不给我答复，我就联系银行拒付。",
    ),
)

PAYMENT = Scenario(
    key="payment",
    subjects=("被重复扣款了", "付款失败但是钱被扣了", "信用卡被拒绝，但银行显示已扣款"),
    openers=(
        "您好，\n\n昨晚付款的时候页面报错，我又付了一次，结果银行卡被扣了两次，每次 {amount}。请帮我退还重复的那一笔。"
        "截图在附件里。",
        "你好，结账时显示我的卡被拒绝了，可是银行App里显示已经扣了 {amount}。我也没收到订单确认邮件。"
        "请问我的订单到底成功了没有？",
    ),
    follow_ups=("已经过了五天，第二笔扣款还在，显示的是“已入账”，不是“待处理”。",),
)

DAMAGED = Scenario(
    key="damaged",
    subjects=("收到的商品破损了", "包裹损坏 {order}"),
    openers=(
        "您好，今天收到了订单 {order}，外箱一个角被压扁了，里面的 {product} 有一道裂纹。照片见附件。"
        "能给我补发一个吗？",
    ),
    follow_ups=("好的，谢谢！这次能不能多加一点包装？",),
)

LOST = Scenario(
    key="lost",
    subjects=("物流显示已签收，但我没收到", "包裹丢失？"),
    openers=(
        "你好，物流显示订单 {order} 昨天下午已经签收，放在“安全的地方”，但是我家门口什么都没有。"
        "我问过邻居了，也没有人看到。快递员拍的照片里的门也不是我家的。请问现在怎么办？",
    ),
    follow_ups=("请补发吧，同样的尺码和颜色。可以寄到我公司的地址吗？",),
)

LANGUAGE = Language(
    code="zh",
    scenarios={s.key: s for s in (LATE, PAYMENT, DAMAGED, LOST)},
    chasers=("你好，请问我的问题有进展了吗？", "已经好几天了，还没有收到回复，麻烦尽快处理一下。"),
    angry_chasers=("这是我第三次发邮件了！再不回复，我就联系银行拒付（chargeback），并找律师处理。",),
    thanks=("收到了，非常感谢您的帮助！", "谢谢，问题已经解决了。祝您周末愉快！", "退款已经到账了，谢谢！"),
    again=("您好，又是我。", "你好，上次你们帮我处理过订单的问题，这次又要麻烦你们了。"),
    signoffs=("谢谢！\n{name}", "{name}\n\n发自我的iPhone", "祝好\n{name}"),
    reply_prefix="回复：",
    quote_intro="在 {y}年{m}月{d}日 {time}，{who} 写道：",
    agent_signature="",
    english_note=(
        "Thank you for your message. I read it with a translation tool, so I hope you don't mind me replying "
        "in English — please keep writing in Chinese whenever it's easier for you."
    ),
    carriers=("Royal Mail", "DPD", "SF Express"),
    utc_offsets=(480, 0),
    mailers=("Foxmail 7.2", "NetEase Mail Master", ""),
    body_encoding="base64",
    domains=("qq.example", "163.example", "foxmail.example"),
)
