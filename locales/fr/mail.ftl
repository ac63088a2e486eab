# Messages de tripdesk en français (vouvoiement).

greeting = Bonjour { $name },

## Rendez-vous

subject-created-customer = Demande de rendez-vous reçue : { $destination }
subject-created-staff = Nouvelle demande de rendez-vous : { $destination }
subject-confirmed = Rendez-vous confirmé : { $destination }
subject-rescheduled = Rendez-vous déplacé : { $destination }
subject-cancelled = Rendez-vous annulé : { $destination }
subject-reminder = Rappel : votre rendez-vous a lieu demain ({ $destination })
subject-reassigned = Rendez-vous réattribué : { $destination }
subject-handed-over = Rendez-vous transmis : { $destination }

headline-created-customer = Nous avons bien reçu votre demande de rendez-vous avec { $other }. Nous vous préviendrons dès qu’il sera confirmé.
headline-created-staff = { $other } demande un rendez-vous. Merci de le confirmer.
headline-confirmed-customer = { $other } a confirmé votre rendez-vous.
headline-confirmed-staff = Le rendez-vous avec { $other } est confirmé.
headline-rescheduled = Le rendez-vous a été déplacé.
headline-cancelled-by-you-customer = Vous avez annulé votre rendez-vous avec { $other }.
headline-cancelled-by-you-staff = Vous avez annulé le rendez-vous avec { $other }.
headline-cancelled-by-agency-customer = Nous sommes au regret de vous informer que l’agence a annulé votre rendez-vous avec { $other }.
headline-cancelled-by-agency-staff = L’agence a annulé le rendez-vous avec { $other }.
headline-cancelled-by-other-customer = Nous sommes au regret de vous informer que { $other } a annulé le rendez-vous.
headline-cancelled-by-other-staff = { $other } a annulé le rendez-vous.
headline-reminder = Votre rendez-vous commence dans 24 heures.
headline-reassigned-customer = L’agence a confié votre rendez-vous à { $other }, au même horaire.
headline-reassigned-staff = L’agence vous a confié le rendez-vous avec { $other }.
headline-handed-over-staff = L’agence a confié votre rendez-vous avec { $other } à un collègue : il ne figure plus dans votre agenda.

label-what = Objet
label-with-customer = Avec
label-with-staff = Client
label-when = Quand
label-status = Statut
label-video = Visioconférence
label-reason = Motif

what = { $mode ->
        [video] Rendez-vous en visioconférence
        [phone] Rendez-vous téléphonique
       *[in_person] Rendez-vous en agence
    }, destination : { $destination }, { $travelers ->
        [one] un voyageur
       *[other] { $travelers } voyageurs
    }
when = { $date }, { $start }–{ $end } ({ $zone })
when-overnight = Du { $date }, { $start }, au { $endDate }, { $end } ({ $zone })
status = { $status ->
        [pending] en attente de confirmation
        [confirmed] confirmé
       *[cancelled] annulé
    }
invite-attached = L’invitation pour votre agenda est jointe à ce message.
your-bookings = Vos rendez-vous
row = { $label } : { $value }
bookings-link = Vos rendez-vous : { $link }

## Invitations et abonnements d’agenda

invite-summary-customer = Conseil voyage avec { $other } : { $destination }
invite-summary-staff = Conseil voyage avec { $other } : { $destination }
invite-description = { $what }.
invite-customer = Client : { $name } <{ $email }>

## Compte

link-lifetime = Ce lien ne fonctionne qu’une seule fois, pendant { $lifetime }.
minutes = { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
hours = { $count ->
        [one] { $count } heure
       *[other] { $count } heures
    }
reset-subject = Réinitialisez votre mot de passe tripdesk
reset-request = Quelqu’un, sans doute vous, a demandé à réinitialiser le mot de passe de votre compte tripdesk.
reset-action = Choisir un nouveau mot de passe
reset-unasked = Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.
verify-subject = Confirmez votre adresse e-mail pour tripdesk
verify-request = Merci de confirmer que cette adresse est bien la vôtre. D’ici là, tripdesk ne vous enverra ni confirmation de rendez-vous ni rappel.
verify-action = Confirmer mon adresse
verify-unasked = Si vous n’avez pas créé de compte tripdesk, ignorez ce message.
invitation-subject = Votre accès à tripdesk vous attend
invitation-request = L’agence vous a ouvert un compte collaborateur tripdesk à cette adresse. Choisissez un mot de passe pour commencer à l’utiliser.
invitation-action = Choisir mon mot de passe
invitation-unasked = Si vous ne vous attendiez pas à ce message, ignorez-le : personne ne peut utiliser ce compte tant qu’aucun mot de passe n’a été choisi.

## Avis aux administrateurs

webhook-disabled-subject = Un webhook tripdesk a été désactivé
webhook-disabled-what = tripdesk a cessé d’envoyer des événements au webhook { $url }.
webhook-disabled-why = { $reason ->
        [gone] Le destinataire a répondu 410 Gone.
        [failing] Toutes les livraisons ont échoué pendant 24 heures.
       *[admin] Un administrateur l’a désactivé.
    }
webhook-disabled-next = Dès que le destinataire fonctionnera de nouveau, réactivez le webhook depuis l’écran d’administration ; les événements en échec entre-temps peuvent être renvoyés depuis son journal de livraison.

## Avis de changements de connexion

factor-added-subject = Un second facteur a été ajouté à votre compte tripdesk
factor-added-what = Une application d’authentification protège désormais votre compte tripdesk : après le mot de passe, la connexion demande son code. Toutes les autres sessions ont été fermées.
factor-removed-subject = Le second facteur de votre compte tripdesk a été supprimé
factor-removed-what = La connexion à votre compte tripdesk ne demande plus de code d’une application d’authentification. Toutes les autres sessions ont été fermées.
passkey-added-subject = Une clé d’accès a été ajoutée à votre compte tripdesk
passkey-added-what = Une nouvelle clé d’accès permet désormais de se connecter à votre compte tripdesk sans mot de passe. Toutes les autres sessions ont été fermées.
passkey-removed-subject = Une clé d’accès a été retirée de votre compte tripdesk
passkey-removed-what = L’une de vos clés d’accès ne permet plus de se connecter à votre compte tripdesk. Toutes les autres sessions ont été fermées.
password-changed-subject = Le mot de passe de votre compte tripdesk a été modifié
password-changed-what = Votre compte tripdesk a un nouveau mot de passe. Les sessions ouvertes avec l’ancien ont été fermées.
factor-not-you = Si vous n’êtes pas à l’origine de ce changement, réinitialisez votre mot de passe sans attendre et prévenez l’agence.
factor-review = Vous retrouverez vos sessions et votre second facteur dans votre profil :
