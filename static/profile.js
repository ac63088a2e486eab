// tripdesk demo frontend, the person's profile: the language and time zone
// their mails are written in (asked at registration, changed here), and
// their name; the second factor's panel is mfa.js's (showMfa), the passkeys' is
// passkeys.js's (showPasskeys). Uses
// app.js's helpers (api, $, attempt, say, formJson, showWhoami) and
// its state (me).
"use strict";

/** The languages tripdesk writes mail in, each by its own name. */
const LANGUAGES = [
  ["en", "English"], ["es", "Español"], ["fr", "Français"],
  ["de", "Deutsch"], ["it", "Italiano"], ["ja", "日本語"],
];

/** The browser's own time zone (an IANA name), if it tells. */
function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
}

/** The registration body: the form's fields, no locale when the browser's
 *  language is to decide (the server reads Accept-Language), and the
 *  browser's time zone. */
function registration(form) {
  const body = formJson(form);
  if (!body.locale) delete body.locale;
  const timezone = browserTimeZone();
  if (timezone) body.timezone = timezone;
  return body;
}

/** Fills the profile form with `user`'s name, language and time zone. */
function showProfile(user) {
  $("#profile-section").hidden = false;
  const form = $("#profile-form");
  form.elements.name.value = user.name;
  form.elements.locale.value = user.locale;
  form.elements.timezone.value = user.timezone ?? "";
  showMfa(user);
  showPasskeys();
}

function wireProfile() {
  for (const select of document.querySelectorAll("select.languages")) {
    for (const [tag, name] of LANGUAGES) select.add(new Option(name, tag));
  }
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : [];
  for (const zone of zones) $("#time-zones").append(new Option(zone));
  $("#profile-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { name, locale, timezone } = formJson(event.target);
      const { user } = await api("PATCH", "/api/users/me", { name, locale, timezone: timezone || null });
      me = user;
      showWhoami(user);
      showProfile(user);
      say("Your profile is saved.");
    });
  });
}

wireProfile();
