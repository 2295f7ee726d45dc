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

# L’email di invito.
mail-subject = Invito a unirti a { $org }
mail-greeting = Ciao,
mail-invited = { $org } ti invita a unirti al suo team con l’indirizzo { $email }.
mail-action = Per accettare, apri il tuo link di invito personale:
mail-sso = Accederai con { $provider }, il single sign-on della tua organizzazione, usando { $email }.
mail-expires = Il link scade { $date }.
mail-fallback = Se il pulsante non funziona, copia questo indirizzo nel browser:
mail-personal = Questo link è solo tuo: non inoltrare questa email.
mail-ignore = Se non aspettavi questo invito, puoi ignorare questa email: non succede nulla finché non lo accetti.
mail-sent-for = Inviato per conto di { $org }.
