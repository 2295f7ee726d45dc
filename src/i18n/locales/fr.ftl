# Ce que muster dit aux invités, en français.

invitation-title = Votre invitation
join-heading = Rejoignez { $org }
invited-as = Cette invitation est adressée à { $email }.
sso-to-accept = Connectez-vous avec { $provider } pour l’accepter. Elle expire le { $date }.
expires-on = Elle expire le { $date }.
sign-in-with = Se connecter avec { $provider }
accept-button = Accepter l’invitation
already-accepted = L’invitation pour { $email } a déjà été acceptée.
no-longer-valid = Cette invitation n’est plus valable. Demandez-en une nouvelle à votre administrateur.
invalid-title = Invitation non valable
invalid-heading = Ce lien d’invitation n’est pas valable
invalid-body = Il a peut-être expiré, déjà servi ou été remplacé. Demandez une nouvelle invitation à votre administrateur.
accepted-title = Invitation acceptée
welcome-heading = Bienvenue chez { $org }
welcome-body = Votre invitation pour { $email } est acceptée. Vous pouvez fermer cette page.
too-many-title = Trop de tentatives
too-many-body = Patientez quelques minutes, puis réessayez.
sign-in-down-title = Connexion indisponible
sign-in-down-heading = Le service de connexion ne répond pas
sign-in-down-body = Rien n’a été accepté. Rouvrez votre lien d’invitation dans quelques minutes.
error-title = Une erreur s’est produite
error-body = Veuillez réessayer plus tard.
unavailable-title = Réessayez dans un instant
unavailable-heading = Votre invitation ne peut pas être ouverte pour le moment
unavailable-body = Rien n’a été accepté ni modifié. Rouvrez votre lien d’invitation dans quelques minutes.

# « 8 décembre 2026 à 10:00 UTC »
date-time = { $day ->
    [1] 1er
   *[other] { $day }
} { $month } { $year } à { $time } UTC
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

# Le courriel d’invitation.
mail-subject = Invitation à rejoindre { $org }
mail-greeting = Bonjour,
mail-invited = { $org } vous invite à rejoindre son équipe avec l’adresse { $email }.
mail-action = Pour accepter, ouvrez votre lien d’invitation personnel :
mail-sso = Vous vous connecterez avec { $provider }, l’authentification unique de votre organisation, en utilisant { $email }.
mail-expires = Le lien est valable jusqu’au { $date }.
mail-fallback = Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :
mail-personal = Ce lien vous est personnel : merci de ne pas transférer ce message.
mail-ignore = Si vous n’attendiez pas cette invitation, vous pouvez ignorer ce message : rien ne se passe tant que vous ne l’acceptez pas.
mail-sent-for = Envoyé pour le compte de { $org }.
