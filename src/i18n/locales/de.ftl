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
