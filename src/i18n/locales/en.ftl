# What muster says to invitees, in English. Every language has the same messages; a message
# missing from one is said in English. Arguments arrive ready for the page (escaped).

invitation-title = Your invitation
join-heading = Join { $org }
invited-as = You are invited as { $email }.
sso-to-accept = Sign in with { $provider } to accept. This invitation expires on { $date }.
expires-on = This invitation expires on { $date }.
sign-in-with = Sign in with { $provider }
accept-button = Accept invitation
already-accepted = This invitation for { $email } was already accepted.
no-longer-valid = This invitation is no longer valid. Ask your administrator for a new one.
invalid-title = Invitation not valid
invalid-heading = This invitation link is not valid
invalid-body = It may have expired, been used or been replaced. Ask your administrator for a new one.
accepted-title = Invitation accepted
welcome-heading = Welcome to { $org }
welcome-body = Your invitation for { $email } is accepted. You can close this page.
too-many-title = Too many attempts
too-many-body = Wait a few minutes and try again.
sign-in-down-title = Sign-in unavailable
sign-in-down-heading = The sign-in service is not answering
sign-in-down-body = Nothing was accepted. Open your invitation link again in a few minutes.
error-title = Something went wrong
error-body = Please try again later.
unavailable-title = Try again shortly
unavailable-heading = Your invitation cannot be opened right now
unavailable-body = Nothing was accepted or changed. Open your invitation link again in a few minutes.

# A date and time: "December 8, 2026 at 10:00 UTC".
date-time = { $month } { $day }, { $year } at { $time } UTC
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

# The invitation email.
mail-subject = { $org } invites you to join them
mail-greeting = Hello,
mail-invited = { $org } has invited you to join them, as { $email }.
mail-action = To accept, open your personal invitation link:
mail-sso = You will sign in with { $provider }, your organization’s single sign-on, using { $email }.
mail-expires = The link works until { $date }.
mail-fallback = If the button does not work, copy this address into your browser:
mail-personal = This link is yours alone: please do not forward this email.
mail-ignore = If you were not expecting this invitation, you can ignore this email; nothing happens until you accept.
mail-sent-for = Sent on behalf of { $org }.
