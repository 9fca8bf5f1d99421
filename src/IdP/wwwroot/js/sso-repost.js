// The identity provider's answer arrived by a cross-site POST, which carries no Lax cookie:
// send it again from our own page (once it has loaded), so the browser binding cookie comes with it.
window.addEventListener("load", () => document.getElementById("sso-repost")?.submit());
