# Correo de tripdesk en español (trato de usted).

greeting = Hola, { $name }:

## Correos de citas

subject-created-customer = Hemos recibido su solicitud de cita: { $destination }
subject-created-staff = Nueva solicitud de cita: { $destination }
subject-confirmed = Cita confirmada: { $destination }
subject-rescheduled = Cita cambiada de hora: { $destination }
subject-cancelled = Cita cancelada: { $destination }
subject-reminder = Recordatorio: mañana tiene su consulta sobre { $destination }
subject-reassigned = Cita reasignada: { $destination }
subject-handed-over = Cita traspasada: { $destination }

headline-created-customer = Hemos recibido su solicitud de consulta con { $other }. Le avisaremos en cuanto esté confirmada.
headline-created-staff = { $other } ha solicitado una consulta. Por favor, confírmela.
headline-confirmed-customer = { $other } ha confirmado su consulta.
headline-confirmed-staff = La consulta con { $other } está confirmada.
headline-rescheduled = La consulta ha cambiado de hora.
headline-cancelled-by-you-customer = Ha cancelado su consulta con { $other }.
headline-cancelled-by-you-staff = Ha cancelado la consulta con { $other }.
headline-cancelled-by-agency-customer = Lamentamos comunicarle que la agencia ha cancelado su consulta con { $other }.
headline-cancelled-by-agency-staff = La agencia ha cancelado la consulta con { $other }.
headline-cancelled-by-other-customer = Lamentamos comunicarle que { $other } ha cancelado la consulta.
headline-cancelled-by-other-staff = { $other } ha cancelado la consulta.
headline-reminder = Su consulta empieza dentro de 24 horas.
headline-reassigned-customer = La agencia ha pasado su consulta a { $other }, a la misma hora.
headline-reassigned-staff = La agencia le ha asignado la consulta con { $other }.
headline-handed-over-staff = La agencia ha pasado su consulta con { $other } a otro asesor: ya no figura en su calendario.

label-what = Detalles
label-with-customer = Con
label-with-staff = Cliente
label-when = Cuándo
label-status = Estado
label-video = Videollamada
label-reason = Motivo

what = { $mode ->
        [video] Consulta por videollamada
        [phone] Consulta telefónica
       *[in_person] Consulta presencial
    } sobre { $destination }, { $travelers ->
        [one] un viajero
       *[other] { $travelers } viajeros
    }
when = { $date }, de { $start } a { $end } ({ $zone })
when-overnight = Desde el { $date }, a las { $start }, hasta el { $endDate }, a las { $end } ({ $zone })
status = { $status ->
        [pending] pendiente de confirmación
        [confirmed] confirmada
       *[cancelled] cancelada
    }
invite-attached = Le adjuntamos la invitación para su calendario.
your-bookings = Sus citas
row = { $label }: { $value }
bookings-link = Sus citas: { $link }

## Invitaciones y suscripciones de calendario

invite-summary-customer = Asesoramiento de viaje con { $other }: { $destination }
invite-summary-staff = Asesoramiento de viaje con { $other }: { $destination }
invite-description = { $what }.
invite-customer = Cliente: { $name } <{ $email }>

## Correos de la cuenta

link-lifetime = El enlace solo sirve una vez y caduca en { $lifetime }.
minutes = { $count ->
        [one] un minuto
       *[other] { $count } minutos
    }
hours = { $count ->
        [one] una hora
       *[other] { $count } horas
    }
reset-subject = Restablezca su contraseña de tripdesk
reset-request = Alguien, seguramente usted, ha pedido restablecer la contraseña de su cuenta de tripdesk.
reset-action = Elegir una contraseña nueva
reset-unasked = Si no lo ha pedido usted, no haga caso de este correo: su contraseña seguirá siendo la misma.
verify-subject = Confirme su dirección de correo para tripdesk
verify-request = Confirme, por favor, que esta dirección es suya. Mientras no lo haga, tripdesk no le enviará confirmaciones de citas ni recordatorios.
verify-action = Confirmar mi dirección
verify-unasked = Si no ha creado ninguna cuenta en tripdesk, no haga caso de este correo.
invitation-subject = Su invitación a tripdesk
invitation-request = La agencia le ha abierto una cuenta de empleado en tripdesk con esta dirección. Elija una contraseña para empezar a usarla.
invitation-action = Elegir mi contraseña
invitation-unasked = Si no esperaba este correo, no haga caso de él: nadie podrá usar la cuenta hasta que se elija una contraseña.

## Avisos a los administradores

webhook-disabled-subject = Se ha desactivado un webhook de tripdesk
webhook-disabled-what = tripdesk ha dejado de enviar eventos al webhook { $url }.
webhook-disabled-why = { $reason ->
        [gone] El receptor respondió 410 Gone.
        [failing] Todos los envíos fallaron durante 24 horas.
       *[admin] Lo desactivó un administrador.
    }
webhook-disabled-next = Cuando el receptor vuelva a funcionar, reactive el webhook en la pantalla de administración; los eventos que fallaron entretanto pueden reenviarse desde su registro de entregas.

## Avisos de cambios en el inicio de sesión

factor-added-subject = Se ha añadido un segundo factor a su cuenta de tripdesk
factor-added-what = Ahora una aplicación de autenticación protege su cuenta de tripdesk: al iniciar sesión se le pedirá su código después de la contraseña. Se han cerrado todas las demás sesiones.
factor-removed-subject = Se ha quitado el segundo factor de su cuenta de tripdesk
factor-removed-what = Al iniciar sesión en tripdesk ya no se le pedirá el código de una aplicación de autenticación. Se han cerrado todas las demás sesiones.
passkey-added-subject = Se ha añadido una llave de acceso a su cuenta de tripdesk
passkey-added-what = Una nueva llave de acceso permite ahora iniciar sesión en su cuenta de tripdesk sin contraseña. Se han cerrado todas las demás sesiones.
passkey-removed-subject = Se ha quitado una llave de acceso de su cuenta de tripdesk
passkey-removed-what = Una de sus llaves de acceso ya no permite iniciar sesión en su cuenta de tripdesk. Se han cerrado todas las demás sesiones.
password-changed-subject = Se ha cambiado la contraseña de su cuenta de tripdesk
password-changed-what = Su cuenta de tripdesk tiene una contraseña nueva. Se han cerrado las sesiones iniciadas con la anterior.
factor-not-you = Si no ha sido usted, restablezca su contraseña cuanto antes y avise a la agencia.
factor-review = Puede ver sus sesiones y su segundo factor en su perfil:
