"""Français : des clientes et clients en France et en Belgique ; l'équipe répond en français."""

from __future__ import annotations

from inbox_tui.demo.texts import Language, Scenario

LATE = Scenario(
    key="late",
    subjects=("Commande {order} toujours pas reçue", "Retard de livraison", "Où en est ma commande ?"),
    openers=(
        "Bonjour,\n\nj'ai passé la commande {order} il y a {days} jours et je n'ai toujours rien reçu. Le suivi "
        "{carrier} indique « en cours d'acheminement » depuis une semaine. Pourriez-vous vérifier ce qui se "
        "passe ?\n\nMerci d'avance",
        "Bonjour,\n\nje me permets de vous relancer au sujet de ma commande {order} (article « {product} »). "
        "Elle devait arriver avant vendredi et le lien de suivi ne fonctionne pas : {tracking}",
    ),
    replies=(
        "Bonjour {first},\n\nmerci pour votre patience, et toutes nos excuses pour ce retard. J'ai contacté "
        "{carrier} : votre colis a été retenu au centre de tri de Roissy, il est maintenant reparti et devrait "
        "vous être livré sous 48 heures. Voici le suivi :\n{tracking}\n\nLes éventuels frais de douane sont "
        "à notre charge.",
    ),
    follow_ups=("Merci pour votre réponse. Le suivi n'a toujours pas bougé ce matin, est-ce normal ?",),
    updates=(
        "Bonjour {first},\n\nje comprends votre inquiétude. Plutôt que de vous faire attendre davantage, je "
        "vous envoie aujourd'hui un nouveau colis en express. Si le premier arrive quand même, vous pouvez "
        "simplement le refuser.",
    ),
)

SIZING = Scenario(
    key="sizing",
    subjects=("Question sur les tailles", "Quelle taille choisir pour « {product} » ?"),
    openers=(
        "Bonjour,\n\nje fais habituellement du {size}. Est-ce que l'article « {product} » taille grand ou "
        "petit ? Et est-ce qu'il rétrécit au lavage ?\n\nBonne journée",
        "Bonjour, pourriez-vous m'indiquer les mesures exactes de l'article « {product} » en taille {size} "
        "(tour de poitrine et longueur) ? Le guide des tailles ne donne que les mesures du corps.",
    ),
    replies=(
        "Bonjour {first},\n\nla coupe de « {product} » est assez ample : la plupart de nos clients prennent "
        "leur taille habituelle. En {size}, le tour de poitrine est de 112 cm et la longueur de 70 cm. Le "
        "tissu est prélavé, il ne rétrécira donc pas plus de 1 à 2 % à 30 degrés.",
    ),
    follow_ups=("Merci beaucoup ! Et si la taille ne convient pas, l'échange est-il gratuit ?",),
    updates=("Bonjour {first},\n\noui, l'échange est gratuit pendant 60 jours : il suffit de lancer un retour et de choisir « échange ».",),
)

RETURN = Scenario(
    key="return",
    subjects=("Demande de retour", "Retour et remboursement {order}", "Remboursement non reçu"),
    openers=(
        "Bonjour,\n\nje souhaiterais retourner l'article « {product} » de ma commande {order}. La couleur ne "
        "correspond pas à la photo du site. Comment dois-je procéder ?",
        "Bonjour,\n\nj'ai renvoyé ma commande il y a {days} jours et je n'ai toujours pas reçu le remboursement. Le "
        "colis a bien été livré chez vous selon La Poste. Pouvez-vous vérifier ?",
    ),
    replies=(
        "Bonjour {first},\n\nbien sûr. Vous pouvez créer votre retour ici : https://marlowlane.example/returns "
        "— vous recevrez une étiquette prépayée {carrier}. Dès réception du colis, le remboursement de "
        "{amount} est effectué sous deux jours ouvrés.",
        "Bonjour {first},\n\nvotre retour est bien arrivé lundi, et je viens de lancer le remboursement de "
        "{amount}. Selon votre banque, il apparaîtra sur votre compte d'ici trois à cinq jours ouvrés.",
    ),
    follow_ups=("Merci. Est-ce que je peux déposer le colis dans un point relais ?",),
    updates=("Bonjour {first},\n\noui, n'importe quel point relais ou bureau de poste accepte le QR code.",),
)

DAMAGED = Scenario(
    key="damaged",
    subjects=("Colis endommagé", "Article arrivé cassé"),
    openers=(
        "Bonjour,\n\nle colis de la commande {order} est arrivé ce matin complètement écrasé, et l'article "
        "« {product} » est fêlé. Je vous joins une photo. Pouvez-vous m'en envoyer un autre ?\n\nCordialement",
    ),
    replies=(
        "Bonjour {first},\n\nmerci pour la photo, et je suis vraiment désolé. Inutile de nous renvoyer "
        "l'article abîmé. Je vous expédie un remplacement dès demain, avec un emballage renforcé cette fois.",
    ),
)

LANGUAGE = Language(
    code="fr",
    scenarios={s.key: s for s in (LATE, SIZING, RETURN, DAMAGED)},
    chasers=(
        "Bonjour, avez-vous des nouvelles concernant ma demande ?",
        "Je n'ai toujours pas de réponse à mon message ci-dessous. Merci de me tenir au courant.",
    ),
    angry_chasers=("Toujours aucune réponse. Sans nouvelles de votre part demain, je contacte mon avocat.",),
    thanks=(
        "Merci beaucoup pour votre aide, tout est réglé !",
        "Colis bien reçu aujourd'hui, merci pour votre réactivité.",
        "Parfait, merci et bonne journée.",
    ),
    again=("Bonjour, c'est encore moi !", "Bonjour, vous vous étiez déjà occupé de ma dernière commande."),
    signoffs=("Cordialement,\n{name}", "Bien à vous,\n{first}", "Merci d'avance,\n{name}\n\nEnvoyé de mon iPhone"),
    reply_prefix="RE : ",
    quote_intro="Le {d:02d}/{m:02d}/{y} à {time}, {who} a écrit :",
    agent_signature="Bien cordialement,\n{agent}\n\nService client Marlow & Lane\nhttps://marlowlane.example",
    money="{} €",
    decimal_comma=True,
    carriers=("Colissimo", "Chronopost", "Mondial Relay"),
    utc_offsets=(60,),
    mailers=("Orange Mail", "Microsoft Outlook 16.0", ""),
    domains=("orange.example", "free.example", "laposte.example", "skynet.example"),
)
