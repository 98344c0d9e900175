"""Deutsch: Kundinnen und Kunden aus Deutschland und Österreich; das Team antwortet auf Deutsch."""

from __future__ import annotations

from inbox_tui.demo.texts import Language, Scenario

LATE = Scenario(
    key="late",
    subjects=("Wo bleibt meine Bestellung {order}?", "Lieferung noch nicht angekommen", "Bestellung {order} – Lieferstatus"),
    openers=(
        "Hallo,\n\nich habe vor {days} Tagen den Artikel „{product}“ bestellt (Bestellnummer {order}), aber bisher ist "
        "nichts angekommen. Laut Sendungsverfolgung liegt das Paket seit Tagen im Verteilzentrum. Können Sie "
        "bitte nachsehen, was da los ist?",
        "Guten Tag,\n\nmeine Bestellung {order} sollte laut Bestätigung spätestens letzte Woche da sein. Die "
        "Sendungsverfolgung ({tracking}) zeigt seit fünf Tagen keinen neuen Status. Ist das Paket verloren "
        "gegangen?",
        "Hallo ihr Lieben,\n\nkurze Frage: wann kommt denn meine Bestellung ({product})? Ich warte jetzt schon {days} Tage "
        "und brauche sie eigentlich fürs Wochenende.",
    ),
    replies=(
        "Hallo {first},\n\nvielen Dank für Ihre Geduld, und entschuldigen Sie bitte die Verzögerung. Ich habe "
        "bei {carrier} nachgefragt: Ihr Paket hängt beim Zoll-Übergabepunkt fest, das kommt seit dem Brexit "
        "leider gelegentlich vor. Es ist inzwischen freigegeben und sollte in zwei bis drei Werktagen bei "
        "Ihnen sein:\n{tracking}\n\nZollgebühren übernehmen selbstverständlich wir.",
        "Hallo {first},\n\nes tut mir leid, dass Sie so lange warten mussten. Ich habe Ihnen heute eine "
        "Ersatzlieferung per Express geschickt; das ursprüngliche Paket können Sie einfach verweigern, falls "
        "es doch noch auftaucht.",
    ),
    follow_ups=(
        "Danke für die schnelle Antwort! Heute steht aber immer noch derselbe Status drin.",
        "Vielen Dank. Muss ich irgendetwas beim Zoll bezahlen, wenn der Bote kommt?",
    ),
    updates=(
        "Hallo {first},\n\nnein, Sie müssen nichts bezahlen – wir haben die Einfuhrabgaben bereits beglichen. "
        "Sollte der Zusteller trotzdem etwas verlangen, schicken Sie mir bitte ein Foto der Quittung, dann "
        "erstatte ich den Betrag sofort.",
    ),
    angry_subjects=("DRINGEND: Bestellung {order} immer noch nicht da",),
    angry_openers=(
        "Das ist jetzt meine dritte E-Mail! Ich habe vor {days} Tagen bezahlt und habe weder die Ware noch eine "
        "Antwort bekommen. Wenn ich bis Freitag nichts höre, lasse ich die Zahlung über meine Bank "
        "zurückbuchen (Rückbuchung) und schalte meinen Anwalt ein.",
    ),
)

DAMAGED = Scenario(
    key="damaged",
    subjects=("Ware beschädigt angekommen", "Beschädigte Lieferung {order}", "Paket kaputt"),
    openers=(
        "Guten Tag,\n\nheute kam meine Bestellung {order} an. Der Karton war an einer Ecke eingedrückt und der "
        "Artikel darin („{product}“) hat einen Sprung. Ein Foto habe ich angehängt. Wie gehen wir jetzt vor?",
        "Hallo,\n\nleider ist der Artikel „{product}“ beschädigt bei mir angekommen – die Verpackung war nass und "
        "aufgerissen. Bitte schicken Sie mir Ersatz. Foto anbei.\n\nMit freundlichen Grüßen",
    ),
    replies=(
        "Hallo {first},\n\nvielen Dank für das Foto, und es tut mir wirklich leid. Sie müssen den beschädigten "
        "Artikel nicht zurückschicken. Ich habe heute Ersatz veranlasst, diesmal doppelt verpackt; die "
        "Sendungsnummer bekommen Sie per E-Mail.",
    ),
    follow_ups=("Danke! Kann ich stattdessen auch eine andere Farbe bekommen, wenn die gleiche nicht mehr da ist?",),
    updates=("Hallo {first},\n\nnatürlich, sagen Sie mir einfach, welche Farbe Ihnen lieber ist, dann tausche ich das um.",),
)

REFUND = Scenario(
    key="refund",
    subjects=("Rückerstattung noch nicht erhalten", "Erstattung für Rücksendung {order}", "Wann kommt mein Geld zurück?"),
    openers=(
        "Hallo,\n\nich habe den Artikel „{product}“ vor {days} Tagen zurückgeschickt. Laut DHL wurde das Paket bei Ihnen "
        "zugestellt, aber die Erstattung über {amount} ist noch nicht auf meinem Konto. Können Sie das bitte "
        "prüfen?",
        "Guten Tag, seit meiner Rücksendung sind zwei Wochen vergangen und ich habe noch kein Geld zurück. "
        "Bestellnummer {order}. Vielen Dank im Voraus.",
    ),
    replies=(
        "Hallo {first},\n\nIhre Rücksendung ist am Montag bei uns eingegangen, und ich habe die Erstattung von "
        "{amount} gerade veranlasst. Je nach Bank dauert es drei bis fünf Werktage, bis der Betrag auf Ihrem "
        "Konto erscheint.",
    ),
    follow_ups=("Das Geld ist immer noch nicht da. Können Sie mir einen Beleg schicken, den ich der Bank zeigen kann?",),
    updates=(
        "Hallo {first},\n\nselbstverständlich. Die Referenznummer unseres Zahlungsdienstleisters lautet "
        "74839201847362 – damit kann Ihre Bank die Gutschrift über {amount} zuordnen.",
    ),
)

PAYMENT = Scenario(
    key="payment",
    subjects=("Doppelt abgebucht!", "Zahlung fehlgeschlagen, Geld trotzdem weg", "Karte abgelehnt – Bestellung {order}?"),
    openers=(
        "Hallo,\n\nbeim Bezahlen kam eine Fehlermeldung, also habe ich es noch einmal versucht. Jetzt sehe ich "
        "zwei Abbuchungen über je {amount} auf meinem Konto. Bitte erstatten Sie die doppelte Zahlung.",
        "Guten Abend,\n\nIhre Kasse hat meine Karte abgelehnt, aber meine Bank zeigt, dass {amount} abgebucht "
        "wurden. Habe ich jetzt eine Bestellung oder nicht? Screenshot anbei.",
    ),
    replies=(
        "Hallo {first},\n\nentschuldigen Sie bitte den Schreck. Unser Zahlungsdienstleister hatte vor "
        "Kurzem eine mehrstündige Störung. Ihre Bestellung {order} ist einmal korrekt eingegangen; die zweite "
        "Autorisierung über {amount} wurde nie eingezogen und verschwindet in den nächsten Tagen automatisch "
        "von Ihrem Konto. Falls nicht, melden Sie sich einfach, dann erstatte ich sie manuell.",
    ),
    follow_ups=("Die zweite Abbuchung ist nach einer Woche immer noch da, nicht mehr als „vorgemerkt“.",),
    updates=("Hallo {first},\n\nSie haben recht – ich habe die doppelte Zahlung von {amount} soeben erstattet. Entschuldigung!",),
)

SIZING = Scenario(
    key="sizing",
    subjects=("Frage zur Größe", "Größenberatung: {product}"),
    openers=(
        "Hallo, ich trage normalerweise {size}. Fällt der Artikel „{product}“ eher groß oder klein "
        "aus? Und läuft er beim Waschen ein?",
    ),
    replies=(
        "Hallo {first},\n\nder Schnitt von „{product}“ ist großzügig – die meisten nehmen ihre normale Größe. "
        "Der Stoff ist vorgewaschen und läuft bei 30 Grad höchstens ein bis zwei Prozent ein.",
    ),
)

LANGUAGE = Language(
    code="de",
    scenarios={s.key: s for s in (LATE, DAMAGED, REFUND, PAYMENT, SIZING)},
    chasers=(
        "Hallo, gibt es schon Neuigkeiten zu meiner Anfrage?",
        "Ich warte immer noch auf eine Antwort. Bitte melden Sie sich.",
    ),
    angry_chasers=("Immer noch keine Antwort. Ich leite jetzt die Rückbuchung bei meiner Bank ein.",),
    thanks=(
        "Vielen Dank, das ist angekommen. Super Service!",
        "Danke für die schnelle Hilfe, alles bestens.",
        "Herzlichen Dank, das Geld ist heute eingegangen.",
    ),
    again=("Hallo, ich bin es noch einmal.", "Guten Tag, Sie hatten mir letzte Woche schon einmal geholfen."),
    signoffs=("Viele Grüße\n{first}", "Mit freundlichen Grüßen\n{name}", "LG {first}\n\nVon meinem iPhone gesendet"),
    reply_prefix="AW: ",
    quote_intro="Am {d:02d}.{m:02d}.{y} um {time} schrieb {who}:",
    agent_signature="Viele Grüße\n{agent}\n\nMarlow & Lane Kundenservice\nhttps://marlowlane.example",
    money="{} €",
    decimal_comma=True,
    carriers=("DHL", "DPD", "Hermes"),
    utc_offsets=(60,),
    mailers=("Microsoft Outlook 16.0", "GMX FreeMail", ""),
    domains=("gmx.example", "web.example", "t-online.example", "posteo.example"),
)
