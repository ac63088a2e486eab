# tripdesk-Mails auf Deutsch (Sie-Form).

greeting = Guten Tag { $name },

## Termine

subject-created-customer = Terminanfrage erhalten: { $destination }
subject-created-staff = Neue Terminanfrage: { $destination }
subject-confirmed = Termin bestätigt: { $destination }
subject-rescheduled = Termin verschoben: { $destination }
subject-cancelled = Termin abgesagt: { $destination }
subject-reminder = Erinnerung: Ihre Beratung ist morgen – { $destination }
subject-reassigned = Termin neu zugewiesen: { $destination }
subject-handed-over = Termin übergeben: { $destination }

headline-created-customer = Ihre Terminanfrage bei { $other } ist eingegangen. Sie hören von uns, sobald der Termin bestätigt ist.
headline-created-staff = { $other } hat eine Beratung angefragt. Bitte bestätigen Sie den Termin.
headline-confirmed-customer = { $other } hat Ihren Termin bestätigt.
headline-confirmed-staff = Der Termin mit { $other } ist bestätigt.
headline-rescheduled = Der Termin wurde verschoben.
headline-cancelled-by-you-customer = Sie haben Ihren Termin bei { $other } abgesagt.
headline-cancelled-by-you-staff = Sie haben den Termin mit { $other } abgesagt.
headline-cancelled-by-agency-customer = Leider mussten wir Ihren Termin bei { $other } absagen.
headline-cancelled-by-agency-staff = Das Reisebüro hat den Termin mit { $other } abgesagt.
headline-cancelled-by-other-customer = Leider hat { $other } den Termin abgesagt.
headline-cancelled-by-other-staff = { $other } hat den Termin abgesagt.
headline-reminder = Ihre Beratung beginnt in 24 Stunden.
headline-reassigned-customer = Ihr Termin findet zur selben Zeit statt, jetzt bei { $other }.
headline-reassigned-staff = Das Reisebüro hat Ihnen den Termin mit { $other } übertragen.
headline-handed-over-staff = Das Reisebüro hat Ihren Termin mit { $other } an eine Kollegin oder einen Kollegen übergeben; er steht nicht mehr in Ihrem Kalender.

label-what = Termin
label-with-customer = Bei
label-with-staff = Mit
label-when = Wann
label-status = Status
label-video = Videoanruf
label-reason = Grund

what = { $mode ->
        [video] Videoberatung
        [phone] Telefonberatung
       *[in_person] Beratung im Reisebüro
    } zum Reiseziel { $destination }, { $travelers ->
        [one] eine reisende Person
       *[other] { $travelers } Reisende
    }
when = { $date }, { $start }–{ $end } Uhr, { $zone }
when-overnight = { $date }, { $start } Uhr bis { $endDate }, { $end } Uhr, { $zone }
status = { $status ->
        [pending] wartet auf Bestätigung
        [confirmed] bestätigt
       *[cancelled] abgesagt
    }
invite-attached = Die Kalendereinladung finden Sie im Anhang.
your-bookings = Ihre Termine
row = { $label }: { $value }
bookings-link = Ihre Termine: { $link }

## Kalendereinladungen und Abos

invite-summary-customer = Reiseberatung bei { $other }: { $destination }
invite-summary-staff = Reiseberatung mit { $other }: { $destination }
invite-description = { $what }.
invite-customer = Kontakt: { $name } <{ $email }>

## Konto

link-lifetime = Der Link funktioniert nur einmal und ist { $lifetime } lang gültig.
minutes = { $count ->
        [one] eine Minute
       *[other] { $count } Minuten
    }
hours = { $count ->
        [one] eine Stunde
       *[other] { $count } Stunden
    }
reset-subject = Ihr tripdesk-Passwort zurücksetzen
reset-request = Jemand – hoffentlich Sie – möchte das Passwort Ihres tripdesk-Kontos zurücksetzen.
reset-action = Neues Passwort wählen
reset-unasked = Falls Sie das nicht waren, ignorieren Sie diese E-Mail einfach: Ihr Passwort bleibt, wie es ist.
verify-subject = Bitte bestätigen Sie Ihre E-Mail-Adresse für tripdesk
verify-request = Bitte bestätigen Sie, dass diese Adresse Ihnen gehört. Bis dahin schickt Ihnen tripdesk keine Terminbestätigungen und keine Erinnerungen.
verify-action = Adresse bestätigen
verify-unasked = Falls Sie kein tripdesk-Konto angelegt haben, ignorieren Sie diese E-Mail.
invitation-subject = Ihre Einladung zu tripdesk
invitation-request = Das Reisebüro hat für Sie unter dieser Adresse ein tripdesk-Konto für Mitarbeitende eingerichtet. Legen Sie ein Passwort fest, um es zu nutzen.
invitation-action = Passwort festlegen
invitation-unasked = Falls Sie diese E-Mail nicht erwartet haben, ignorieren Sie sie: Niemand kann das Konto nutzen, bevor ein Passwort festgelegt ist.

## Hinweise an die Verwaltung

webhook-disabled-subject = Ein tripdesk-Webhook wurde abgeschaltet
webhook-disabled-what = tripdesk liefert keine Ereignisse mehr an den Webhook { $url }.
webhook-disabled-why = { $reason ->
        [gone] Der Empfänger hat mit 410 Gone geantwortet.
        [failing] 24 Stunden lang ist jede Zustellung fehlgeschlagen.
       *[admin] Jemand aus der Verwaltung hat ihn abgeschaltet.
    }
webhook-disabled-next = Sobald der Empfänger wieder funktioniert, schalten Sie den Webhook in der Verwaltung wieder ein; Ereignisse, die in der Zwischenzeit fehlgeschlagen sind, lassen sich aus seinem Zustellprotokoll erneut senden.

## Hinweise zu Änderungen an der Anmeldung

factor-added-subject = Ihr tripdesk-Konto hat jetzt einen zweiten Faktor
factor-added-what = Eine Authenticator-App schützt jetzt Ihr tripdesk-Konto: Nach dem Passwort wird bei der Anmeldung ihr Code abgefragt. Alle anderen Sitzungen wurden beendet.
factor-removed-subject = Der zweite Faktor Ihres tripdesk-Kontos wurde entfernt
factor-removed-what = Bei der Anmeldung an Ihrem tripdesk-Konto wird kein Code aus einer Authenticator-App mehr abgefragt. Alle anderen Sitzungen wurden beendet.
passkey-added-subject = Ihrem tripdesk-Konto wurde ein Passkey hinzugefügt
passkey-added-what = Mit einem neuen Passkey kann man sich jetzt ohne Passwort bei Ihrem tripdesk-Konto anmelden. Alle anderen Sitzungen wurden beendet.
passkey-removed-subject = Ein Passkey wurde aus Ihrem tripdesk-Konto entfernt
passkey-removed-what = Mit einem Ihrer Passkeys ist keine Anmeldung bei Ihrem tripdesk-Konto mehr möglich. Alle anderen Sitzungen wurden beendet.
password-changed-subject = Das Passwort Ihres tripdesk-Kontos wurde geändert
password-changed-what = Ihr tripdesk-Konto hat ein neues Passwort. Sitzungen, die mit dem alten angemeldet waren, wurden beendet.
factor-not-you = Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und informieren Sie das Reisebüro.
factor-review = Ihre Sitzungen und Ihren zweiten Faktor sehen Sie in Ihrem Profil:
