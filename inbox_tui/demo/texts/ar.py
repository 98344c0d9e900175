"""العربية: عملاء في الخليج والأردن ومصر؛ يرد فريق الدعم بالإنجليزية (ويوضح السبب)."""

from __future__ import annotations

from inbox_tui.demo.texts import Language, Scenario

LATE = Scenario(
    key="late",
    subjects=("لم أستلم طلبي {order} حتى الآن", "تأخر في التوصيل"),
    openers=(
        "السلام عليكم،\n\nقمت بطلب {product} قبل {days} أيام (رقم الطلب {order}) ولم يصلني حتى الآن. صفحة "
        "التتبع لدى {carrier} تقول «قيد الشحن» منذ أسبوع. هل يمكنكم التحقق من الأمر؟\n\nشكراً لكم",
        "مرحباً، أين وصل طلبي؟ كان من المفترض أن يصل يوم الخميس الماضي. رابط التتبع: {tracking}",
    ),
    follow_ups=("شكراً على الرد. لكن حالة الشحنة لم تتغير حتى اليوم. هل أنتظر أكثر؟",),
    angry_subjects=("عاجل: لم يصل طلبي {order} بعد!!",),
    angry_openers=(
        "هذه رسالتي الثالثة ولا يوجد أي رد! دفعت مقابل الشحن السريع قبل {days} أيام ولم يصلني شيء. "
        "إذا لم تردّوا اليوم سأطلب من البنك استرجاع المبلغ.",
    ),
)

LOST = Scenario(
    key="lost",
    subjects=("الطرد مسجل كمُسلَّم لكنني لم أستلمه",),
    openers=(
        "مرحباً،\n\nتطبيق {carrier} يقول إن الطرد الخاص بالطلب {order} تم تسليمه أمس، لكنني لم أستلم أي "
        "شيء. سألت الجيران وحارس المبنى ولم يرَ أحد الطرد. ماذا أفعل الآن؟",
    ),
    follow_ups=("أفضّل إرسال بديل من فضلكم، بنفس المقاس واللون.",),
)

PAYMENT = Scenario(
    key="payment",
    subjects=("تم خصم المبلغ مرتين", "البطاقة مرفوضة لكن المبلغ خُصم"),
    openers=(
        "مرحباً،\n\nظهرت لي رسالة خطأ عند الدفع فحاولت مرة أخرى، والآن أرى عمليتي خصم بقيمة {amount} لكل "
        "منهما في حسابي البنكي. أرجو استرداد المبلغ المكرر.",
        "السلام عليكم، موقعكم رفض بطاقتي عند الدفع، لكن البنك يقول إن المبلغ {amount} تم خصمه. ولم تصلني "
        "رسالة تأكيد الطلب. هل تم الطلب أم لا؟ أرفقت صورة الشاشة.",
    ),
    follow_ups=("مرّت خمسة أيام وما زال الخصم الثاني ظاهراً في كشف الحساب.",),
)

SIZING = Scenario(
    key="sizing",
    subjects=("سؤال عن المقاسات",),
    openers=("مرحباً، مقاسي المعتاد {size}. هل مقاس منتج «{product}» صغير أم كبير؟ وهل ينكمش بعد الغسيل؟",),
)

LANGUAGE = Language(
    code="ar",
    scenarios={s.key: s for s in (LATE, LOST, PAYMENT, SIZING)},
    chasers=("مرحباً، هل من جديد بخصوص رسالتي؟", "ما زلت أنتظر الرد منذ عدة أيام، أرجو الإفادة."),
    angry_chasers=("لا يوجد أي رد حتى الآن! إذا لم أتلقَّ رداً اليوم فسأتواصل مع المحامي الخاص بي.",),
    thanks=("شكراً جزيلاً على مساعدتكم، تم حل المشكلة!", "وصلني الطلب اليوم، شكراً لكم.", "ممتاز، شكراً على سرعة الرد."),
    again=("مرحباً، أنا مرة أخرى.", "السلام عليكم، ساعدتموني في طلبي السابق وأتمنى مساعدتي هذه المرة أيضاً."),
    signoffs=("مع الشكر،\n{name}", "تحياتي،\n{first}", "{name}\n\nأُرسلت من iPhone"),
    reply_prefix="رد: ",
    quote_intro="في {d}/{m}/{y} {time}، كتب {who}:",
    agent_signature="",
    english_note=(
        "Thank you for your message. I read it with a translation tool, so I hope you don't mind me replying "
        "in English — please carry on writing in Arabic if that's easier."
    ),
    carriers=("Aramex", "DHL Express"),
    utc_offsets=(240, 180),
    mailers=("", "Microsoft Outlook 16.0"),
    body_encoding="base64",
    domains=("hotmail.example", "emirates.example", "link.example"),
)
