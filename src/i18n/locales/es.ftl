# Lo que muster dice a las personas invitadas, en español.

invitation-title = Tu invitación
join-heading = Únete a { $org }
invited-as = Esta invitación es para { $email }.
sso-to-accept = Inicia sesión con { $provider } para aceptarla. Caduca el { $date }.
expires-on = Caduca el { $date }.
sign-in-with = Iniciar sesión con { $provider }
accept-button = Aceptar la invitación
already-accepted = La invitación para { $email } ya se aceptó.
no-longer-valid = Esta invitación ya no es válida. Pide una nueva a tu administrador.
invalid-title = Invitación no válida
invalid-heading = Este enlace de invitación no es válido
invalid-body = Puede que haya caducado, que ya se haya usado o que se haya sustituido. Pide una nueva invitación a tu administrador.
accepted-title = Invitación aceptada
welcome-heading = Te damos la bienvenida a { $org }
welcome-body = Tu invitación para { $email } está aceptada. Ya puedes cerrar esta página.
too-many-title = Demasiados intentos
too-many-body = Espera unos minutos y vuelve a intentarlo.
sign-in-down-title = Inicio de sesión no disponible
sign-in-down-heading = El servicio de inicio de sesión no responde
sign-in-down-body = No se ha aceptado nada. Vuelve a abrir tu enlace de invitación dentro de unos minutos.
error-title = Algo ha fallado
error-body = Inténtalo de nuevo más tarde.
unavailable-title = Inténtalo de nuevo en breve
unavailable-heading = Ahora mismo no se puede abrir tu invitación
unavailable-body = No se ha aceptado ni cambiado nada. Vuelve a abrir tu enlace de invitación dentro de unos minutos.

# «8 de diciembre de 2026 a las 10:00 UTC»
date-time = { $day } de { $month } de { $year } { $hour ->
    [1] a la
   *[other] a las
} { $time } UTC
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre

# El correo de invitación.
mail-subject = Invitación para unirte a { $org }
mail-greeting = Hola:
mail-invited = { $org } te invita a unirte a su equipo con la dirección { $email }.
mail-action = Para aceptar, abre tu enlace de invitación personal:
mail-sso = Iniciarás sesión con { $provider }, el inicio de sesión único de tu organización, con { $email }.
mail-expires = El enlace es válido hasta el { $date }.
mail-fallback = Si el botón no funciona, copia esta dirección en tu navegador:
mail-personal = Este enlace es solo para ti: no reenvíes este correo.
mail-ignore = Si no esperabas esta invitación, puedes ignorar este correo: no pasará nada hasta que la aceptes.
mail-sent-for = Enviado en nombre de { $org }.
