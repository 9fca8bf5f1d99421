// Passkey ceremonies of the sign-in pages: ask the server for options, let the browser talk to
// the security key, send the result back. Uses the browser's own JSON helpers (WebAuthn L3).
(() => {
  "use strict";

  const token = () => document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? "";

  const post = async (url, body) => {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "RequestVerificationToken": token() },
      body: JSON.stringify(body),
    });
    let payload = {};
    try { payload = await response.json(); } catch { /* empty body */ }
    if (!response.ok) {
      throw new Error(payload.error ?? payload.title ?? "Something went wrong. Try again.");
    }
    return payload;
  };

  const showError = (message) => {
    const banner = document.getElementById("passkey-error");
    if (banner) { banner.textContent = message; banner.hidden = false; }
  };

  const cancelledMessage = (error) =>
    error?.name === "NotAllowedError"
      ? "The security key did not answer, or the request was cancelled. Try again."
      : error?.name === "InvalidStateError"
        ? "This security key is already registered."
        : (error?.message ?? "Something went wrong. Try again.");

  async function signIn(email, returnUrl) {
    const start = await post("/signin/passkey/options", { email });
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(start.options);
    const credential = await navigator.credentials.get({ publicKey });
    const done = await post("/signin/passkey/complete", { ceremonyId: start.ceremonyId, credential: credential.toJSON(), returnUrl });
    window.location.assign(done.redirect);
  }

  async function register(returnUrl, optionsUrl = "/signin/passkey/register/options", completeUrl = "/signin/passkey/register/complete") {
    const start = await post(optionsUrl, {});
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(start.options);
    const credential = await navigator.credentials.create({ publicKey });
    const json = credential.toJSON();
    // Only transports the server knows; older browsers report legacy names.
    const known = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal"];
    if (json.response?.transports) { json.response.transports = json.response.transports.filter((t) => known.includes(t)); }
    const done = await post(completeUrl, { ceremonyId: start.ceremonyId, credential: json, returnUrl });
    window.location.assign(done.redirect);
  }

  // An assertion for the signed-in user's own passkeys (identify a key, confirm it's you).
  async function assertOwn(optionsUrl, completeUrl) {
    const start = await post(optionsUrl, {});
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(start.options);
    const credential = await navigator.credentials.get({ publicKey });
    return post(completeUrl, { ceremonyId: start.ceremonyId, credential: credential.toJSON(), returnUrl: "/account" });
  }

  async function identify(optionsUrl, completeUrl) {
    const found = await assertOwn(optionsUrl, completeUrl);
    for (const row of document.querySelectorAll("[data-passkey-id]")) {
      row.classList.toggle("identified", row.dataset.passkeyId === found.passkeyId);
    }
    const result = document.getElementById("identify-result");
    if (result) { result.textContent = `That key holds “${found.name}”.`; result.hidden = false; }
  }

  async function reverify(optionsUrl, completeUrl) {
    const done = await assertOwn(optionsUrl, completeUrl);
    window.location.assign(done.redirect);
  }

  const wire = (id, action) => {
    const button = document.getElementById(id);
    if (!button) { return; }
    const run = async () => {
      button.disabled = true;
      try { await action(button.dataset); } catch (error) { showError(cancelledMessage(error)); } finally { button.disabled = false; }
    };
    button.addEventListener("click", run);
    if (button.dataset.autostart === "true") { run(); }
  };

  wire("passkey-signin", (data) => signIn(null, data.returnUrl));
  wire("passkey-email-signin", (data) => signIn(data.email, data.returnUrl));
  wire("create-passkey", (data) => register(data.returnUrl));
  wire("activate-passkey", (data) => register(null, data.optionsUrl, data.completeUrl));
  wire("add-passkey", (data) => register(null, data.optionsUrl, data.completeUrl));
  wire("identify-passkey", (data) => identify(data.optionsUrl, data.completeUrl));
  wire("reverify", (data) => reverify(data.optionsUrl, data.completeUrl));
})();
