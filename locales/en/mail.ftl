# tripdesk mail, English. Every locale holds the same message ids with the
# same variables (a test compares them). "-customer" messages go to the
# customer (their $other is the consultant), "-staff" ones to a consultant
# or admin (their $other is the customer).

greeting = Hello { $name },

## Booking mails

subject-created-customer = Booking request received: { $destination }
subject-created-staff = New booking request: { $destination }
subject-confirmed = Booking confirmed: { $destination }
subject-rescheduled = Booking moved: { $destination }
subject-cancelled = Booking cancelled: { $destination }
subject-reminder = Reminder: your consultation is tomorrow: { $destination }
subject-reassigned = Booking reassigned: { $destination }
subject-handed-over = Booking handed over: { $destination }

headline-created-customer = Your consultation request with { $other } is received; you will hear once it is confirmed.
headline-created-staff = { $other } asked for a consultation. Please confirm it.
headline-confirmed-customer = { $other } confirmed your consultation.
headline-confirmed-staff = The consultation with { $other } is confirmed.
headline-rescheduled = The consultation has moved to a new time.
headline-cancelled-by-you-customer = You cancelled the consultation with { $other }.
headline-cancelled-by-you-staff = You cancelled the consultation with { $other }.
headline-cancelled-by-agency-customer = The agency cancelled the consultation with { $other }.
headline-cancelled-by-agency-staff = The agency cancelled the consultation with { $other }.
headline-cancelled-by-other-customer = { $other } cancelled the consultation.
headline-cancelled-by-other-staff = { $other } cancelled the consultation.
headline-reminder = Your consultation starts in 24 hours.
headline-reassigned-customer = The agency moved your consultation to { $other }, at the same time.
headline-reassigned-staff = The agency gave you the consultation with { $other }.
headline-handed-over-staff = The agency handed your consultation with { $other } to a colleague: it is off your calendar.

label-what = What
label-with-customer = With
label-with-staff = With
label-when = When
label-status = Status
label-video = Video call
label-reason = Reason

what = { $mode ->
        [video] Video consultation
        [phone] Phone consultation
       *[in_person] In-person consultation
    } about { $destination }, { $travelers ->
        [one] one traveller
       *[other] { $travelers } travellers
    }
when = { $date }, { $start }–{ $end } ({ $zone })
when-overnight = { $date }, { $start } to { $endDate }, { $end } ({ $zone })
status = { $status ->
        [pending] pending confirmation
        [confirmed] confirmed
       *[cancelled] cancelled
    }
invite-attached = The calendar invite is attached.
your-bookings = Your bookings
row = { $label }: { $value }
bookings-link = Your bookings: { $link }

## Calendar invites and feeds

invite-summary-customer = Travel consultation with { $other }: { $destination }
invite-summary-staff = Travel consultation with { $other }: { $destination }
invite-description = { $what }.
invite-customer = Customer: { $name } <{ $email }>

## Account mails

link-lifetime = The link works once, for { $lifetime }.
minutes = { $count ->
        [one] one minute
       *[other] { $count } minutes
    }
hours = { $count ->
        [one] one hour
       *[other] { $count } hours
    }
reset-subject = Reset your tripdesk password
reset-request = Someone, hopefully you, asked to reset the password of your tripdesk account.
reset-action = Choose a new password
reset-unasked = If you did not ask, ignore this mail: your password stays as it is.
verify-subject = Confirm your email address for tripdesk
verify-request = Please confirm that this address is yours. Until you do, tripdesk sends you no booking confirmations or reminders.
verify-action = Confirm my address
verify-unasked = If you did not create a tripdesk account, ignore this mail.
invitation-subject = You are invited to tripdesk
invitation-request = The agency has opened a tripdesk staff account for you at this address. Choose a password to start using it.
invitation-action = Set my password
invitation-unasked = If you were not expecting this, ignore this mail: nobody can use the account until a password is set.

## Notices to admins

webhook-disabled-subject = A tripdesk webhook was turned off
webhook-disabled-what = tripdesk stopped delivering events to the webhook at { $url }.
webhook-disabled-why = { $reason ->
        [gone] The receiver answered 410 Gone.
        [failing] Every delivery failed for 24 hours.
       *[admin] An admin turned it off.
    }
webhook-disabled-next = Once the receiver works again, turn the webhook back on in the admin screen; events that failed meanwhile can be delivered again from its delivery log.

## Notices of changes to sign-in

factor-added-subject = A second factor was added to your tripdesk account
factor-added-what = An authenticator app now guards your tripdesk account: logins ask for its code after the password. Every other session was ended.
factor-removed-subject = The second factor of your tripdesk account was removed
factor-removed-what = Logins to your tripdesk account no longer ask for a code from an authenticator app. Every other session was ended.
passkey-added-subject = A passkey was added to your tripdesk account
passkey-added-what = A new passkey can now sign in to your tripdesk account without the password. Every other session was ended.
passkey-removed-subject = A passkey was removed from your tripdesk account
passkey-removed-what = One of your passkeys can no longer sign in to your tripdesk account. Every other session was ended.
password-changed-subject = The password of your tripdesk account was changed
password-changed-what = Your tripdesk account has a new password. Sessions signed in with the old one were ended.
factor-not-you = If this was not you, reset your password at once and tell the agency.
factor-review = You can see your sessions and second factor in your profile:
