# Wat muster tegen genodigden zegt, in het Nederlands.

invitation-title = Je uitnodiging
join-heading = Word lid van { $org }
invited-as = Deze uitnodiging is voor { $email }.
sso-to-accept = Log in met { $provider } om de uitnodiging te accepteren. Ze verloopt op { $date }.
expires-on = Ze verloopt op { $date }.
sign-in-with = Inloggen met { $provider }
accept-button = Uitnodiging accepteren
already-accepted = De uitnodiging voor { $email } is al geaccepteerd.
no-longer-valid = Deze uitnodiging is niet meer geldig. Vraag je beheerder om een nieuwe.
invalid-title = Uitnodiging ongeldig
invalid-heading = Deze uitnodigingslink is ongeldig
invalid-body = Hij is misschien verlopen, al gebruikt of vervangen. Vraag je beheerder om een nieuwe uitnodiging.
accepted-title = Uitnodiging geaccepteerd
welcome-heading = Welkom bij { $org }
welcome-body = Je uitnodiging voor { $email } is geaccepteerd. Je kunt deze pagina sluiten.
too-many-title = Te veel pogingen
too-many-body = Wacht een paar minuten en probeer het opnieuw.
sign-in-down-title = Inloggen niet beschikbaar
sign-in-down-heading = De inlogdienst reageert niet
sign-in-down-body = Er is niets geaccepteerd. Open je uitnodigingslink over een paar minuten opnieuw.
error-title = Er ging iets mis
error-body = Probeer het later opnieuw.
unavailable-title = Probeer het zo opnieuw
unavailable-heading = Je uitnodiging kan nu niet worden geopend
unavailable-body = Er is niets geaccepteerd of gewijzigd. Open je uitnodigingslink over een paar minuten opnieuw.

# ‘8 december 2026 om 10:00 UTC’
date-time = { $day } { $month } { $year } om { $time } UTC
month-1 = januari
month-2 = februari
month-3 = maart
month-4 = april
month-5 = mei
month-6 = juni
month-7 = juli
month-8 = augustus
month-9 = september
month-10 = oktober
month-11 = november
month-12 = december

# De uitnodigingsmail.
mail-subject = Uitnodiging voor { $org }
mail-greeting = Hallo,
mail-invited = { $org } nodigt je uit om lid te worden met het adres { $email }.
mail-action = Open je persoonlijke uitnodigingslink om te accepteren:
mail-sso = Je logt in met { $provider }, de single sign-on van je organisatie, met { $email }.
mail-expires = De link is geldig tot { $date }.
mail-fallback = Werkt de knop niet? Kopieer dan dit adres naar je browser:
mail-personal = Deze link is alleen voor jou: stuur deze e-mail niet door.
mail-ignore = Had je deze uitnodiging niet verwacht? Dan kun je deze e-mail negeren: er gebeurt niets zolang je niet accepteert.
mail-sent-for = Verzonden namens { $org }.
