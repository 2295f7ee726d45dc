# O que o muster diz às pessoas convidadas, em português do Brasil.

invitation-title = Seu convite
join-heading = Entre para { $org }
invited-as = Este convite é para { $email }.
sso-to-accept = Entre com { $provider } para aceitar. Expira em { $date }.
expires-on = Expira em { $date }.
sign-in-with = Entrar com { $provider }
accept-button = Aceitar convite
already-accepted = O convite para { $email } já foi aceito.
no-longer-valid = Este convite não é mais válido. Peça um novo ao seu administrador.
invalid-title = Convite inválido
invalid-heading = Este link de convite não é válido
invalid-body = Ele pode ter expirado, já ter sido usado ou substituído. Peça um novo convite ao seu administrador.
accepted-title = Convite aceito
welcome-heading = Boas-vindas a { $org }
welcome-body = Seu convite para { $email } foi aceito. Você já pode fechar esta página.
too-many-title = Muitas tentativas
too-many-body = Aguarde alguns minutos e tente de novo.
sign-in-down-title = Login indisponível
sign-in-down-heading = O serviço de login não está respondendo
sign-in-down-body = Nada foi aceito. Abra seu link de convite de novo em alguns minutos.
error-title = Algo deu errado
error-body = Tente de novo mais tarde.
unavailable-title = Tente de novo daqui a pouco
unavailable-heading = Não é possível abrir seu convite agora
unavailable-body = Nada foi aceito nem alterado. Abra seu link de convite de novo em alguns minutos.

# "8 de dezembro de 2026 às 10:00 UTC"
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

# O e-mail de convite.
mail-subject = Convite para participar de { $org }
mail-greeting = Olá,
mail-invited = { $org } convidou você para participar da equipe com o endereço { $email }.
mail-action = Para aceitar, abra seu link de convite pessoal:
mail-sso = Você vai entrar com { $provider }, o login único da sua organização, usando { $email }.
mail-expires = O link vale até { $date }.
mail-fallback = Se o botão não funcionar, copie este endereço no seu navegador:
mail-personal = Este link é só seu: não encaminhe este e-mail.
mail-ignore = Se você não esperava este convite, pode ignorar este e-mail: nada acontece enquanto você não aceitar.
mail-sent-for = Enviado em nome de { $org }.
