# O que o muster diz às pessoas convidadas, em português europeu.

invitation-title = O seu convite
join-heading = Junte-se a { $org }
invited-as = Este convite é para { $email }.
sso-to-accept = Inicie sessão com { $provider } para o aceitar. Expira a { $date }.
expires-on = Expira a { $date }.
sign-in-with = Iniciar sessão com { $provider }
accept-button = Aceitar o convite
already-accepted = O convite para { $email } já foi aceite.
no-longer-valid = Este convite já não é válido. Peça um novo ao seu administrador.
invalid-title = Convite inválido
invalid-heading = Esta ligação de convite não é válida
invalid-body = Pode ter expirado, já ter sido utilizada ou substituída. Peça um novo convite ao seu administrador.
accepted-title = Convite aceite
welcome-heading = Damos-lhe as boas-vindas a { $org }
welcome-body = O seu convite para { $email } foi aceite. Pode fechar esta página.
too-many-title = Demasiadas tentativas
too-many-body = Aguarde alguns minutos e tente novamente.
sign-in-down-title = Início de sessão indisponível
sign-in-down-heading = O serviço de início de sessão não responde
sign-in-down-body = Nada foi aceite. Abra novamente a sua ligação de convite dentro de alguns minutos.
error-title = Ocorreu um erro
error-body = Tente novamente mais tarde.
unavailable-title = Tente novamente daqui a pouco
unavailable-heading = Neste momento não é possível abrir o seu convite
unavailable-body = Nada foi aceite nem alterado. Abra novamente a sua ligação de convite dentro de alguns minutos.

# «8 de dezembro de 2026 às 10:00 UTC»
date-time = { $day } de { $month } de { $year } { $hour ->
    [1] à
   *[other] às
} { $time } UTC
month-1 = janeiro
month-2 = fevereiro
month-3 = março
month-4 = abril
month-5 = maio
month-6 = junho
month-7 = julho
month-8 = agosto
month-9 = setembro
month-10 = outubro
month-11 = novembro
month-12 = dezembro

# O email de convite.
mail-subject = Convite para se juntar a { $org }
mail-greeting = Olá,
mail-invited = { $org } convidou-o a juntar-se à equipa com o endereço { $email }.
mail-action = Para aceitar, abra o seu link de convite pessoal:
mail-sso = Vai iniciar sessão com { $provider }, o início de sessão único da sua organização, com { $email }.
mail-expires = O link é válido até { $date }.
mail-fallback = Se o botão não funcionar, copie este endereço para o seu navegador:
mail-personal = Este link é só seu: não reencaminhe este email.
mail-ignore = Se não estava à espera deste convite, pode ignorar este email: nada acontece enquanto não o aceitar.
mail-sent-for = Enviado em nome de { $org }.
