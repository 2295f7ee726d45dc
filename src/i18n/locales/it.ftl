# Quello che muster dice alle persone invitate, in italiano.

invitation-title = Il tuo invito
join-heading = Unisciti a { $org }
invited-as = Questo invito è per { $email }.
sso-to-accept = Accedi con { $provider } per accettarlo. Scade { $date }.
expires-on = Scade { $date }.
sign-in-with = Accedi con { $provider }
accept-button = Accetta l’invito
already-accepted = L’invito per { $email } è già stato accettato.
no-longer-valid = Questo invito non è più valido. Chiedine uno nuovo al tuo amministratore.
invalid-title = Invito non valido
invalid-heading = Questo link di invito non è valido
invalid-body = Potrebbe essere scaduto, già usato o sostituito. Chiedi un nuovo invito al tuo amministratore.
accepted-title = Invito accettato
welcome-heading = Ti diamo il benvenuto in { $org }
welcome-body = Il tuo invito per { $email } è stato accettato. Puoi chiudere questa pagina.
too-many-title = Troppi tentativi
too-many-body = Attendi qualche minuto e riprova.
sign-in-down-title = Accesso non disponibile
sign-in-down-heading = Il servizio di accesso non risponde
sign-in-down-body = Non è stato accettato nulla. Riapri il link di invito tra qualche minuto.
error-title = Qualcosa è andato storto
error-body = Riprova più tardi.
unavailable-title = Riprova tra poco
unavailable-heading = Al momento non è possibile aprire il tuo invito
unavailable-body = Non è stato accettato né modificato nulla. Riapri il link di invito tra qualche minuto.

# «l’8 dicembre 2026 alle 10:00 UTC», «il 1º dicembre 2026 all’01:00 UTC»
date-time = { $day ->
    [1] il 1º
    [8] l’8
    [11] l’11
   *[other] il { $day }
} { $month } { $year } { $hour ->
    [1] all’{ $time }
   *[other] alle { $time }
} UTC
month-1 = gennaio
month-2 = febbraio
month-3 = marzo
month-4 = aprile
month-5 = maggio
month-6 = giugno
month-7 = luglio
month-8 = agosto
month-9 = settembre
month-10 = ottobre
month-11 = novembre
month-12 = dicembre
