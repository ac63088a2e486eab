# tripdesk のメール（日本語）。お客様には敬語、担当者どうしは丁寧語で。

greeting = { $name } 様

## ご予約のメール

subject-created-customer = ご予約リクエストを受け付けました：{ $destination }
subject-created-staff = 新しい予約リクエスト：{ $destination }
subject-confirmed = ご予約確定のお知らせ：{ $destination }
subject-rescheduled = ご予約日時変更のお知らせ：{ $destination }
subject-cancelled = ご予約キャンセルのお知らせ：{ $destination }
subject-reminder = 明日のご相談のお知らせ：{ $destination }
subject-reassigned = ご予約担当者変更のお知らせ：{ $destination }
subject-handed-over = 予約引き継ぎのお知らせ：{ $destination }

headline-created-customer = { $other }とのご相談のリクエストを受け付けました。予約が確定しましたら、改めてご連絡いたします。
headline-created-staff = { $other }様からご相談のリクエストが届きました。内容をご確認のうえ、確定してください。
headline-confirmed-customer = 担当の{ $other }がご相談の予約を確定いたしました。
headline-confirmed-staff = { $other }様とのご相談が確定しました。
headline-rescheduled = ご相談の日時が変更になりました。
headline-cancelled-by-you-customer = { $other }とのご相談のキャンセルを承りました。
headline-cancelled-by-you-staff = { $other }様とのご相談をキャンセルしました。
headline-cancelled-by-agency-customer = 誠に恐れ入りますが、{ $other }とのご相談は当社の都合によりキャンセルとさせていただきました。
headline-cancelled-by-agency-staff = 管理者が{ $other }様とのご相談をキャンセルしました。
headline-cancelled-by-other-customer = 誠に恐れ入りますが、担当の{ $other }の都合によりご相談がキャンセルとなりました。
headline-cancelled-by-other-staff = { $other }様がご相談をキャンセルされました。
headline-reminder = ご相談の開始まであと24時間となりました。
headline-reassigned-customer = ご相談の担当者を{ $other }に変更いたしました。日時に変更はございません。
headline-reassigned-staff = 管理者から{ $other }様とのご相談が割り当てられました。
headline-handed-over-staff = { $other }様とのご相談は管理者により別の担当者へ引き継がれ、あなたのカレンダーから外れました。

label-what = ご相談内容
label-with-customer = 担当者
label-with-staff = お客様
label-when = 日時
label-status = 状況
label-video = ビデオ通話
label-reason = 理由

what = { $destination }についての{ $mode ->
        [video] ビデオ相談
        [phone] 電話相談
       *[in_person] 店頭でのご相談
    }（{ $travelers }名様）
when = { $date } { $start }～{ $end }（{ $zone }）
when-overnight = { $date } { $start }～{ $endDate } { $end }（{ $zone }）
status = { $status ->
        [pending] 確定待ち
        [confirmed] 確定
       *[cancelled] キャンセル済み
    }
invite-attached = カレンダー用の招待状を添付しております。
your-bookings = ご予約の一覧
row = { $label }：{ $value }
bookings-link = ご予約の一覧：{ $link }

## カレンダーの招待状と購読

invite-summary-customer = 旅行のご相談（担当：{ $other }）：{ $destination }
invite-summary-staff = 旅行相談（{ $other }様）：{ $destination }
invite-description = { $what }。
invite-customer = お客様：{ $name }様 <{ $email }>

## アカウントのメール

link-lifetime = このリンクは一度だけ、{ $lifetime }のあいだ有効です。
minutes = { $count }分
hours = { $count }時間
reset-subject = tripdesk パスワード再設定のご案内
reset-request = tripdesk アカウントのパスワード再設定のご依頼を受け付けました。
reset-action = 新しいパスワードを設定する
reset-unasked = お心当たりのない場合は、このメールを破棄してください。パスワードは変更されません。
verify-subject = tripdesk メールアドレス確認のお願い
verify-request = このメールアドレスがご本人のものであることをご確認ください。確認が済むまで、予約確定のご連絡やリマインダーはお送りできません。
verify-action = メールアドレスを確認する
verify-unasked = tripdesk のアカウントを作成したお心当たりのない場合は、このメールを破棄してください。
invitation-subject = tripdesk へのご招待
invitation-request = 代理店がこのメールアドレスで tripdesk のスタッフ用アカウントを作成しました。パスワードを設定して、ご利用を開始してください。
invitation-action = パスワードを設定する
invitation-unasked = お心当たりのない場合は、このメールを破棄してください。パスワードが設定されるまで、このアカウントは誰も利用できません。

## 管理者へのお知らせ

webhook-disabled-subject = tripdesk の Webhook が停止されました
webhook-disabled-what = tripdesk は Webhook（{ $url }）へのイベント送信を停止しました。
webhook-disabled-why = { $reason ->
        [gone] 受信側が 410 Gone を返しました。
        [failing] 24時間にわたり、すべての配信に失敗しました。
       *[admin] 管理者が停止しました。
    }
webhook-disabled-next = 受信側が復旧したら、管理画面で Webhook を再び有効にしてください。停止中に配信できなかったイベントは、配信ログから再送できます。

## ログイン設定の変更のお知らせ

factor-added-subject = tripdesk アカウントに二要素認証が設定されました
factor-added-what = tripdesk アカウントは認証アプリで保護されるようになりました。今後のログインでは、パスワードの後に認証アプリのコードを入力していただきます。ほかのセッションはすべて終了しました。
factor-removed-subject = tripdesk アカウントの二要素認証が解除されました
factor-removed-what = tripdesk アカウントへのログインで、認証アプリのコードは求められなくなりました。ほかのセッションはすべて終了しました。
passkey-added-subject = tripdesk アカウントにパスキーが追加されました
passkey-added-what = 新しいパスキーで、パスワードなしで tripdesk アカウントにログインできるようになりました。ほかのセッションはすべて終了しました。
passkey-removed-subject = tripdesk アカウントからパスキーが削除されました
passkey-removed-what = お使いのパスキーの一つで、tripdesk アカウントにログインできなくなりました。ほかのセッションはすべて終了しました。
password-changed-subject = tripdesk アカウントのパスワードが変更されました
password-changed-what = tripdesk アカウントに新しいパスワードが設定されました。以前のパスワードでログインしていたセッションはすべて終了しました。
factor-not-you = お心当たりのない場合は、すぐにパスワードを再設定し、代理店までご連絡ください。
factor-review = セッションと二要素認証の設定は、プロフィールでご確認いただけます：
