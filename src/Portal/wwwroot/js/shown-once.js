// A secret shown once (a new API token): a button with data-copy="id" copies that element's
// text, and an element with data-replace-url puts that address in the history in place of the
// form post, so a reload reads the page again (without the secret) instead of posting again.
(() => {
  "use strict";
  const shown = document.querySelector("[data-replace-url]");
  if (shown && typeof history.replaceState === "function") {
    history.replaceState(null, "", shown.dataset.replaceUrl);
  }

  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source) {
      continue;
    }

    const label = button.textContent;
    button.addEventListener("click", async () => {
      const text = source.textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        // No clipboard access (an old browser, or permission refused): select the text to copy by hand.
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return;
      }

      button.textContent = button.dataset.copied || label;
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
})();
