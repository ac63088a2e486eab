# Messaggi di tripdesk in italiano (forma di cortesia).

greeting = Gentile { $name },

## Appuntamenti

subject-created-customer = Richiesta di appuntamento ricevuta: { $destination }
subject-created-staff = Nuova richiesta di appuntamento: { $destination }
subject-confirmed = Appuntamento confermato: { $destination }
subject-rescheduled = Appuntamento spostato: { $destination }
subject-cancelled = Appuntamento annullato: { $destination }
subject-reminder = Promemoria: la Sua consulenza è domani – { $destination }
subject-reassigned = Appuntamento riassegnato: { $destination }
subject-handed-over = Appuntamento affidato a un collega: { $destination }

headline-created-customer = Abbiamo ricevuto la Sua richiesta di consulenza con { $other }. La avviseremo non appena sarà confermata.
headline-created-staff = { $other } ha chiesto una consulenza. La preghiamo di confermarla.
headline-confirmed-customer = { $other } ha confermato la Sua consulenza.
headline-confirmed-staff = La consulenza con { $other } è confermata.
headline-rescheduled = La consulenza è stata spostata a un nuovo orario.
headline-cancelled-by-you-customer = Ha annullato la Sua consulenza con { $other }.
headline-cancelled-by-you-staff = Ha annullato la consulenza con { $other }.
headline-cancelled-by-agency-customer = Siamo spiacenti: l’agenzia ha dovuto annullare la Sua consulenza con { $other }.
headline-cancelled-by-agency-staff = L’agenzia ha annullato la consulenza con { $other }.
headline-cancelled-by-other-customer = Siamo spiacenti: { $other } ha annullato la consulenza.
headline-cancelled-by-other-staff = { $other } ha annullato la consulenza.
headline-reminder = La Sua consulenza inizia tra 24 ore.
headline-reassigned-customer = L’agenzia ha affidato la Sua consulenza a { $other }, allo stesso orario.
headline-reassigned-staff = L’agenzia Le ha affidato la consulenza con { $other }.
headline-handed-over-staff = L’agenzia ha affidato la Sua consulenza con { $other } a un collega: non è più nel Suo calendario.

label-what = Dettagli
label-with-customer = Con
label-with-staff = Cliente
label-when = Quando
label-status = Stato
label-video = Videochiamata
label-reason = Motivo

what = { $mode ->
        [video] Consulenza in videochiamata
        [phone] Consulenza telefonica
       *[in_person] Consulenza in agenzia
    }, destinazione: { $destination }, { $travelers ->
        [one] un viaggiatore
       *[other] { $travelers } viaggiatori
    }
when = { $date }, { $start }–{ $end } ({ $zone })
when-overnight = Da { $date }, ore { $start }, a { $endDate }, ore { $end } ({ $zone })
status = { $status ->
        [pending] in attesa di conferma
        [confirmed] confermata
       *[cancelled] annullata
    }
invite-attached = In allegato trova l’invito da aggiungere al calendario.
your-bookings = I Suoi appuntamenti
row = { $label }: { $value }
bookings-link = I Suoi appuntamenti: { $link }

## Inviti e abbonamenti del calendario

invite-summary-customer = Consulenza di viaggio con { $other }: { $destination }
invite-summary-staff = Consulenza di viaggio con { $other }: { $destination }
invite-description = { $what }.
invite-customer = Cliente: { $name } <{ $email }>

## Account

link-lifetime = Il link funziona una sola volta ed è valido per { $lifetime }.
minutes = { $count ->
        [one] un minuto
       *[other] { $count } minuti
    }
hours = { $count ->
        [one] un’ora
       *[other] { $count } ore
    }
reset-subject = Reimposti la password di tripdesk
reset-request = Qualcuno, speriamo Lei, ha chiesto di reimpostare la password del Suo account tripdesk.
reset-action = Scegliere una nuova password
reset-unasked = Se non è stato Lei, ignori questa email: la password resta invariata.
verify-subject = Confermi il Suo indirizzo email per tripdesk
verify-request = Ci confermi che questo indirizzo è Suo. Fino ad allora tripdesk non Le invierà conferme di appuntamento né promemoria.
verify-action = Confermare il mio indirizzo
verify-unasked = Se non ha creato un account tripdesk, ignori questa email.
invitation-subject = Il Suo invito a tripdesk
invitation-request = L’agenzia Le ha aperto un account tripdesk per il personale con questo indirizzo. Scelga una password per iniziare a usarlo.
invitation-action = Scegliere la mia password
invitation-unasked = Se non se l’aspettava, ignori questa email: nessuno può usare l’account finché non viene scelta una password.

## Avvisi agli amministratori

webhook-disabled-subject = Un webhook di tripdesk è stato disattivato
webhook-disabled-what = tripdesk ha smesso di inviare eventi al webhook { $url }.
webhook-disabled-why = { $reason ->
        [gone] Il destinatario ha risposto 410 Gone.
        [failing] Tutte le consegne sono fallite per 24 ore.
       *[admin] Un amministratore lo ha disattivato.
    }
webhook-disabled-next = Quando il destinatario tornerà a funzionare, riattivi il webhook dalla schermata di amministrazione; gli eventi non consegnati nel frattempo possono essere inviati di nuovo dal suo registro delle consegne.

## Avvisi di modifiche all’accesso

factor-added-subject = Al Suo account tripdesk è stato aggiunto un secondo fattore
factor-added-what = Ora un’app di autenticazione protegge il Suo account tripdesk: all’accesso, dopo la password, Le verrà chiesto il suo codice. Tutte le altre sessioni sono state chiuse.
factor-removed-subject = Il secondo fattore del Suo account tripdesk è stato rimosso
factor-removed-what = All’accesso al Suo account tripdesk non verrà più chiesto il codice di un’app di autenticazione. Tutte le altre sessioni sono state chiuse.
passkey-added-subject = Al Suo account tripdesk è stata aggiunta una passkey
passkey-added-what = Con una nuova passkey ora è possibile accedere al Suo account tripdesk senza password. Tutte le altre sessioni sono state chiuse.
passkey-removed-subject = Una passkey è stata rimossa dal Suo account tripdesk
passkey-removed-what = Una delle Sue passkey non consente più di accedere al Suo account tripdesk. Tutte le altre sessioni sono state chiuse.
password-changed-subject = La password del Suo account tripdesk è stata cambiata
password-changed-what = Il Suo account tripdesk ha una nuova password. Le sessioni aperte con quella precedente sono state chiuse.
factor-not-you = Se non è stato Lei, reimposti subito la password e avvisi l’agenzia.
factor-review = Può vedere le Sue sessioni e il Suo secondo fattore nel profilo:
