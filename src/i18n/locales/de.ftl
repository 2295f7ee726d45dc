# Was muster Eingeladenen sagt, auf Deutsch.

invitation-title = Ihre Einladung
join-heading = Einladung zu { $org }
invited-as = Diese Einladung gilt für { $email }.
sso-to-accept = Melden Sie sich mit { $provider } an, um die Einladung anzunehmen. Sie läuft am { $date } ab.
expires-on = Sie läuft am { $date } ab.
sign-in-with = Mit { $provider } anmelden
accept-button = Einladung annehmen
already-accepted = Die Einladung für { $email } wurde bereits angenommen.
no-longer-valid = Diese Einladung ist nicht mehr gültig. Bitten Sie Ihre Administration um eine neue.
invalid-title = Einladung ungültig
invalid-heading = Dieser Einladungslink ist ungültig
invalid-body = Er ist vielleicht abgelaufen, wurde bereits verwendet oder ersetzt. Bitten Sie Ihre Administration um eine neue Einladung.
accepted-title = Einladung angenommen
welcome-heading = Willkommen bei { $org }
welcome-body = Ihre Einladung für { $email } ist angenommen. Sie können diese Seite schließen.
too-many-title = Zu viele Versuche
too-many-body = Warten Sie ein paar Minuten und versuchen Sie es dann erneut.
sign-in-down-title = Anmeldung nicht verfügbar
sign-in-down-heading = Der Anmeldedienst antwortet nicht
sign-in-down-body = Es wurde nichts angenommen. Öffnen Sie Ihren Einladungslink in ein paar Minuten erneut.
error-title = Etwas ist schiefgelaufen
error-body = Bitte versuchen Sie es später erneut.
unavailable-title = Gleich noch einmal versuchen
unavailable-heading = Ihre Einladung kann gerade nicht geöffnet werden
unavailable-body = Es wurde nichts angenommen oder geändert. Öffnen Sie Ihren Einladungslink in ein paar Minuten erneut.

# „8. Dezember 2026 um 10:00 UTC“
date-time = { $day }. { $month } { $year } um { $time } UTC
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember

# Die Einladungs-E-Mail.
mail-subject = Einladung zu { $org }
mail-greeting = Guten Tag,
mail-invited = { $org } lädt Sie ein, mit der Adresse { $email } dazuzukommen.
mail-action = Öffnen Sie zum Annehmen Ihren persönlichen Einladungslink:
mail-sso = Sie melden sich mit { $provider } an, dem Single Sign-on Ihrer Organisation, und zwar mit { $email }.
mail-expires = Der Link gilt bis zum { $date }.
mail-fallback = Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:
mail-personal = Dieser Link ist nur für Sie bestimmt: Bitte leiten Sie diese E-Mail nicht weiter.
mail-ignore = Falls Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren; ohne Ihre Annahme geschieht nichts.
mail-sent-for = Im Auftrag von { $org } versandt.
